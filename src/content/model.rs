//! The course as validated data: paths, modules with their lessons, questions, certifications.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Everything in `content/`, validated.
#[derive(Debug, Clone)]
pub struct Course {
    pub title: String,
    pub paths: Vec<LearningPath>,
    pub modules: Vec<Module>,
    pub questions: Vec<Question>,
    pub certifications: Vec<Certification>,
    pub grades: Vec<GradeBand>,
    /// Lowercase phrase → course terms it means.
    pub synonyms: BTreeMap<String, Vec<String>>,
    /// Modules of course.toml marked `draft` whose lesson is not written yet.
    pub drafts: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LearningPath {
    pub id: String,
    pub title: String,
    pub level: String,
    pub specialist: bool,
    /// Percent a member needs on a module practice quiz of this path to complete the module.
    pub pass_mark: u32,
    pub capstone: String,
    pub module_ids: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Module {
    pub id: String,
    pub number: u32,
    pub title: String,
    pub path: String,
    /// Number of questions of the module quiz in the outline.
    pub quiz_size: u32,
    /// The outline's "Topics Covered" (each is a `## ` heading of the lesson).
    pub topics: Vec<String>,
    pub objectives: Vec<String>,
    pub activities: Vec<String>,
    pub assessment: Vec<String>,
    pub glossary: Vec<GlossaryEntry>,
    /// The lesson split at `## ` headings; the first is the overview (heading = module title).
    pub sections: Vec<Section>,
}

impl Module {
    pub fn words(&self) -> usize {
        self.sections.iter().map(|s| s.words()).sum()
    }
    /// `## ` sections only (the overview excluded).
    pub fn topic_sections(&self) -> impl Iterator<Item = &Section> {
        self.sections.iter().filter(|s| !s.overview)
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GlossaryEntry {
    pub term: String,
    pub definition: String,
}

#[derive(Debug, Clone)]
pub struct Section {
    pub heading: String,
    pub body: String,
    /// 1-based line of the heading in the lesson file.
    pub line: usize,
    /// The text before the first `## ` heading.
    pub overview: bool,
}

impl Section {
    pub fn words(&self) -> usize {
        self.body.split_whitespace().count()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum QuestionType {
    MultipleChoice,
    TrueFalse,
    FillIn,
    Matching,
}

impl QuestionType {
    pub const ALL: [QuestionType; 4] = [
        QuestionType::MultipleChoice,
        QuestionType::TrueFalse,
        QuestionType::FillIn,
        QuestionType::Matching,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionType::MultipleChoice => "multiple_choice",
            QuestionType::TrueFalse => "true_false",
            QuestionType::FillIn => "fill_in",
            QuestionType::Matching => "matching",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// The answer key of a question.
#[derive(Debug, Clone, PartialEq)]
pub enum AnswerKey {
    /// Index into `choices`.
    MultipleChoice {
        choices: Vec<String>,
        answer: usize,
    },
    TrueFalse(bool),
    /// Accepted answers, compared after `quiz::answer::normalize_fill_in`.
    FillIn(Vec<String>),
    /// `(left, right)` pairs; the correct right for each left.
    Matching(Vec<(String, String)>),
}

#[derive(Debug, Clone)]
pub struct Question {
    pub id: String,
    pub module: String,
    pub topic: String,
    pub prompt: String,
    pub key: AnswerKey,
    pub explanation: String,
}

impl Question {
    pub fn kind(&self) -> QuestionType {
        match self.key {
            AnswerKey::MultipleChoice { .. } => QuestionType::MultipleChoice,
            AnswerKey::TrueFalse(_) => QuestionType::TrueFalse,
            AnswerKey::FillIn(_) => QuestionType::FillIn,
            AnswerKey::Matching(_) => QuestionType::Matching,
        }
    }
}

/// Lowercase, trim, and collapse runs of whitespace: how the loader finds duplicate choices and
/// matching sides (fill-in answers are compared with `quiz::answer::normalize_fill_in`).
pub fn normalize_answer(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Exam {
    pub questions: u32,
    pub minutes: u32,
    pub pass_percent: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Certification {
    pub id: String,
    pub title: String,
    pub prerequisite: Option<String>,
    pub paths: Vec<String>,
    /// Any one of `paths` suffices (the specialist tracks).
    pub any_path: bool,
    pub exam: Option<Exam>,
    pub capstone: bool,
    pub project_based: bool,
    pub portfolio: bool,
    pub requirements: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GradeBand {
    /// Lowest percent (inclusive) that earns this grade.
    pub min: u32,
    pub grade: String,
    pub label: String,
}

impl Course {
    pub fn module(&self, id: &str) -> Option<&Module> {
        self.modules.iter().find(|m| m.id.eq_ignore_ascii_case(id))
    }
    pub fn path(&self, id: &str) -> Option<&LearningPath> {
        self.paths.iter().find(|p| p.id.eq_ignore_ascii_case(id))
    }
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }
    pub fn questions_of<'a>(&'a self, module: &'a str) -> impl Iterator<Item = &'a Question> + 'a {
        self.questions.iter().filter(move |q| q.module == module)
    }
    pub fn certification(&self, id: &str) -> Option<&Certification> {
        self.certifications.iter().find(|c| c.id == id)
    }
    /// The grade band for a percentage (0–100); the scale always ends with a `min = 0` row.
    pub fn grade_for(&self, percent: f64) -> &GradeBand {
        self.grades
            .iter()
            .find(|g| percent + 1e-9 >= g.min as f64)
            .unwrap_or_else(|| {
                self.grades
                    .last()
                    .expect("validated: grading scale not empty")
            })
    }
    /// Resolve what a member typed for a module: an id (`m07`, `M7`) or a title (case-insensitive,
    /// prefix allowed). `None` when nothing matches.
    pub fn find_module(&self, input: &str) -> Option<&Module> {
        let t = input.trim();
        if let Some(m) = self.module(t) {
            return Some(m);
        }
        let lower = t.to_lowercase();
        if let Some(rest) = lower.strip_prefix('m') {
            if let Ok(n) = rest.parse::<u32>() {
                let id = format!("m{n:02}");
                if let Some(m) = self.module(&id) {
                    return Some(m);
                }
            }
        }
        self.modules
            .iter()
            .find(|m| m.title.to_lowercase() == lower)
            .or_else(|| {
                self.modules
                    .iter()
                    .find(|m| m.title.to_lowercase().starts_with(&lower) && !lower.is_empty())
            })
    }
}
