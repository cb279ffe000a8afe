//! Progress, exams and certificates as Discord messages.

use super::quiz::{deadline, question_text};
use super::{truncate, COLOR};
use crate::certification::service::ExamResult;
use crate::certification::{bar, CertStatus, ModuleCompletion};
use crate::content::{Course, Question};
use crate::quiz::present::Presentation;
use crate::store::certification::Exam;
use poise::serenity_prelude as serenity;
use serenity::{CreateActionRow, CreateEmbed, CreateEmbedFooter};

/// One line per module with a completion: how it was completed, and whether it counts.
pub fn completion_lines(completions: &[ModuleCompletion]) -> String {
    let mut s = String::new();
    for c in completions {
        let how = match (c.basis.as_str(), c.counts) {
            ("module", _) => format!("module quiz of {} · {}%", c.questions, c.score),
            ("practice", _) => format!("practice of {} · {}%", c.questions, c.score),
            (_, true) => format!(
                "passed practice of at least {} before completions recorded their basis · {}%",
                c.required, c.score
            ),
            (_, false) => format!(
                "completed before the quiz-size rule by a practice shorter than {}: does not count; run `/quiz module {}`",
                c.required, c.module
            ),
        };
        let how = if c.counts || c.basis == "legacy" {
            how
        } else {
            format!(
                "{how}: shorter than the module's {} questions now; run `/quiz module {}`",
                c.required, c.module
            )
        };
        s.push_str(&format!(
            "{} `{}` {}\n",
            if c.counts { "✅" } else { "⚠️" },
            c.module,
            how
        ));
    }
    s
}

pub fn progress(
    course: &Course,
    user: u64,
    statuses: &[CertStatus],
    completions: &[ModuleCompletion],
) -> CreateEmbed {
    let mut desc = format!("<@{user}>\n");
    for st in statuses {
        desc.push_str(&format!(
            "\n**{}**{}\n",
            st.title,
            if st.held { " ✅ held" } else { "" }
        ));
        for (p, done, total) in &st.paths {
            let title = course.path(p).map(|x| x.title.as_str()).unwrap_or(p);
            desc.push_str(&format!(
                "{} {done}/{total} · {}\n",
                bar(*done, *total),
                truncate(title, 60)
            ));
        }
        if let Some((p, passed)) = st.exam_best {
            let g = course.grade_for(p);
            desc.push_str(&format!(
                "Exam best: {p:.0}% · {} {}{}\n",
                g.grade,
                g.label,
                if passed { " · passed" } else { "" }
            ));
        }
        if let Some(c) = &st.capstone {
            desc.push_str(&format!("Capstone: {c}\n"));
        }
    }
    if !completions.is_empty() {
        desc.push_str("\n**Modules completed**\n");
        desc.push_str(&completion_lines(completions));
    }
    if let Some(next) = statuses.iter().find(|s| !s.held) {
        desc.push_str(&format!(
            "\n**Next: {}** — still to do: {}",
            next.title,
            next.missing.join("; ")
        ));
    } else {
        desc.push_str("\nEvery certificate earned. 🎓");
    }
    CreateEmbed::new()
        .title("Progress")
        .description(truncate(&desc, 4000))
        .color(COLOR)
}

pub fn exam_question(
    course: &Course,
    exam: &Exam,
    q: &Question,
    position: usize,
) -> (CreateEmbed, Vec<CreateActionRow>) {
    let title = course
        .certification(&exam.cert_id)
        .map(|c| c.title.clone())
        .unwrap_or_default();
    let order = Presentation::of_exam(exam).order(q);
    let embed = CreateEmbed::new()
        .title(truncate(
            &format!(
                "{title} exam · question {} of {}",
                position + 1,
                exam.questions.len()
            ),
            256,
        ))
        .description(truncate(
            &format!(
                "{}\n\nThe exam ends {}.",
                question_text(q, &order, true),
                deadline(exam.deadline)
            ),
            4000,
        ))
        .color(COLOR)
        .footer(CreateEmbedFooter::new(
            "Answers are saved as you give them · /exam resume to come back",
        ));
    (
        embed,
        super::quiz::answer_components(
            crate::discord::custom_id::AnswerTarget::Exam {
                exam: exam.id,
                position,
            },
            q,
            &order,
        ),
    )
}

pub fn exam_result(course: &Course, r: &ExamResult) -> CreateEmbed {
    let title = course
        .certification(&r.exam.cert_id)
        .map(|c| c.title.clone())
        .unwrap_or_default();
    let mut desc = String::new();
    if r.timed_out {
        desc.push_str(&format!(
            "⏰ Time is up: the exam was graded with the answers given before its deadline, {}.\n",
            deadline(r.exam.deadline)
        ));
    }
    desc.push_str(&format!(
        "Score: **{}/{}** ({:.0}%) · grade **{} {}**\n{} (pass mark {}%)\n",
        r.correct,
        r.total,
        r.percent,
        r.grade.grade,
        r.grade.label,
        if r.passed {
            "✅ **Passed**"
        } else {
            "❌ **Not passed** — retakes are unlimited"
        },
        r.pass_percent
    ));
    if !r.missed_topics.is_empty() {
        desc.push_str("\nTopics to review:\n");
        for t in r.missed_topics.iter().take(15) {
            desc.push_str(&format!("• {t} — `/explain topic:{t}`\n"));
        }
    }
    for a in &r.awarded {
        let t = course
            .certification(a)
            .map(|c| c.title.clone())
            .unwrap_or_else(|| a.clone());
        desc.push_str(&format!("\n🎓 You earned the **{t}**!"));
    }
    CreateEmbed::new()
        .title(truncate(&format!("{title} exam · result"), 256))
        .description(truncate(&desc, 4000))
        .color(COLOR)
}
