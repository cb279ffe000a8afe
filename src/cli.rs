//! The `coursebot` command line.

use crate::config::Config;
use crate::content;
use crate::library::Library;
use crate::search;
use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// `coursebot --version`: the crate version and, when built from git, the commit (build.rs).
pub const VERSION: &str = env!("COURSEBOT_VERSION");
/// The git commit the binary was built from, or `unknown`.
pub const GIT_COMMIT: &str = env!("COURSEBOT_GIT_COMMIT");

#[derive(Parser, Debug)]
#[command(
    name = "coursebot",
    version = VERSION,
    about = "The Celery course's Discord teaching assistant"
)]
pub struct Cli {
    /// Config file (default: coursebot.toml in the working directory, when present).
    #[arg(long, global = true, env = "COURSEBOT_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Connect to Discord and serve (the default). SIGHUP reloads the course content.
    #[command(after_help = crate::config::env_help())]
    Run(RunArgs),
    /// Register the slash commands with Discord (globally, or in the guilds of
    /// `[discord] guilds` / DISCORD_GUILDS) when the set differs from the one last registered,
    /// and remember it, so that `run` (any number of processes) does not register again.
    RegisterCommands {
        /// Register even when the stored hash says this set is already registered (after
        /// commands were deleted in the Developer Portal, say).
        #[arg(long)]
        force: bool,
    },
    /// Validate every content file; print problems as `path:line: message`; exit 1 if any.
    /// Besides the format, it applies the author checks (labs, section lengths, explanations
    /// that give a reason, right choices that are not the longest, no duplicate prompts).
    Check {
        /// Content directory (default: COURSEBOT_CONTENT_DIR or `content`).
        #[arg(long)]
        content: Option<PathBuf>,
        /// Only what the bot needs to load the course (skip the author checks).
        #[arg(long)]
        format_only: bool,
    },
    /// Build the search index (rebuilt automatically when the content changes).
    Index,
    /// Find the course passages that answer a question. Flags may come anywhere; `--` ends
    /// them (`coursebot explain -- --limit` searches for "--limit").
    Explain {
        /// Print a JSON array instead of text.
        #[arg(long)]
        json: bool,
        /// How many passages (1 to 25).
        #[arg(long, default_value_t = 3, value_parser = parse_limit)]
        limit: usize,
        /// The question, in plain words.
        #[arg(required = true, num_args = 1.., allow_hyphen_values = true, trailing_var_arg = true)]
        query: Vec<String>,
    },
    /// Measure search on a dev set of real questions: recall@1, recall@3 and MRR.
    Eval {
        /// The dev set (default: COURSEBOT_DEVSET, else ../shared/search-devset.toml beside
        /// the repository, i.e. next to the content directory's parent).
        file: Option<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// List each question whose answer is not in the top 3, with the top 3 headings.
        #[arg(long)]
        misses: bool,
    },
    /// Sections, words and questions per module and path.
    Stats {
        #[arg(long)]
        json: bool,
    },
    /// Ask the running bot's /healthz (or /readyz) on COURSEBOT_METRICS_ADDR; exit 0 when it
    /// answers 200 (the container's HEALTHCHECK).
    Healthcheck {
        /// Ask /readyz (gateway, database, index) instead of /healthz (the process answers).
        #[arg(long)]
        ready: bool,
        /// Address to ask (default: COURSEBOT_METRICS_ADDR / metrics_addr).
        #[arg(long)]
        addr: Option<std::net::SocketAddr>,
    },
    /// Copy the database (DATABASE_URL) to a new file while the bot may be running, and check
    /// the copy. SQLite only (`VACUUM INTO`); back up PostgreSQL with `pg_dump`.
    Backup {
        /// The new file (refused if it exists).
        path: PathBuf,
    },
    /// Copy every table of an SQLite database into PostgreSQL (migrated first), idempotent and
    /// verified by row counts: the move from one process to several (docs/DEPLOYMENT.md).
    Migrate {
        /// The SQLite database, e.g. sqlite://coursebot.db (stop the bot first).
        #[arg(long)]
        from: String,
        /// The PostgreSQL database, e.g. postgres://user:password@host/coursebot.
        #[arg(long)]
        to: String,
    },
    /// Export data from the database (DATABASE_URL, opened read-only) to standard output.
    Export {
        #[command(subcommand)]
        what: ExportWhat,
    },
    /// Draw an image as the bot attaches it, from the database (DATABASE_URL), to a PNG file:
    /// a member's progress card, the quiz statistics, or the leaderboard.
    Chart(ChartArgs),
}

/// `coursebot chart progress|stats|leaderboard --guild ID [--member ID] --out FILE.png`.
#[derive(clap::Args, Debug)]
pub struct ChartArgs {
    /// Which image.
    #[arg(value_parser = ["progress", "stats", "leaderboard"])]
    pub what: String,
    /// The guild (server id).
    #[arg(long)]
    pub guild: u64,
    /// The member (required for `progress`).
    #[arg(long)]
    pub member: Option<u64>,
    /// `stats`: only this module (id or title).
    #[arg(long)]
    pub module: Option<String>,
    /// `leaderboard`: week, month or all.
    #[arg(long, default_value = "all")]
    pub period: String,
    /// `leaderboard`: only questions of this learning path.
    #[arg(long)]
    pub path: Option<String>,
    /// Where to write the PNG.
    #[arg(long)]
    pub out: PathBuf,
}

/// `coursebot run`'s flags; they win over coursebot.toml and the environment.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct RunArgs {
    /// The gateway shards this process runs, an inclusive range such as `0-3` (or one shard,
    /// `4`); needs --shard-total. Without it: the number Discord recommends, all here.
    #[arg(long, value_name = "FIRST-LAST")]
    pub shards: Option<String>,
    /// The number of shards over all processes of the bot.
    #[arg(long, value_name = "N")]
    pub shard_total: Option<u32>,
}

impl RunArgs {
    /// Apply the flags to `config`: both flags, or `--shards` with the configured total.
    pub fn apply(&self, config: &mut Config) -> Result<()> {
        if self.shards.is_none() && self.shard_total.is_none() {
            return Ok(());
        }
        let configured_total = match config.shards {
            crate::config::ShardPlan::Range { total, .. } => Some(total),
            crate::config::ShardPlan::Auto => None,
        };
        config.shards = crate::config::ShardPlan::from_parts(
            self.shards.as_deref(),
            self.shard_total.or(configured_total),
            "--shards",
        )?;
        Ok(())
    }
}

#[derive(Subcommand, Debug)]
pub enum ExportWhat {
    /// Every member's daily-quiz scores and answers.
    Scores {
        #[arg(long, value_parser = ["csv", "json"], default_value = "csv")]
        format: String,
        /// Only this guild (server id).
        #[arg(long)]
        guild: Option<u64>,
    },
    /// Every member's completed modules, exams, capstones and certificates.
    Progress {
        #[arg(long, value_parser = ["csv", "json"], default_value = "csv")]
        format: String,
        /// Only this guild (server id).
        #[arg(long)]
        guild: Option<u64>,
    },
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let mut config = Config::load(cli.config.as_deref())?;
    crate::telemetry::init(config.log_format);
    match cli.command.unwrap_or(Command::Run(RunArgs::default())) {
        Command::Healthcheck { ready, addr } => healthcheck(&config, ready, addr),
        Command::Run(args) => {
            args.apply(&mut config)?;
            let rt = tokio::runtime::Runtime::new().context("starting the tokio runtime")?;
            rt.block_on(crate::bot::run(config))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::RegisterCommands { force } => {
            let rt = tokio::runtime::Runtime::new().context("starting the tokio runtime")?;
            let n = rt.block_on(crate::bot::register_commands(&config, force))?;
            println!("{n}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Check {
            content,
            format_only,
        } => {
            let dir = content.unwrap_or(config.content_dir);
            let (course, problems) = if format_only {
                content::load_course_lenient(&dir)
            } else {
                content::check(&dir)
            };
            for p in &problems {
                println!("{p}");
            }
            if problems.is_empty() {
                let c = course.expect("no problems means a course");
                if !c.drafts.is_empty() {
                    println!(
                        "note: {} draft module(s) without a lesson yet: {}",
                        c.drafts.len(),
                        c.drafts.join(", ")
                    );
                }
                println!(
                    "ok: {} paths, {} modules, {} sections, {} questions",
                    c.paths.len(),
                    c.modules.len(),
                    c.modules
                        .iter()
                        .map(|m| m.topic_sections().count())
                        .sum::<usize>(),
                    c.questions.len()
                );
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("{} problem(s) found", problems.len());
                Ok(ExitCode::from(1))
            }
        }
        Command::Index => {
            let course = content::load_course(&config.content_dir)?;
            let hash = content::content_hash(&config.content_dir)?;
            let t = std::time::Instant::now();
            let idx = crate::search::SearchIndex::open_or_build(&config.index_dir, &course, hash)?;
            println!(
                "{} index in {} ({} documents, {} ms)",
                if idx.rebuilt { "built" } else { "up-to-date" },
                idx.dir.display(),
                idx.num_docs(),
                t.elapsed().as_millis()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { json, limit, query } => {
            let args = ExplainArgs::parse(json, limit, &query)?;
            let lib = Library::open(&config.content_dir, &config.index_dir)?;
            let answer = lib.search.answer(&args.query, args.limit);
            let out = if args.json {
                format!("{}\n", serde_json::to_string_pretty(&answer.hits)?)
            } else if answer.hits.is_empty() {
                format!(
                    "{}\n",
                    crate::explain::no_answer_text(&lib, &args.query, &answer.did_you_mean)
                )
            } else {
                let mut s = String::new();
                for (i, h) in answer.hits.iter().enumerate() {
                    s.push_str(&format!(
                        "{}. {}\n   {} {} ({})\n   {}\n\n",
                        i + 1,
                        h.heading,
                        h.module,
                        h.module_title,
                        h.path,
                        h.excerpt.replace('\n', "\n   ")
                    ));
                }
                s
            };
            write_stdout(&out)
        }
        Command::Eval { file, json, misses } => {
            let path = file.unwrap_or_else(|| search::default_devset_path(&config.content_dir));
            if !path.exists() {
                anyhow::bail!(
                    "no dev set at {}: pass a file (`coursebot eval FILE`) or set COURSEBOT_DEVSET",
                    path.display()
                );
            }
            let set = search::load_devset(&path)?;
            let course = content::load_course(&config.content_dir)?;
            let idx = search::SearchIndex::in_memory(&course)?;
            let report = search::evaluate(&idx, &set, &path.display().to_string());
            let out = if json {
                format!("{}\n", serde_json::to_string_pretty(&report)?)
            } else {
                search::render_eval(&report, misses)
            };
            write_stdout(&out)
        }
        Command::Export { what } => {
            let rt = tokio::runtime::Runtime::new().context("starting the tokio runtime")?;
            let mut out = std::io::stdout().lock();
            match what {
                ExportWhat::Scores { format, guild } => rt.block_on(crate::export::scores(
                    &config,
                    &format,
                    guild.map(crate::ids::GuildId::new),
                    &mut out,
                ))?,
                ExportWhat::Progress { format, guild } => rt.block_on(crate::export::progress(
                    &config,
                    &format,
                    guild.map(crate::ids::GuildId::new),
                    &mut out,
                ))?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Chart(args) => chart(&config, args),
        Command::Migrate { from, to } => migrate(&from, &to),
        Command::Backup { path } => {
            let url = &config.database_url;
            if !url.starts_with("sqlite:") {
                anyhow::bail!(
                    "`coursebot backup` copies SQLite databases; for PostgreSQL use pg_dump \
                     (docs/DEPLOYMENT.md, \"Backups\")"
                );
            }
            let rt = tokio::runtime::Runtime::new().context("starting the tokio runtime")?;
            let r = rt.block_on(crate::store::backup::backup_sqlite(url, &path))?;
            println!(
                "backed up to {} ({} KB, {} tables, {} rows, integrity ok)",
                r.path.display(),
                r.bytes.div_ceil(1024),
                r.tables.len(),
                r.total_rows()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Stats { json } => {
            let course = content::load_course(&config.content_dir)?;
            let s = content::stats::stats(&course);
            if json {
                println!("{}", serde_json::to_string_pretty(&s)?);
            } else {
                print!("{}", content::stats::render_table(&s));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `coursebot chart`: the same image as the bot attaches, drawn from the database with the
/// system clock; members are shown by the end of their id (names live in Discord).
fn chart(config: &Config, a: ChartArgs) -> Result<ExitCode> {
    use crate::charts::data::{render, Kind};
    use crate::error::UserError;
    let kind = match a.what.as_str() {
        "progress" => Kind::Progress,
        "stats" => Kind::Stats,
        _ => Kind::Leaderboard,
    };
    let period = crate::quiz::scoring::Period::parse(&a.period).ok_or_else(|| {
        UserError::Invalid(format!(
            "--period `{}` is not a period: use week, month or all",
            a.period
        ))
    })?;
    let course = std::sync::Arc::new(content::load_course(&config.content_dir)?);
    let module = match a.module.as_deref() {
        Some(m) => Some(
            course
                .find_module(m)
                .ok_or_else(|| UserError::UnknownModule(m.to_string()))?
                .id
                .clone(),
        ),
        None => None,
    };
    let path = match a.path.as_deref() {
        Some(p) => Some(
            course
                .path(p)
                .ok_or_else(|| UserError::UnknownPath(p.to_string()))?
                .id
                .clone(),
        ),
        None => None,
    };
    if kind == Kind::Progress && a.member.is_none() {
        return Err(UserError::Invalid(
            "chart progress needs --member ID (whose progress card to draw)".into(),
        )
        .into());
    }
    let rt = tokio::runtime::Runtime::new().context("starting the tokio runtime")?;
    let png = rt.block_on(async {
        let db = crate::store::connect(&config.database_url).await?;
        // The charts need no search; an empty in-memory index keeps the App whole without
        // touching the index directory.
        let index = std::sync::Arc::new(search::SearchIndex::in_memory(&content::Course {
            paths: vec![],
            modules: vec![],
            questions: vec![],
            ..(*course).clone()
        })?);
        let app = crate::app::App::from_parts(
            course.clone(),
            index,
            db,
            std::sync::Arc::new(crate::clock::SystemClock),
        );
        render(
            &app,
            kind,
            crate::ids::GuildId(a.guild),
            a.member.map(crate::ids::UserId),
            module.as_deref(),
            period,
            path.as_deref(),
        )
        .await
    })?;
    std::fs::write(&a.out, &png).with_context(|| format!("writing {}", a.out.display()))?;
    println!("wrote {} ({} bytes)", a.out.display(), png.len());
    Ok(ExitCode::SUCCESS)
}

/// `coursebot migrate --from sqlite://… --to postgres://…`.
fn migrate(from: &str, to: &str) -> Result<ExitCode> {
    use crate::store::{is_postgres, redact, Db};
    if !from.starts_with("sqlite:") {
        anyhow::bail!(
            "--from must be an sqlite:// URL (the database to move), not `{}`",
            redact(from)
        );
    }
    if !is_postgres(to) {
        anyhow::bail!(
            "--to must be a postgres:// URL (the database to fill), not `{}`",
            redact(to)
        );
    }
    crate::store::existing_sqlite(from, "nothing to migrate (check --from)")?;
    let rt = tokio::runtime::Runtime::new().context("starting the tokio runtime")?;
    let report = rt.block_on(async {
        let src = Db::connect(from).await?;
        let dst = Db::connect(to).await?;
        let (Some(s), Some(d)) = (src.as_sqlite(), dst.as_postgres()) else {
            anyhow::bail!("--from must be SQLite and --to PostgreSQL");
        };
        let r = crate::store::copy::sqlite_to_postgres(s, d).await;
        src.close().await;
        dst.close().await;
        r
    })?;
    print!("{}", crate::store::copy::render(&report));
    Ok(ExitCode::SUCCESS)
}

/// `coursebot healthcheck`.
fn healthcheck(
    config: &Config,
    ready: bool,
    addr: Option<std::net::SocketAddr>,
) -> Result<ExitCode> {
    let addr = addr.or(config.metrics_addr).ok_or_else(|| {
        anyhow::anyhow!(
            "no address to ask: set COURSEBOT_METRICS_ADDR (metrics_addr) or pass --addr"
        )
    })?;
    let path = if ready { "/readyz" } else { "/healthz" };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")?;
    let (status, body) = rt.block_on(crate::ops::health::get(addr, path))?;
    println!("{status} {}", body.trim());
    Ok(if status == 200 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Parse `--limit`: a whole number from 1 to [`search::MAX_LIMIT`].
fn parse_limit(s: &str) -> Result<usize, String> {
    let n: usize = s.trim().parse().map_err(|_| {
        format!(
            "`{s}` is not a number; --limit takes 1 to {}",
            search::MAX_LIMIT
        )
    })?;
    if (1..=search::MAX_LIMIT).contains(&n) {
        Ok(n)
    } else {
        Err(format!(
            "--limit {n} is out of range: it takes 1 to {} passages",
            search::MAX_LIMIT
        ))
    }
}

/// `explain`'s arguments once flags written among the words of the question are read too.
#[derive(Debug, PartialEq)]
pub struct ExplainArgs {
    pub json: bool,
    pub limit: usize,
    pub query: String,
}

impl ExplainArgs {
    /// Read `--json`, `--limit N` and `--limit=N` wherever they are among `words`; `--` ends
    /// the flags (what follows is the question, even `--json`). Other words, `--concurrency`
    /// included, are the question.
    pub fn parse(json: bool, limit: usize, words: &[String]) -> Result<ExplainArgs> {
        let mut out = ExplainArgs {
            json,
            limit,
            query: String::new(),
        };
        let mut rest: Vec<&str> = Vec::new();
        let mut it = words.iter();
        while let Some(w) = it.next() {
            match w.as_str() {
                "--" => {
                    rest.extend(it.by_ref().map(String::as_str));
                    break;
                }
                "--json" => out.json = true,
                "--limit" => {
                    let v = it.next().ok_or_else(|| {
                        anyhow::anyhow!("--limit needs a number (1 to {})", search::MAX_LIMIT)
                    })?;
                    out.limit = parse_limit(v).map_err(anyhow::Error::msg)?;
                }
                w if w.starts_with("--limit=") => {
                    out.limit = parse_limit(&w["--limit=".len()..]).map_err(anyhow::Error::msg)?;
                }
                w => rest.push(w),
            }
        }
        out.query = rest.join(" ");
        if out.query.trim().is_empty() {
            anyhow::bail!("explain needs a question, e.g. `coursebot explain chords`");
        }
        Ok(out)
    }
}

/// Write `s` to standard output. A closed pipe (`coursebot explain … | head`) is not an error:
/// the reader has what it wanted, so the command ends quietly with success.
fn write_stdout(s: &str) -> Result<ExitCode> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(anyhow::Error::new(e).context("writing to standard output")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split(' ').map(String::from).collect()
    }

    #[test]
    fn explain_flags_anywhere_and_double_dash_ends_them() {
        let a = ExplainArgs::parse(false, 3, &words("chords --json --limit 5")).unwrap();
        assert_eq!((a.json, a.limit, a.query.as_str()), (true, 5, "chords"));
        let a = ExplainArgs::parse(false, 3, &words("worker --limit=2 --concurrency")).unwrap();
        assert_eq!((a.limit, a.query.as_str()), (2, "worker --concurrency"));
        let a = ExplainArgs::parse(false, 3, &words("chords -- --json")).unwrap();
        assert_eq!((a.json, a.query.as_str()), (false, "chords --json"));
    }

    #[test]
    fn run_shard_flags() {
        let cli =
            Cli::try_parse_from(["coursebot", "run", "--shards", "0-3", "--shard-total", "8"])
                .unwrap();
        let Some(Command::Run(args)) = cli.command else {
            panic!("run expected")
        };
        let mut config = Config::load_with(None, &|_| None).unwrap();
        args.apply(&mut config).unwrap();
        assert_eq!(
            config.shards,
            crate::config::ShardPlan::Range {
                first: 0,
                last: 3,
                total: 8
            }
        );
        let bad = RunArgs {
            shards: Some("2-9".into()),
            shard_total: Some(8),
        };
        let e = bad.apply(&mut config).unwrap_err().to_string();
        assert!(e.contains("--shards `2-9`") && e.contains("outside"), "{e}");
        // --shards alone takes the configured total.
        let only = RunArgs {
            shards: Some("4-7".into()),
            shard_total: None,
        };
        only.apply(&mut config).unwrap();
        assert_eq!(config.shards.to_string(), "4-7 of 8");
    }

    #[test]
    fn limits_outside_1_to_25_are_refused_clearly() {
        for bad in ["0", "26", "x", "-1"] {
            let e = ExplainArgs::parse(false, 3, &words(&format!("chords --limit {bad}")))
                .unwrap_err()
                .to_string();
            assert!(e.contains("1 to 25"), "{bad}: {e}");
        }
        let e = ExplainArgs::parse(false, 3, &words("chords --limit")).unwrap_err();
        assert!(e.to_string().contains("needs a number"), "{e}");
        assert!(parse_limit("25").is_ok() && parse_limit("1").is_ok());
    }
}
