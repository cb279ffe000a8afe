//! Generalization check: `/explain` search on a HELD-OUT set of real Celery questions
//! (tests/fixtures/search-heldout.toml: GitHub issues not in the dev set, with strings a right
//! passage must contain chosen before looking at the content). The dev set tunes; this set
//! tells whether the tuning carries over. Recall@3 must not fall below the floor.

use coursebot::content::load_course;
use coursebot::search::{evaluate, load_devset, render_eval, SearchIndex};
use std::path::PathBuf;

/// Recall@3 on the held-out set (a few points under the measured figure, 61/62 = 98.4 %; see
/// BENCHMARKS.md). The one place to raise it.
const HELDOUT_RECALL_AT_3_FLOOR: f64 = 0.94;
/// Recall@1 floor (measured 54/62 = 87.1 %).
const HELDOUT_RECALL_AT_1_FLOOR: f64 = 0.82;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn recall_on_the_held_out_set_stays_above_the_floor() {
    let path = manifest_dir().join("tests/fixtures/search-heldout.toml");
    let set = load_devset(&path).unwrap();
    assert!(
        set.query.len() >= 60,
        "the held-out set shrank to {} questions",
        set.query.len()
    );
    let course = load_course(&manifest_dir().join("content")).unwrap();
    let idx = SearchIndex::in_memory(&course).unwrap();
    let r = evaluate(&idx, &set, &path.display().to_string());
    assert!(
        r.recall_at_3 >= HELDOUT_RECALL_AT_3_FLOOR,
        "held-out recall@3 {:.3} below the floor {HELDOUT_RECALL_AT_3_FLOOR}\n{}",
        r.recall_at_3,
        render_eval(&r, true)
    );
    assert!(
        r.recall_at_1 >= HELDOUT_RECALL_AT_1_FLOOR,
        "held-out recall@1 {:.3} below the floor {HELDOUT_RECALL_AT_1_FLOOR}\n{}",
        r.recall_at_1,
        render_eval(&r, true)
    );
    assert!(r.recall_at_1 <= r.recall_at_3 && r.mrr <= 1.0);
}
