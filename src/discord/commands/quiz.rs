//! `/quiz schedules|practice|module`, `/leaderboard`, `/score`; the staff subcommands `schedule|unschedule|stats` are registered under `/quiz-admin` (see `staff.rs`).

use crate::charts;
use crate::discord::checks::Actor;
use crate::discord::ephemeral;
use crate::discord::render::{self, quiz as view, truncate};
use crate::discord::{Context, Error};
use crate::error::UserError;
use crate::ids;
use crate::quiz::present::Presentation;
use crate::quiz::{daily, practice, schedule as sched, scoring};
use crate::store::quiz as db;
use poise::serenity_prelude as serenity;
use serenity::{CreateEmbedFooter, Permissions};

const MOD_PERM: Permissions = Permissions::MANAGE_GUILD;
const MOD_PERM_NAME: &str = "Manage Server";

pub async fn autocomplete_timezone(
    _ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let choices = sched::tz_suggestions(partial, 25)
        .into_iter()
        .map(|z| serenity::AutocompleteChoice::new(z, z))
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

pub async fn autocomplete_module(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let p = partial.trim().to_lowercase();
    let choices = ctx
        .data()
        .app()
        .course
        .modules
        .iter()
        .filter(|m| p.is_empty() || m.id.starts_with(&p) || m.title.to_lowercase().contains(&p))
        .take(25)
        .map(|m| {
            serenity::AutocompleteChoice::new(
                truncate(&format!("{} · {}", m.id, m.title), 100),
                m.id.clone(),
            )
        })
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

pub async fn autocomplete_path(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let p = partial.trim().to_lowercase();
    let choices = ctx
        .data()
        .app()
        .course
        .paths
        .iter()
        .filter(|x| x.id.contains(&p) || x.title.to_lowercase().contains(&p))
        .map(|x| serenity::AutocompleteChoice::new(truncate(&x.title, 100), x.id.clone()))
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// Daily quizzes and practice.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("schedules", "practice", "module_quiz"),
    subcommand_required
)]
pub async fn quiz(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Post a daily question in a channel (moderators).
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn schedule(
    ctx: Context<'_>,
    #[description = "Channel for the daily question"]
    #[channel_types("Text", "News")]
    channel: serenity::ChannelId,
    #[description = "Local time, 24-hour HH:MM (e.g. 18:00)"] time: String,
    #[description = "IANA timezone, e.g. Europe/Berlin"]
    #[autocomplete = "autocomplete_timezone"]
    timezone: String,
    #[description = "Draw questions from this learning path"]
    #[autocomplete = "autocomplete_path"]
    path: Option<String>,
    #[description = "...or from these modules (e.g. m07, m09)"] modules: Option<String>,
    #[description = "Minutes the question stays open (default: until the next one)"]
    #[min = 1]
    #[max = 1440]
    window: Option<i64>,
) -> Result<(), Error> {
    let app = &ctx.data().app();
    let g = Actor::from_ctx(&ctx)
        .require_moderator(app, MOD_PERM, MOD_PERM_NAME)
        .await?;
    let s = daily::schedule(
        app,
        daily::ScheduleRequest {
            guild: g,
            channel: channel.into(),
            time: &time,
            timezone: &timezone,
            path: path.as_deref(),
            modules: modules.as_deref(),
            window_minutes: window,
            by: ids::UserId::from(ctx.author().id),
        },
    )
    .await?;
    ephemeral(
        ctx,
        format!(
            "Daily quiz scheduled in <#{}> at {} {} from {}. First question {} ({}).",
            s.channel,
            s.local_time,
            s.timezone,
            s.pool_label,
            view::full(s.next_run_at),
            view::relative(s.next_run_at)
        ),
    )
    .await
}

/// Stop the daily question of a channel (moderators).
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn unschedule(
    ctx: Context<'_>,
    #[description = "Channel"]
    #[channel_types("Text", "News")]
    channel: serenity::ChannelId,
) -> Result<(), Error> {
    let app = &ctx.data().app();
    let g = Actor::from_ctx(&ctx)
        .require_moderator(app, MOD_PERM, MOD_PERM_NAME)
        .await?;
    if db::delete_schedule(&app.db, g, channel.into()).await? {
        ephemeral(
            ctx,
            format!("No more daily questions in <#{}>.", channel.get()),
        )
        .await
    } else {
        Err(UserError::Invalid(format!("<#{}> has no daily quiz.", channel.get())).into())
    }
}

/// List this server's daily quizzes.
#[poise::command(slash_command, guild_only)]
pub async fn schedules(ctx: Context<'_>) -> Result<(), Error> {
    let app = &ctx.data().app();
    let g = Actor::from_ctx(&ctx).guild()?;
    let list = db::schedules_of(&app.db, g).await?;
    if list.is_empty() {
        return ephemeral(
            ctx,
            "No daily quiz is scheduled. Moderators: `/quiz-admin schedule`.".into(),
        )
        .await;
    }
    let mut text = String::from("**Daily quizzes**");
    for s in list {
        text.push_str(&format!(
            "\n<#{}> · {} {} · {} · next {}",
            s.channel,
            s.local_time,
            s.timezone,
            s.pool_label,
            view::relative(s.next_run_at)
        ));
    }
    ephemeral(ctx, text).await
}

/// Per question: how many answered and the share right, hardest first (moderators).
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn stats(
    ctx: Context<'_>,
    #[description = "Only this module"]
    #[autocomplete = "autocomplete_module"]
    module: Option<String>,
) -> Result<(), Error> {
    let app = &ctx.data().app();
    let g = Actor::from_ctx(&ctx)
        .require_moderator(app, MOD_PERM, MOD_PERM_NAME)
        .await?;
    let filter = match module.as_deref() {
        Some(m) => Some(
            app.course
                .find_module(m)
                .ok_or_else(|| UserError::UnknownModule(m.to_string()))?
                .id
                .clone(),
        ),
        None => None,
    };
    let report = crate::quiz::stats::question_report(app, g, filter.as_deref()).await?;
    if report.questions.is_empty() {
        return ephemeral(ctx, "No closed daily quiz yet.".into()).await;
    }
    let mut desc = String::from("**Hardest questions first**\n");
    for q in report.questions.iter().take(charts::STATS_QUESTIONS) {
        desc.push_str(&format!(
            "`{}` {}% right of {} · {}\n",
            q.question_id,
            q.percent_right,
            q.answered,
            truncate(&q.topic, 60)
        ));
        if let Some((text, n)) = &q.common_wrong {
            desc.push_str(&format!(
                "  most picked wrong answer: {} ({n})\n",
                view::quoted(text, 80)
            ));
        }
    }
    desc.push_str("\n**Modules**\n");
    for m in &report.modules {
        desc.push_str(&format!(
            "{} · {}% right of {}\n",
            m.module_id, m.percent_right, m.answered
        ));
    }
    let chart = charts::data::stats_chart(app, &report, filter.as_deref());
    let png = charts::data::render_blocking(move || charts::stats_png(&chart)).await?;
    ctx.send(
        poise::CreateReply::default()
            .embed(
                render::card("Quiz statistics", &desc)
                    .image(format!("attachment://{}", charts::STATS_FILE)),
            )
            .attachment(serenity::CreateAttachment::bytes(png, charts::STATS_FILE))
            .ephemeral(true)
            .allowed_mentions(render::no_pings()),
    )
    .await?;
    Ok(())
}

/// Practise a module: questions one at a time, only you see them.
#[poise::command(slash_command, guild_only)]
pub async fn practice(
    ctx: Context<'_>,
    #[description = "Module id or title, e.g. m07"]
    #[autocomplete = "autocomplete_module"]
    module: String,
    #[description = "How many questions (default: the module's quiz size)"]
    #[min = 1]
    #[max = 50]
    count: Option<i64>,
) -> Result<(), Error> {
    start_practice(ctx, module, count, practice::Kind::Practice).await
}

/// Take a module's quiz: exactly its quiz size; passing it completes the module.
#[poise::command(slash_command, guild_only, rename = "module")]
pub async fn module_quiz(
    ctx: Context<'_>,
    #[description = "Module id or title, e.g. m07"]
    #[autocomplete = "autocomplete_module"]
    module: String,
) -> Result<(), Error> {
    start_practice(ctx, module, None, practice::Kind::Module).await
}

async fn start_practice(
    ctx: Context<'_>,
    module: String,
    count: Option<i64>,
    kind: practice::Kind,
) -> Result<(), Error> {
    let app = &ctx.data().app();
    let g = Actor::from_ctx(&ctx).guild()?;
    let (s, m) = practice::start(
        app,
        g,
        ids::UserId::from(ctx.author().id),
        &module,
        count,
        kind,
    )
    .await?;
    let q = daily::question(&app.course, &s.questions[0])?;
    let (embed, rows) = view::practice_question(
        &app.course,
        q,
        Presentation::of_session(&s),
        0,
        s.questions.len(),
    );
    let required = practice::required_questions(&app.course, m);
    let what = match kind {
        practice::Kind::Module => format!(
            "Module quiz: **{} {}** · {} questions · pass mark {}%: passing completes the module.",
            m.id,
            m.title,
            s.questions.len(),
            practice::pass_mark(&app.course, &m.id)
        ),
        practice::Kind::Practice if s.questions.len() < required => format!(
            "Practice: **{} {}** · {} questions (training only: a module is complete after a passed practice of {required}, e.g. `/quiz module {}`).",
            m.id,
            m.title,
            s.questions.len(),
            m.id
        ),
        practice::Kind::Practice => format!(
            "Practice: **{} {}** · {} questions",
            m.id,
            m.title,
            s.questions.len()
        ),
    };
    ctx.send(
        poise::CreateReply::default()
            .content(what)
            .embed(embed)
            .components(rows)
            .ephemeral(true)
            .allowed_mentions(render::no_pings()),
    )
    .await?;
    Ok(())
}

/// The top 10 of this server's daily quizzes, and your own rank.
#[poise::command(slash_command, guild_only)]
pub async fn leaderboard(
    ctx: Context<'_>,
    #[description = "week, month or all (default: all)"] period: Option<String>,
    #[description = "Only questions of this learning path"]
    #[autocomplete = "autocomplete_path"]
    path: Option<String>,
) -> Result<(), Error> {
    let app = &ctx.data().app();
    let g = Actor::from_ctx(&ctx).guild()?;
    let period = match period.as_deref() {
        None => scoring::Period::All,
        Some(p) => scoring::Period::parse(p).ok_or_else(|| {
            UserError::Invalid(format!("`{p}` is not a period: use week, month or all."))
        })?,
    };
    let path_id = match path.as_deref() {
        Some(p) => Some(
            app.course
                .path(p)
                .ok_or_else(|| UserError::UnknownPath(p.to_string()))?
                .id
                .clone(),
        ),
        None => None,
    };
    let me = ids::UserId::from(ctx.author().id);
    let board = crate::quiz::stats::leaderboard(app, g, period, path_id.as_deref(), me).await?;
    let mut desc = String::new();
    if board.top.is_empty() {
        desc.push_str("No points yet: answer the daily question!");
    }
    for (i, s) in board.top.iter().enumerate() {
        desc.push_str(&format!(
            "**{}.** <@{}> · {} pts · {}/{} right\n",
            i + 1,
            s.user,
            s.points,
            s.correct,
            s.answered
        ));
    }
    match &board.me {
        Some((rank, s)) => desc.push_str(&format!("\nYou: **#{rank}** with {} pts", s.points)),
        None => desc.push_str("\nYou have no points in this period yet."),
    }
    let title = charts::data::leaderboard_title(period, path_id.as_deref());
    let names = display_names(ctx, g.get(), &board).await;
    let chart =
        charts::data::leaderboard_chart(app, g, period, path_id.as_deref(), &board, &names).await?;
    let png = charts::data::render_blocking(move || charts::leaderboard_png(&chart)).await?;
    ctx.send(
        poise::CreateReply::default()
            .embed(
                render::card(title, &desc)
                    .image(format!("attachment://{}", charts::LEADERBOARD_FILE)),
            )
            .attachment(serenity::CreateAttachment::bytes(
                png,
                charts::LEADERBOARD_FILE,
            ))
            .allowed_mentions(render::no_pings()),
    )
    .await?;
    Ok(())
}

/// How long the leaderboard waits for the members' display names, in milliseconds: the reply
/// must reach Discord within 3 s; names not known by then are shown by the end of their id.
const NAMES_BUDGET_MS: u64 = 1200;

/// Display names of the members on `board` (server nickname, else global name, else user
/// name), fetched concurrently within [`NAMES_BUDGET_MS`]; the caller's own is known already.
async fn display_names(
    ctx: Context<'_>,
    guild: u64,
    board: &crate::quiz::stats::Board,
) -> std::collections::HashMap<u64, String> {
    let mut names = std::collections::HashMap::new();
    let me = ctx.author();
    let mut set = tokio::task::JoinSet::new();
    for s in &board.top {
        if s.user.get() == me.id.get() {
            names.insert(s.user.get(), me.display_name().to_string());
            continue;
        }
        let http = ctx.serenity_context().http.clone();
        let user = s.user.get();
        set.spawn(async move {
            let m = http
                .get_member(serenity::GuildId::new(guild), serenity::UserId::new(user))
                .await
                .ok()?;
            Some((user, m.display_name().to_string()))
        });
    }
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_millis(NAMES_BUDGET_MS);
    while let Ok(Some(r)) = tokio::time::timeout_at(deadline, set.join_next()).await {
        if let Ok(Some((u, n))) = r {
            names.insert(u, n);
        }
    }
    set.abort_all();
    names
}

/// Points, rank, accuracy and streaks (yours, or a member's).
#[poise::command(slash_command, guild_only)]
pub async fn score(
    ctx: Context<'_>,
    #[description = "Member (default: you)"] member: Option<serenity::UserId>,
) -> Result<(), Error> {
    let app = &ctx.data().app();
    let g = Actor::from_ctx(&ctx).guild()?;
    let who = ids::UserId::from(member.unwrap_or(ctx.author().id));
    let c = crate::quiz::stats::member_score(app, g, who).await?;
    let mut desc = format!(
        "<@{who}>\n**{}** points · rank **{}** · accuracy **{}%** ({}/{})\nStreak: **{}** now, best **{}**",
        c.points,
        c.rank.map(|r| format!("#{r}")).unwrap_or_else(|| "—".into()),
        c.accuracy_percent,
        c.correct,
        c.answered,
        c.current_streak,
        c.best_streak
    );
    if !c.paths.is_empty() {
        desc.push_str("\n\n**Per path**");
        for p in &c.paths {
            desc.push_str(&format!("\n{} · {} pts · {}/{} right", p.0, p.1, p.3, p.2));
        }
    }
    crate::discord::reply_embed(
        ctx,
        render::card("Quiz score", &desc)
            .footer(CreateEmbedFooter::new("Daily quizzes in this server")),
        false,
    )
    .await?;
    Ok(())
}
