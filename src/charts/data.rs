//! Gathering what an image shows from the database, for the Discord commands and the CLI
//! alike (the commands build their embeds from the same values).

use super::{DayActivity, LeaderboardChart, ProgressCard, StatsChart};
use crate::app::App;
use crate::certification::{service, CertStatus, ModuleCompletion};
use crate::ids::{GuildId, UserId};
use crate::quiz::scoring::Period;
use crate::quiz::stats::{self, Board, Report};
use anyhow::Result;
use std::collections::{HashMap, HashSet};

/// What `/progress` shows, as text and as a card.
pub struct Progress {
    pub statuses: Vec<CertStatus>,
    pub completions: Vec<ModuleCompletion>,
    pub card: ProgressCard,
}

/// A member's progress; `name` is what the card is titled with.
pub async fn progress(app: &App, g: GuildId, u: UserId, name: &str) -> Result<Progress> {
    let statuses = service::progress(app, g, u).await?;
    let completions = service::module_completions(app, g, u).await?;
    let practised: HashSet<String> = crate::store::activity::practised_modules(&app.db, g, u)
        .await?
        .into_iter()
        .collect();
    let card = ProgressCard::build(&app.course, name, &statuses, &completions, &practised);
    Ok(Progress {
        statuses,
        completions,
        card,
    })
}

/// Every day of `period` up to today (the injected clock) with its answers; `None` for
/// all-time boards, which have no daily chart.
pub async fn daily(
    app: &App,
    guild: GuildId,
    period: Period,
    path: Option<&str>,
) -> Result<Option<Vec<DayActivity>>> {
    if period == Period::All {
        return Ok(None);
    }
    let now = app.clock.now();
    let since = period.start(now);
    let rows = crate::store::activity::daily_answers(&app.db, guild, since, path).await?;
    let by_day: HashMap<_, _> = rows.iter().map(|(d, n, c)| (*d, (*n, *c))).collect();
    // A quiz date is the schedule's local date, which may sit a day either side of UTC.
    let first = rows
        .first()
        .map(|r| r.0)
        .unwrap_or(since.date_naive())
        .min(since.date_naive());
    let last = rows
        .last()
        .map(|r| r.0)
        .unwrap_or(now.date_naive())
        .max(now.date_naive());
    Ok(Some(
        first
            .iter_days()
            .take_while(|d| *d <= last)
            .map(|date| {
                let (answered, correct) = by_day.get(&date).copied().unwrap_or((0, 0));
                DayActivity {
                    date,
                    answered,
                    correct,
                }
            })
            .collect(),
    ))
}

/// The leaderboard's title, for its embed and its image.
pub fn leaderboard_title(period: Period, path: Option<&str>) -> String {
    format!(
        "Leaderboard · {}{}",
        period.label(),
        path.map(|p| format!(" · {p}")).unwrap_or_default()
    )
}

/// The leaderboard image, from the same board as the embed; `names` are the display names
/// known (others are shown by the end of their id).
pub async fn leaderboard_chart(
    app: &App,
    guild: GuildId,
    period: Period,
    path: Option<&str>,
    board: &Board,
    names: &HashMap<u64, String>,
) -> Result<LeaderboardChart> {
    let daily = daily(app, guild, period, path).await?;
    Ok(LeaderboardChart::build(
        &leaderboard_title(period, path),
        board,
        |u| {
            names
                .get(&u)
                .cloned()
                .unwrap_or_else(|| super::anonymous(u))
        },
        daily,
    ))
}

/// The statistics image of `report` (of `module`, when only one).
pub fn stats_chart(app: &App, report: &Report, module: Option<&str>) -> StatsChart {
    StatsChart::build(&app.course, report, module)
}

/// Which image `coursebot chart` draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Progress,
    Stats,
    Leaderboard,
}

/// An image as the bot would attach it, for the command line: `member` is required for the
/// progress card (and names the caller of a leaderboard), `module` filters statistics,
/// `period` and `path` choose the leaderboard. Names are not known offline: members are shown
/// by the end of their id.
pub async fn render(
    app: &App,
    kind: Kind,
    guild: GuildId,
    member: Option<UserId>,
    module: Option<&str>,
    period: Period,
    path: Option<&str>,
) -> Result<Vec<u8>> {
    Ok(match kind {
        Kind::Progress => {
            let user = member.ok_or_else(|| {
                crate::error::UserError::Invalid(
                    "chart progress needs --member ID (whose progress to draw)".into(),
                )
            })?;
            let p = progress(app, guild, user, &super::anonymous(user.get())).await?;
            render_blocking(move || super::progress_png(&p.card)).await?
        }
        Kind::Stats => {
            let report = stats::question_report(app, guild, module).await?;
            let chart = stats_chart(app, &report, module);
            render_blocking(move || super::stats_png(&chart)).await?
        }
        Kind::Leaderboard => {
            let board =
                stats::leaderboard(app, guild, period, path, member.unwrap_or(UserId(0))).await?;
            let chart =
                leaderboard_chart(app, guild, period, path, &board, &HashMap::new()).await?;
            render_blocking(move || super::leaderboard_png(&chart)).await?
        }
    })
}

/// Run a rendering off the async runtime (it is CPU work of a few milliseconds).
pub async fn render_blocking(f: impl FnOnce() -> Vec<u8> + Send + 'static) -> Result<Vec<u8>> {
    Ok(tokio::task::spawn_blocking(f).await?)
}
