//! The `coursebot` command line.

use crate::config::Config;
use crate::content;
use crate::library::Library;
use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "coursebot",
    version,
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
    /// Connect to Discord and serve (the default).
    Run,
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
    /// Find the course passages that answer a question.
    Explain {
        /// Print a JSON array instead of text.
        #[arg(long)]
        json: bool,
        /// How many passages.
        #[arg(long, default_value_t = 3)]
        limit: usize,
        /// The question, in plain words.
        #[arg(required = true, num_args = 1.., allow_hyphen_values = true, trailing_var_arg = true)]
        query: Vec<String>,
    },
    /// Sections, words and questions per module and path.
    Stats {
        #[arg(long)]
        json: bool,
    },
    /// Export data from the database (DATABASE_URL) to standard output.
    Export {
        #[command(subcommand)]
        what: ExportWhat,
    },
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
    crate::telemetry::init();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let config = Config::load(cli.config.as_deref())?;
    match cli.command.unwrap_or(Command::Run) {
        Command::Run => {
            let rt = tokio::runtime::Runtime::new().context("starting the tokio runtime")?;
            rt.block_on(crate::bot::run(config))?;
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
            let lib = Library::open(&config.content_dir, &config.index_dir)?;
            let q = query.join(" ");
            let hits = lib.search.search(&q, limit.max(1));
            if json {
                println!("{}", serde_json::to_string_pretty(&hits)?);
            } else if hits.is_empty() {
                println!("{}", crate::explain::nothing_found_text(&lib, &q));
            } else {
                for (i, h) in hits.iter().enumerate() {
                    println!(
                        "{}. {}\n   {} {} ({})\n   {}\n",
                        i + 1,
                        h.heading,
                        h.module,
                        h.module_title,
                        h.path,
                        h.excerpt.replace('\n', "\n   ")
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { what } => {
            let rt = tokio::runtime::Runtime::new().context("starting the tokio runtime")?;
            let mut out = std::io::stdout().lock();
            match what {
                ExportWhat::Scores { format, guild } => {
                    rt.block_on(crate::export::scores(&config, &format, guild, &mut out))?
                }
                ExportWhat::Progress { format, guild } => {
                    rt.block_on(crate::export::progress(&config, &format, guild, &mut out))?
                }
            }
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
