//! Numbers about the content, for authors (`coursebot stats`).

use super::{Course, QuestionType};
use serde::Serialize;

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct TypeCounts {
    pub multiple_choice: usize,
    pub true_false: usize,
    pub fill_in: usize,
    pub matching: usize,
    pub total: usize,
}

impl TypeCounts {
    fn add(&mut self, t: QuestionType) {
        match t {
            QuestionType::MultipleChoice => self.multiple_choice += 1,
            QuestionType::TrueFalse => self.true_false += 1,
            QuestionType::FillIn => self.fill_in += 1,
            QuestionType::Matching => self.matching += 1,
        }
        self.total += 1;
    }
    fn absorb(&mut self, o: &TypeCounts) {
        self.multiple_choice += o.multiple_choice;
        self.true_false += o.true_false;
        self.fill_in += o.fill_in;
        self.matching += o.matching;
        self.total += o.total;
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ModuleStats {
    pub id: String,
    pub path: String,
    pub title: String,
    /// `## ` sections (the overview before the first heading is not counted).
    pub sections: usize,
    pub words: usize,
    pub questions: TypeCounts,
}

#[derive(Debug, Clone, Serialize)]
pub struct PathStats {
    pub id: String,
    pub title: String,
    pub modules: usize,
    pub sections: usize,
    pub words: usize,
    pub questions: TypeCounts,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub modules: Vec<ModuleStats>,
    pub paths: Vec<PathStats>,
}

pub fn stats(course: &Course) -> Stats {
    let modules: Vec<ModuleStats> = course
        .modules
        .iter()
        .map(|m| {
            let mut q = TypeCounts::default();
            for question in course.questions_of(&m.id) {
                q.add(question.kind());
            }
            ModuleStats {
                id: m.id.clone(),
                path: m.path.clone(),
                title: m.title.clone(),
                sections: m.topic_sections().count(),
                words: m.words(),
                questions: q,
            }
        })
        .collect();
    let paths = course
        .paths
        .iter()
        .map(|p| {
            let mut ps = PathStats {
                id: p.id.clone(),
                title: p.title.clone(),
                modules: 0,
                sections: 0,
                words: 0,
                questions: TypeCounts::default(),
            };
            for m in modules.iter().filter(|m| m.path == p.id) {
                ps.modules += 1;
                ps.sections += m.sections;
                ps.words += m.words;
                ps.questions.absorb(&m.questions);
            }
            ps
        })
        .collect();
    Stats { modules, paths }
}

/// A plain-text table of [`Stats`].
pub fn render_table(s: &Stats) -> String {
    let mut out = format!(
        "{:<6} {:<13} {:<45} {:>5} {:>6} {:>4} {:>4} {:>4} {:>4} {:>5}\n",
        "module", "path", "title", "sect", "words", "mc", "tf", "fill", "match", "total"
    );
    for m in &s.modules {
        let title: String = m.title.chars().take(45).collect();
        out.push_str(&format!(
            "{:<6} {:<13} {:<45} {:>5} {:>6} {:>4} {:>4} {:>4} {:>4} {:>5}\n",
            m.id,
            m.path,
            title,
            m.sections,
            m.words,
            m.questions.multiple_choice,
            m.questions.true_false,
            m.questions.fill_in,
            m.questions.matching,
            m.questions.total
        ));
    }
    out.push('\n');
    for p in &s.paths {
        out.push_str(&format!(
            "path {:<13} {:>2} modules {:>4} sections {:>7} words {:>5} questions\n",
            p.id, p.modules, p.sections, p.words, p.questions.total
        ));
    }
    out
}
