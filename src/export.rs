//! `coursebot export ...`: data out of SQLite as CSV or JSON. The database is opened
//! read-only: exporting never creates, migrates or changes it, and a database that does not
//! exist is an error naming the path.

use crate::config::Config;
use crate::ids::{GuildId, UserId};
use crate::store::quiz::{export_answers, ExportedAnswer};
use anyhow::{Context, Result};
use serde::Serialize;
use sqlx::sqlite::{SqlitePool, SqlitePoolOptions};
use std::collections::BTreeMap;
use std::io::Write;

/// Open the database of `url` read-only: an error naming the file when it does not exist.
/// The database to export from: SQLite read-only ([`open_read_only`]), or PostgreSQL.
async fn open_for_export(url: &str) -> Result<crate::store::Db> {
    if crate::store::is_postgres(url) {
        crate::store::Db::connect(url).await
    } else {
        Ok(crate::store::Db::Sqlite(open_read_only(url).await?))
    }
}

pub async fn open_read_only(url: &str) -> Result<SqlitePool> {
    let (opts, file) = crate::store::existing_sqlite(
        url,
        "nothing to export. Run the export where the bot keeps its database, or set DATABASE_URL (e.g. DATABASE_URL=sqlite:///var/lib/coursebot/coursebot.db)",
    )?;
    let opts = opts.read_only(true).create_if_missing(false);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(opts)
        .await
        .with_context(|| format!("opening database {} read-only", file.display()))?;
    let tables: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(&pool)
    .await
    .with_context(|| format!("reading {}", file.display()))?;
    if tables == 0 {
        anyhow::bail!(
            "{} is not a coursebot database (no migrations table): check DATABASE_URL",
            file.display()
        );
    }
    Ok(pool)
}

/// Quote a CSV field when needed (RFC 4180).
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[derive(Serialize)]
struct MemberExport {
    guild_id: GuildId,
    user_id: UserId,
    points: i64,
    answered: usize,
    correct: usize,
    current_streak: i64,
    best_streak: i64,
    answers: Vec<ExportedAnswer>,
}

/// Every member's daily-quiz scores and answers (optionally of one guild) to `out`.
pub async fn scores(
    config: &Config,
    format: &str,
    guild: Option<GuildId>,
    out: &mut dyn Write,
) -> Result<()> {
    let pool = open_for_export(&config.database_url).await?;
    let mut answers = export_answers(&pool, guild).await?;
    // Answers as text (canonical: whatever order the member saw), when the course loads.
    if let (Some(course), _) = crate::content::load_course_lenient(&config.content_dir) {
        for a in &mut answers {
            if let (Some(q), Some(given)) = (
                course.question(&a.question_id),
                crate::quiz::Answer::decode(&a.answer),
            ) {
                a.answer_text = given.describe(q);
            }
        }
    }
    match format {
        "csv" => {
            writeln!(out, "guild_id,user_id,quiz_id,channel_id,quiz_date,question_id,module_id,path_id,answer,answer_text,correct,points,answered_at")?;
            for a in &answers {
                writeln!(
                    out,
                    "{},{},{},{},{},{},{},{},{},{},{},{},{}",
                    a.guild_id,
                    a.user_id,
                    a.quiz_id,
                    a.channel_id,
                    a.quiz_date,
                    csv_field(&a.question_id),
                    a.module_id,
                    a.path_id,
                    csv_field(&a.answer),
                    csv_field(&a.answer_text),
                    a.correct,
                    a.points,
                    a.answered_at
                )?;
            }
        }
        _ => {
            let mut members: BTreeMap<(GuildId, UserId), MemberExport> = BTreeMap::new();
            for a in answers {
                let m = members
                    .entry((a.guild_id, a.user_id))
                    .or_insert_with(|| MemberExport {
                        guild_id: a.guild_id,
                        user_id: a.user_id,
                        points: 0,
                        answered: 0,
                        correct: 0,
                        current_streak: 0,
                        best_streak: 0,
                        answers: Vec::new(),
                    });
                m.points += a.points;
                m.answered += 1;
                m.correct += a.correct as usize;
                m.answers.push(a);
            }
            for m in members.values_mut() {
                let s = crate::store::quiz::get_streak(&pool, m.guild_id, m.user_id).await?;
                m.current_streak = s.current;
                m.best_streak = s.best;
            }
            let list: Vec<&MemberExport> = members.values().collect();
            serde_json::to_writer_pretty(&mut *out, &serde_json::json!({ "members": list }))?;
            writeln!(out)?;
        }
    }
    pool.close().await;
    Ok(())
}

/// Every member's progress: completed modules, graded exams, capstones, certificates.
pub async fn progress(
    config: &Config,
    format: &str,
    guild: Option<GuildId>,
    out: &mut dyn Write,
) -> Result<()> {
    let pool = open_for_export(&config.database_url).await?;
    let rows = crate::store::certification::export_rows(&pool, guild).await?;
    match format {
        "csv" => {
            writeln!(out, "guild_id,user_id,kind,id,detail,at")?;
            for (g, u, kind, id, detail, at) in &rows {
                writeln!(
                    out,
                    "{g},{u},{kind},{},{},{at}",
                    csv_field(id),
                    csv_field(detail)
                )?;
            }
        }
        _ => {
            let list: Vec<serde_json::Value> = rows
                .iter()
                .map(|(g, u, kind, id, detail, at)| serde_json::json!({"guild_id": g, "user_id": u, "kind": kind, "id": id, "detail": detail, "at": at}))
                .collect();
            serde_json::to_writer_pretty(&mut *out, &serde_json::json!({ "progress": list }))?;
            writeln!(out)?;
        }
    }
    pool.close().await;
    Ok(())
}
