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

/// How a member completed a module, for `/progress`.
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleCompletion {
    pub module: String,
    /// `module` (a `/quiz module` run), `practice` (a long enough practice) or `legacy`
    /// (completed before completions recorded their basis).
    pub basis: String,
    /// Questions of the practice that completed it (0 when unknown: legacy).
    pub questions: i64,
    /// Best percent.
    pub score: i64,
    /// Meets the rule today (a passed practice of at least the quiz size), so it counts for
    /// certificates.
    pub counts: bool,
    /// Questions a completing practice needs.
    pub required: usize,
}

/// What is known about a member, to evaluate requirements.
#[derive(Debug, Clone, Default)]
pub struct MemberState {
    /// Modules whose completion counts (see [`ModuleCompletion::counts`]).
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
    /// How many of the first `missing` items must be done before the exam may be taken (the
    /// prerequisite certificate and the modules), so callers never sort them by their text.
    pub missing_before_exam: usize,
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
            let missing_before_exam = missing.len();
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
                missing_before_exam,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{AnswerKey, Exam, GradeBand, LearningPath, Module, Question};

    /// A course with one path of three modules (quiz sizes 10, 5, 5) and `per_module` questions each.
    fn course(per_module: &[usize]) -> Course {
        let sizes = [10, 5, 5];
        let ids = ["x1", "x2", "x3"];
        let modules = ids
            .iter()
            .zip(sizes)
            .enumerate()
            .map(|(i, (id, size))| Module {
                id: id.to_string(),
                number: i as u32 + 1,
                title: id.to_string(),
                path: "p".into(),
                quiz_size: size,
                topics: vec![],
                objectives: vec![],
                activities: vec![],
                assessment: vec![],
                glossary: vec![],
                sections: vec![],
            })
            .collect();
        let questions = ids
            .iter()
            .zip(per_module)
            .flat_map(|(id, n)| {
                (0..*n).map(move |k| Question {
                    id: format!("{id}-{k:03}"),
                    module: id.to_string(),
                    topic: "t".into(),
                    prompt: "p".into(),
                    key: AnswerKey::TrueFalse(true),
                    explanation: "e".into(),
                })
            })
            .collect();
        Course {
            title: "t".into(),
            paths: vec![LearningPath {
                id: "p".into(),
                title: "P".into(),
                level: "l".into(),
                specialist: false,
                pass_mark: 70,
                capstone: "c".into(),
                module_ids: ids.iter().map(|s| s.to_string()).collect(),
            }],
            modules,
            questions,
            certifications: vec![Certification {
                id: "p".into(),
                title: "P cert".into(),
                prerequisite: None,
                paths: vec!["p".into()],
                any_path: false,
                exam: Some(Exam {
                    questions: 8,
                    minutes: 60,
                    pass_percent: 70,
                }),
                capstone: true,
                project_based: false,
                portfolio: false,
                requirements: vec![],
            }],
            grades: vec![GradeBand {
                min: 0,
                grade: "F".into(),
                label: "x".into(),
            }],
            synonyms: Default::default(),
            drafts: vec![],
        }
    }

    fn per_module(draw: &[String]) -> [usize; 3] {
        let mut n = [0; 3];
        for q in draw {
            n[q.as_bytes()[1] as usize - b'1' as usize] += 1;
        }
        n
    }

    #[test]
    fn exam_draw_is_proportional_and_without_repeats() {
        let c = course(&[20, 20, 20]);
        let cert = &c.certifications[0];
        for seed in 0..20 {
            let d = draw_exam(&c, cert, 8, seed);
            assert_eq!(d.len(), 8);
            let mut uniq = d.clone();
            uniq.sort();
            uniq.dedup();
            assert_eq!(uniq.len(), 8, "no repeats");
            assert_eq!(per_module(&d), [4, 2, 2], "10:5:5 of 8");
        }
        // Different seeds give different exams.
        assert_ne!(draw_exam(&c, cert, 8, 1), draw_exam(&c, cert, 8, 2));
    }

    #[test]
    fn a_short_module_is_made_up_by_the_others() {
        let c = course(&[2, 20, 20]);
        let d = draw_exam(&c, &c.certifications[0], 8, 7);
        assert_eq!(d.len(), 8);
        assert_eq!(per_module(&d)[0], 2);
        // Never more than there are questions.
        assert_eq!(draw_exam(&c, &c.certifications[0], 100, 7).len(), 42);
    }

    #[test]
    fn requirements_and_missing() {
        let c = course(&[3, 3, 3]);
        let mut s = MemberState::default();
        s.completed_modules.insert("x1".into());
        let st = &evaluate(&c, &s)[0];
        assert!(!st.modules_met);
        assert!(
            st.missing.iter().any(|m| m.contains("1/3")),
            "{:?}",
            st.missing
        );
        for m in ["x2", "x3"] {
            s.completed_modules.insert(m.into());
        }
        s.best_exam.insert("p".into(), (75.0, true));
        s.capstone.insert("p".into(), "approved".into());
        assert!(evaluate(&c, &s)[0].requirements_met());
        assert_eq!(bar(2, 4), "▰▰▱▱");
    }
}
