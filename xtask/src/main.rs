//! `cargo xtask`: the course runner.
//!
//! Learners list, check, watch, hint, bench and reset exercises and read the book;
//! maintainers verify the whole kit and scaffold new exercises. `cargo xtask --help` lists
//! the commands; the book's "How to use this course" shows each one with its output.

mod bench;
mod book;
mod bookcheck;
mod cargo;
mod catalogue;
mod check;
mod export;
mod grade;
mod hint;
mod lab;
mod list;
mod manifest;
mod new;
mod report;
mod reset;
mod runner;
mod state;
mod ui;
mod verify;
mod watch;
mod workspace;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::check::{CheckOptions, Target};

/// The runner of the lock-free and low-latency Rust course.
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    version,
    about = "Runs the course: check, watch, hint, bench and reset exercises, and read the book; grade and export for instructors.",
    after_help = "Start with `cargo xtask book --open` to read the course, then `cargo xtask list`."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Lists every exercise by tier, with your progress.
    List,
    /// Checks an exercise: build, visible tests, property tests, loom model, stress tests.
    Check {
        /// The exercise: its id (`03-spsc-ring`), number (`3`) or name (`spsc-ring`).
        id: String,
        /// Checks the reference solution instead of your code.
        #[arg(long)]
        solution: bool,
        /// Skips the loom stage (it compiles in a separate, slower build).
        #[arg(long)]
        no_loom: bool,
        /// Builds the tests with optimisations (stress tests run faster; builds slower).
        #[arg(long)]
        release: bool,
    },
    /// Shows the next hint for an exercise (or all of them).
    Hint {
        /// The exercise.
        id: String,
        /// Shows every hint at once.
        #[arg(long)]
        all: bool,
    },
    /// Re-runs `check` every time you save the exercise's files.
    Watch {
        /// The exercise.
        id: String,
        /// Skips the loom stage.
        #[arg(long)]
        no_loom: bool,
    },
    /// Benchmarks an exercise against the reference solution and the best crates.
    Bench {
        /// The exercise.
        id: String,
        /// Benchmarks the reference solution instead of your code.
        #[arg(long)]
        solution: bool,
        /// Only benchmarks whose name contains this text (passed to criterion).
        #[arg(long)]
        filter: Option<String>,
    },
    /// Restores an exercise's stub, after backing up your files.
    Reset {
        /// The exercise.
        id: String,
    },
    /// Builds the book and serves it at http://localhost:3000.
    Book {
        /// Opens the book in your browser.
        #[arg(long)]
        open: bool,
        /// Builds the book into book/build and exits without serving it.
        #[arg(long)]
        build_only: bool,
        /// The port to serve on.
        #[arg(long, default_value_t = 3000)]
        port: u16,
    },
    /// Runs one of the book's labs (a measured claim of Part I), or lists them.
    Lab {
        /// The lab (e.g. `store-buffering`); none lists every lab.
        name: Option<String>,
        /// A fast, rough run (few rounds, one process): proves the lab works.
        #[arg(long)]
        quick: bool,
        /// Runs the lab's threads at real-time priority (SCHED_FIFO; needs root or
        /// CAP_SYS_NICE), so that other programs on a busy machine do not preempt them.
        #[arg(long)]
        realtime: bool,
        /// Writes the charts into book/src/figures/labs (maintainers) instead of target/labs.
        #[arg(long)]
        publish: bool,
    },
    /// (maintainers) Proves the kit: fmt, clippy, every solution passes, every stub fails,
    /// the book builds and its code compiles, the catalogue agrees with the folders.
    Verify {
        /// Only these exercises (default: all).
        ids: Vec<String>,
        /// Skips the loom stages.
        #[arg(long)]
        no_loom: bool,
        /// Skips the book.
        #[arg(long)]
        no_book: bool,
    },
    /// (instructors) Grades the learner's crates with the catalogue's points, checks that
    /// no protected file changed, and writes reports (human, JSON, JUnit, Markdown,
    /// GitHub Classroom) from one run.
    #[command(after_help = "Examples:\n  \
        cargo xtask grade --all\n  \
        cargo xtask grade --all --format json --format junit --format markdown --out-dir grade-reports\n  \
        cargo xtask grade 03 --format classroom --out classroom.json\n  \
        cargo xtask grade --all --submission ../students/alice --out-dir reports/alice\n\n\
        Exit code: 0 graded; 1 graded, but protected files differ (or an exercise could not run); 2 usage error.")]
    Grade(grade::GradeOptions),
    /// (instructors) Makes the student starter repository: stubs, graders, support, runner,
    /// book and CI, without the solutions; writes MANIFEST.sha256.
    Export(export::ExportOptions),
    /// (maintainers, instructors) Scaffolds a new exercise, all six parts, from a template.
    New {
        /// The new exercise's id, `NN-slug` (e.g. `24-ticket-lock`).
        id: String,
        /// Its tier (an id from course.toml).
        #[arg(long, default_value = "easy")]
        tier: String,
        /// Its title.
        #[arg(long)]
        title: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            ui::error(&e);
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let ws = workspace::Workspace::discover()?;
    match cli.command {
        Command::List => list::run(&ws),
        Command::Check {
            id,
            solution,
            no_loom,
            release,
        } => {
            if solution {
                export::refuse_in_student_copy(&ws, "`check --solution`")?;
            }
            let opts = CheckOptions {
                target: if solution {
                    Target::Solution
                } else {
                    Target::Exercise
                },
                no_loom,
                release,
                ..CheckOptions::default()
            };
            check::command(&ws, &id, &opts)
        }
        Command::Hint { id, all } => hint::run(&ws, &id, all),
        Command::Watch { id, no_loom } => watch::run(&ws, &id, no_loom),
        Command::Bench {
            id,
            solution,
            filter,
        } => {
            if solution {
                export::refuse_in_student_copy(&ws, "`bench --solution`")?;
            }
            bench::run(&ws, &id, solution, filter.as_deref())
        }
        Command::Reset { id } => reset::run(&ws, &id),
        Command::Book {
            open,
            build_only,
            port,
        } => book::run(&ws, open, build_only, port),
        Command::Verify {
            ids,
            no_loom,
            no_book,
        } => {
            if export::is_student_copy(&ws) {
                anyhow::bail!(
                    "`verify` proves that every reference solution passes and every stub fails; \
                     this is a student copy (made by `cargo xtask export`), which has no solutions. \
                     Run it in the course repository. Here, `cargo xtask grade --all` checks that \
                     no protected file differs from MANIFEST.sha256."
                );
            }
            verify::run(&ws, &ids, no_loom, no_book)
        }
        Command::Lab {
            name,
            quick,
            realtime,
            publish,
        } => lab::run(&ws, name.as_deref(), quick, realtime, publish),
        Command::New { id, tier, title } => {
            export::refuse_in_student_copy(&ws, "`new` (it scaffolds a solution too)")?;
            new::run(&ws, &id, &tier, title.as_deref())
        }
        Command::Grade(opts) => grade::run(&ws, &opts),
        Command::Export(opts) => export::run(&ws, &opts),
    }
}
