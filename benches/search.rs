//! Search latency and index build time, on the shipped content and on a synthetic corpus 100×
//! its size. Run: `cargo bench --bench search`.

use coursebot::content::{load_course, Course};
use coursebot::search::SearchIndex;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const QUERIES: &[&str] = &[
    "chords",
    "chrods",
    "how do I retry a task",
    "callback after group",
    "periodic tasks with crontab",
    "rabbitmq vs redis broker",
    "result backend expiration",
    "task_acks_late",
    "worker prefetch multiplier",
    "idempotent tasks",
    "\"task\" (routing) -queues*",
    "flower monitoring",
    "tls broker connection",
    "django transaction on_commit",
    "autoscaling workers kubernetes",
    "time limits soft hard",
    "serializer json pickle security",
    "distributed tracing opentelemetry",
    "priority queues",
    "testing tasks eager mode",
];

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn measure(name: &str, course: &Course, rounds: usize) {
    let t = Instant::now();
    let idx = SearchIndex::in_memory(course).expect("index builds");
    let build = t.elapsed();
    // Warm up.
    for q in QUERIES {
        std::hint::black_box(idx.search(q, 3));
    }
    let mut times = Vec::with_capacity(QUERIES.len() * rounds);
    for _ in 0..rounds {
        for q in QUERIES {
            let t = Instant::now();
            std::hint::black_box(idx.search(q, 3));
            times.push(t.elapsed());
        }
    }
    times.sort();
    let sections: usize = course.modules.iter().map(|m| m.sections.len()).sum();
    println!(
        "{name:<10} docs={:>6} sections={:>6} build={:>8.1} ms  queries={:>5}  p50={:>7.1} µs  p99={:>7.1} µs  max={:>7.1} µs",
        idx.num_docs(),
        sections,
        build.as_secs_f64() * 1e3,
        times.len(),
        percentile(&times, 0.50).as_secs_f64() * 1e6,
        percentile(&times, 0.99).as_secs_f64() * 1e6,
        times.last().unwrap().as_secs_f64() * 1e6,
    );
}

/// The course with every module copied `n` times (new ids, words of each section rotated so
/// the copies are not identical documents).
fn synthetic(course: &Course, n: usize) -> Course {
    let mut c = course.clone();
    c.modules.clear();
    c.questions.clear();
    for k in 0..n {
        for m in &course.modules {
            let mut m2 = m.clone();
            m2.id = format!("{}x{k:03}", m.id);
            for s in &mut m2.sections {
                let words: Vec<&str> = s.body.split_whitespace().collect();
                if !words.is_empty() {
                    let r = (k * 7) % words.len();
                    s.body = words[r..]
                        .iter()
                        .chain(&words[..r])
                        .copied()
                        .collect::<Vec<_>>()
                        .join(" ");
                }
            }
            c.modules.push(m2);
        }
        for q in &course.questions {
            let mut q2 = q.clone();
            q2.id = format!("{}x{k:03}", q.id);
            q2.module = format!("{}x{k:03}", q.module);
            c.questions.push(q2);
        }
    }
    c
}

fn main() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("content");
    let course = load_course(&dir).unwrap_or_else(|e| panic!("shipped content must load: {e}"));
    println!("search benchmark: {} queries, limit 3", QUERIES.len());
    measure("shipped", &course, 200);
    measure("100x", &synthetic(&course, 100), 10);
}
