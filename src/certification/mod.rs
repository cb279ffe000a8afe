//! The certification ladder as rules, without Discord: which requirements a member meets,
//! how an exam's questions are drawn, grades. The rules themselves are data in course.toml.

pub mod service;

use crate::content::{Certification, Course};
use std::collections::{HashMap, HashSet};

/// The certificate a learning path leads to (`foundation` → Foundation, `django` → Architect).
pub fn cert_for_path<'a>(course: &'a Course, path: &str) -> Option<&'a Certification> {
    let p = course.path(path)?;
    course
        .certifications
        .iter()
        .find(|c| c.paths.contains(&p.id))
}

/// Draw `n` questions for an exam of `cert` without repeats, from its paths' modules in
/// proportion to their quiz sizes (largest remainder), shuffled with `seed`. When a module has
/// too few questions, the others make up the difference.
pub fn draw_exam(course: &Course, cert: &Certification, n: usize, seed: u64) -> Vec<String> {
    let modules: Vec<_> = cert
        .paths
        .iter()
        .filter_map(|p| course.path(p))
        .flat_map(|p| p.module_ids.iter())
        .filter_map(|m| course.module(m))
        .collect();
    let pools: Vec<Vec<String>> = modules
        .iter()
        .map(|m| {
            let ids: Vec<String> = course.questions_of(&m.id).map(|q| q.id.clone()).collect();
            crate::quiz::pool::cycle_order(&ids, seed, 0)
        })
        .collect();
    let available: usize = pools.iter().map(Vec::len).sum();
    let n = n.min(available);
    let weights: Vec<f64> = modules.iter().map(|m| m.quiz_size.max(1) as f64).collect();
    let total_w: f64 = weights.iter().sum();
    let mut quota: Vec<usize> = Vec::new();
    let mut rema: Vec<(f64, usize)> = Vec::new();
    for (i, w) in weights.iter().enumerate() {
        let exact = n as f64 * w / total_w;
        quota.push((exact.floor() as usize).min(pools[i].len()));
        rema.push((exact - exact.floor(), i));
    }
    rema.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    // Hand out what is left: largest remainders first, then wherever questions remain.
    let mut left = n - quota.iter().sum::<usize>();
    let order: Vec<usize> = rema.iter().map(|r| r.1).collect();
    while left > 0 {
        let mut progressed = false;
        for &i in &order {
            if left > 0 && quota[i] < pools[i].len() {
                quota[i] += 1;
                left -= 1;
                progressed = true;
            }
        }
        if !progressed {
            break;
        }
    }
    let mut out: Vec<String> = pools
        .iter()
        .zip(&quota)
        .flat_map(|(p, q)| p.iter().take(*q).cloned())
        .collect();
    out = crate::quiz::pool::cycle_order(&out, seed ^ 0x5eed, 1);
    out
}

/// What is known about a member, to evaluate requirements.
#[derive(Debug, Clone, Default)]
pub struct MemberState {
    pub completed_modules: HashSet<String>,
    /// Best exam percent per certification, and whether it was a pass.
    pub best_exam: HashMap<String, (f64, bool)>,
    /// Latest capstone status per certification: "pending", "approved", "rejected".
    pub capstone: HashMap<String, String>,
    /// Certificates held (not revoked).
    pub held: HashSet<String>,
}

/// Where a member stands for one certification.
#[derive(Debug, Clone, PartialEq)]
pub struct CertStatus {
    pub cert_id: String,
    pub title: String,
    /// (path id, modules complete, modules in path)
    pub paths: Vec<(String, usize, usize)>,
    /// A path whose modules are all complete (for `any_path` certificates: any one of them).
    pub modules_met: bool,
    pub exam_best: Option<(f64, bool)>,
    pub capstone: Option<String>,
    pub prerequisite_met: bool,
    pub held: bool,
    /// Everything still missing, as sentences.
    pub missing: Vec<String>,
}

impl CertStatus {
    pub fn requirements_met(&self) -> bool {
        self.missing.is_empty()
    }
}

pub fn evaluate(course: &Course, s: &MemberState) -> Vec<CertStatus> {
    course
        .certifications
        .iter()
        .map(|c| {
            let paths: Vec<(String, usize, usize)> = c
                .paths
                .iter()
                .filter_map(|p| course.path(p))
                .map(|p| {
                    let done = p
                        .module_ids
                        .iter()
                        .filter(|m| s.completed_modules.contains(*m))
                        .count();
                    (p.id.clone(), done, p.module_ids.len())
                })
                .collect();
            let full = |x: &(String, usize, usize)| x.1 == x.2 && x.2 > 0;
            let modules_met = if c.any_path {
                paths.iter().any(full)
            } else {
                paths.iter().all(full)
            };
            let exam_best = s.best_exam.get(&c.id).copied();
            let capstone = s.capstone.get(&c.id).cloned();
            let prerequisite_met = c
                .prerequisite
                .as_ref()
                .map(|p| s.held.contains(p))
                .unwrap_or(true);
            let mut missing = Vec::new();
            if let Some(p) = &c.prerequisite {
                if !prerequisite_met {
                    let t = course
                        .certification(p)
                        .map(|x| x.title.clone())
                        .unwrap_or_else(|| p.clone());
                    missing.push(format!("hold the {t}"));
                }
            }
            if !modules_met {
                if c.any_path {
                    missing.push("complete every module of one specialist track".to_string());
                } else {
                    for (p, d, t) in paths.iter().filter(|x| !full(x)) {
                        missing.push(format!("complete the {p} modules ({d}/{t} done)"));
                    }
                }
            }
            if let Some(e) = &c.exam {
                if !exam_best.map(|b| b.1).unwrap_or(false) {
                    missing.push(format!("pass the exam ({}%+)", e.pass_percent));
                }
            }
            if c.capstone && capstone.as_deref() != Some("approved") {
                missing.push(match (c.project_based, capstone.as_deref()) {
                    (true, Some("pending")) => "project assessment awaiting review".to_string(),
                    (true, _) => "have the project assessment (portfolio) approved".to_string(),
                    (false, Some("pending")) => "capstone awaiting review".to_string(),
                    (false, _) => "have the capstone project approved".to_string(),
                });
            }
            CertStatus {
                cert_id: c.id.clone(),
                title: c.title.clone(),
                paths,
                modules_met,
                exam_best,
                capstone,
                prerequisite_met,
                held: s.held.contains(&c.id),
                missing,
            }
        })
        .collect()
}

/// A text progress bar: `▰▰▰▱▱▱▱▱`.
pub fn bar(done: usize, total: usize) -> String {
    (0..total)
        .map(|i| if i < done { '▰' } else { '▱' })
        .collect()
}
