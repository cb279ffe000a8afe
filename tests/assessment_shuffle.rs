//! A learner who always presses the same button fails every certification exam of the shipped
//! course: choices are shuffled per presentation, so a fixed position is right about 1/n of the
//! time (before the shuffle, always pressing **B** answered 86 % of the multiple-choice
//! questions right).

use coursebot::certification::draw_exam;
use coursebot::content::{load_course, AnswerKey, Course, Question};
use coursebot::quiz::answer::{grade, Answer};
use coursebot::quiz::present::Presentation;
use std::path::PathBuf;

fn course() -> Course {
    load_course(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("content"))
        .expect("the shipped course loads")
}

/// The answer of a learner who presses button `button` (or True, or the matching "1-A, 2-B…")
/// on every question, read the way the bot reads a click.
fn press(q: &Question, exam: i64, button: usize) -> Answer {
    let order = Presentation::exam(exam).order(q);
    let (code, values): (String, Vec<String>) = match &q.key {
        AnswerKey::MultipleChoice { choices, .. } => {
            (format!("c{}", button.min(choices.len() - 1)), vec![])
        }
        AnswerKey::TrueFalse(_) => ("b1".into(), vec![]),
        AnswerKey::FillIn(_) => return Answer::Text("no idea".into()),
        AnswerKey::Matching(p) => (
            "m".into(),
            (0..p.len()).map(|l| format!("{l}-{l}")).collect(),
        ),
    };
    Answer::from_code(&code, &values, q, &order).expect("a button the message shows")
}

#[test]
fn always_the_same_button_fails_every_exam() {
    let c = course();
    const EXAM_ID: i64 = 42; // fixed seed: the exam's id, as the bot uses it
    for cert in c.certifications.iter().filter(|c| c.exam.is_some()) {
        let e = cert.exam.as_ref().unwrap();
        let questions = draw_exam(&c, cert, e.questions as usize, 42);
        for button in 0..4 {
            let right = questions
                .iter()
                .map(|id| c.question(id).unwrap())
                .filter(|q| grade(q, &press(q, EXAM_ID, button)))
                .count();
            let percent = right as f64 * 100.0 / questions.len() as f64;
            eprintln!("{}: always button {button}: {percent:.0}%", cert.id);
            assert!(
                percent < e.pass_percent as f64 - 20.0,
                "{}: always button {button} scores {percent:.0}%",
                cert.id
            );
        }
    }
}

#[test]
fn a_fixed_button_is_right_about_one_time_in_n() {
    let c = course();
    let mc: Vec<&Question> = c
        .questions
        .iter()
        .filter(|q| matches!(q.key, AnswerKey::MultipleChoice { .. }))
        .collect();
    assert!(mc.len() > 100);
    // Expected share for a blind guess: the mean of 1/n over the questions.
    let expected: f64 = mc
        .iter()
        .map(|q| match &q.key {
            AnswerKey::MultipleChoice { choices, .. } => 1.0 / choices.len() as f64,
            _ => unreachable!(),
        })
        .sum::<f64>()
        / mc.len() as f64;
    for button in 0..4 {
        let mut right = 0usize;
        let mut total = 0usize;
        for exam in 0..100 {
            for q in &mc {
                total += 1;
                right += grade(q, &press(q, exam, button)) as usize;
            }
        }
        let share = right as f64 / total as f64;
        eprintln!("button {button}: right {share:.3} of the time (expected {expected:.3})");
        assert!(
            (share - expected).abs() < 0.03,
            "button {button}: right {share:.3} of the time, expected {expected:.3}"
        );
    }
}
