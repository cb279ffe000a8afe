//! Leaderboards, member scores and per-question statistics, from the stored answers.

use super::scoring::{self, Period};
use crate::app::App;
use crate::ids::{GuildId, UserId};
use crate::store::quiz::{self as db, Standing};
use anyhow::Result;

/// How many members a leaderboard shows.
pub const TOP: usize = 10;

pub struct Board {
    pub top: Vec<Standing>,
    /// The caller's rank (1-based) and standing, when they have answered in the period.
    pub me: Option<(usize, Standing)>,
}

pub async fn leaderboard(
    app: &App,
    guild: GuildId,
    period: Period,
    path: Option<&str>,
    me: UserId,
) -> Result<Board> {
    // A member with no points is not ranked (nor listed): a rank must be earned.
    let all: Vec<Standing> = db::standings(&app.db, guild, period.start(app.clock.now()), path)
        .await?
        .into_iter()
        .filter(|s| s.points > 0)
        .collect();
    let mine = all
        .iter()
        .position(|s| s.user == me)
        .map(|i| (i + 1, all[i].clone()));
    Ok(Board {
        top: all.into_iter().take(TOP).collect(),
        me: mine,
    })
}

pub struct MemberScore {
    pub points: i64,
    pub rank: Option<usize>,
    pub answered: i64,
    pub correct: i64,
    pub accuracy_percent: i64,
    pub current_streak: i64,
    pub best_streak: i64,
    /// (path, points, answered, correct)
    pub paths: Vec<(String, i64, i64, i64)>,
}

pub async fn member_score(app: &App, guild: GuildId, user: UserId) -> Result<MemberScore> {
    let all = db::standings(&app.db, guild, Period::All.start(app.clock.now()), None).await?;
    let me = all.iter().find(|s| s.user == user).cloned();
    // Ranked among the members with points (standings are sorted by points, best first).
    let rank = all
        .iter()
        .filter(|s| s.points > 0)
        .position(|s| s.user == user)
        .map(|i| i + 1);
    let streak = db::get_streak(&app.db, guild, user).await?;
    let (points, answered, correct) = me
        .map(|s| (s.points, s.answered, s.correct))
        .unwrap_or((0, 0, 0));
    Ok(MemberScore {
        points,
        rank,
        answered,
        correct,
        accuracy_percent: if answered > 0 {
            (correct * 100 + answered / 2) / answered
        } else {
            0
        },
        current_streak: scoring::current_on(&streak, app.clock.now().date_naive()),
        best_streak: streak.best,
        paths: db::member_paths(&app.db, guild, user).await?,
    })
}

pub struct QuestionStat {
    pub question_id: String,
    pub module_id: String,
    pub topic: String,
    pub answered: i64,
    pub correct: i64,
    pub percent_right: i64,
    /// The wrong answer picked most often, as text (the choice's text, never a letter), and how
    /// many picked it; `None` when nobody answered wrongly.
    pub common_wrong: Option<(String, i64)>,
}

pub struct ModuleStat {
    pub module_id: String,
    pub answered: i64,
    pub correct: i64,
    pub percent_right: i64,
}

pub struct Report {
    /// Hardest (lowest share right) first.
    pub questions: Vec<QuestionStat>,
    pub modules: Vec<ModuleStat>,
}

fn pct(c: i64, n: i64) -> i64 {
    if n > 0 {
        (c * 100 + n / 2) / n
    } else {
        0
    }
}

/// The most picked wrong answer per question, as text. Typed answers are grouped after the
/// fill-in normalization; ties go to the text that sorts first.
async fn common_wrong_answers(
    app: &App,
    guild: GuildId,
) -> Result<std::collections::HashMap<String, (String, i64)>> {
    use super::answer::{normalize_fill_in, Answer};
    let mut counts: std::collections::BTreeMap<(String, String), (String, i64)> =
        Default::default();
    for (qid, stored, n) in db::wrong_answers(&app.db, guild).await? {
        let (Some(q), Some(a)) = (app.course.question(&qid), Answer::decode(&stored)) else {
            continue;
        };
        let text = a.describe(q);
        let key = match &a {
            Answer::Text(t) => normalize_fill_in(t),
            _ => text.clone(),
        };
        counts.entry((qid, key)).or_insert((text, 0)).1 += n;
    }
    let mut best: std::collections::HashMap<String, (String, i64)> = Default::default();
    for ((qid, _), (text, n)) in counts {
        let e = best.entry(qid).or_insert((text.clone(), 0));
        if n > e.1 {
            *e = (text, n);
        }
    }
    Ok(best)
}

pub async fn question_report(app: &App, guild: GuildId, module: Option<&str>) -> Result<Report> {
    let rows = db::question_stats(&app.db, guild).await?;
    let mut wrong = common_wrong_answers(app, guild).await?;
    let mut questions: Vec<QuestionStat> = rows
        .into_iter()
        .filter(|r| module.map(|m| r.1 == m).unwrap_or(true))
        .map(|(qid, mid, n, c)| QuestionStat {
            topic: app
                .course
                .question(&qid)
                .map(|q| q.topic.clone())
                .unwrap_or_default(),
            common_wrong: wrong.remove(&qid),
            question_id: qid,
            module_id: mid,
            answered: n,
            correct: c,
            percent_right: pct(c, n),
        })
        .collect();
    questions.sort_by(|a, b| {
        a.percent_right
            .cmp(&b.percent_right)
            .then(b.answered.cmp(&a.answered))
            .then(a.question_id.cmp(&b.question_id))
    });
    let mut modules: Vec<ModuleStat> = Vec::new();
    for q in &questions {
        match modules.iter_mut().find(|m| m.module_id == q.module_id) {
            Some(m) => {
                m.answered += q.answered;
                m.correct += q.correct;
            }
            None => modules.push(ModuleStat {
                module_id: q.module_id.clone(),
                answered: q.answered,
                correct: q.correct,
                percent_right: 0,
            }),
        }
    }
    for m in &mut modules {
        m.percent_right = pct(m.correct, m.answered);
    }
    modules.sort_by(|a, b| {
        a.percent_right
            .cmp(&b.percent_right)
            .then(a.module_id.cmp(&b.module_id))
    });
    Ok(Report { questions, modules })
}
