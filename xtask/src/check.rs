//! `cargo xtask check <id>`: build → visible tests → property tests → loom model → stress.
//!
//! Every stage prints one line (passed/failed counts and time); then comes the first
//! failure's test name and message, and the next step. The exit code is 0 only if every
//! stage passed. The same machinery serves `verify` (solutions must pass, stubs must fail).

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use serde::Serialize;

use crate::cargo::{self, Build, Built};
use crate::catalogue::Exercise;
use crate::runner::{self, Outcome, TestCase, TestResult};
use crate::state::{State, Status};
use crate::ui;
use crate::workspace::Workspace;

/// Which crate the grader tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// The learner's stub crate in `exercises/`.
    #[default]
    Exercise,
    /// The reference solution in `solutions/`.
    Solution,
}

impl Target {
    pub fn feature(self) -> &'static str {
        match self {
            Target::Exercise => "exercise",
            Target::Solution => "solution",
        }
    }
}

#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub target: Target,
    pub no_loom: bool,
    pub release: bool,
    /// Tests run at once in the visible, properties and loom stages (stress tests run one
    /// at a time: they bring their own threads).
    pub jobs: usize,
    /// Print stage lines as they finish.
    pub verbose: bool,
    /// Runs of each stress test (`grade --repeat`): a test passes only if every run
    /// passes. A test stops being re-run at its first failure.
    pub repeat: u32,
}

impl Default for CheckOptions {
    fn default() -> Self {
        Self {
            target: Target::Exercise,
            no_loom: false,
            release: false,
            jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
            verbose: true,
            repeat: 1,
        }
    }
}

/// The stages, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Build,
    Visible,
    Properties,
    Loom,
    Stress,
}

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Stage::Build => "build",
            Stage::Visible => "visible",
            Stage::Properties => "properties",
            Stage::Loom => "loom",
            Stage::Stress => "stress",
        }
    }

    /// The grader's test target (`tests/<name>.rs`) for this stage.
    pub fn test_target(self) -> Option<&'static str> {
        match self {
            Stage::Build => None,
            s => Some(s.name()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "reason", rename_all = "snake_case")]
pub enum StageStatus {
    Passed,
    Failed,
    Skipped(String),
}

#[derive(Debug, Clone)]
pub struct StageReport {
    pub stage: Stage,
    pub status: StageStatus,
    pub tests: Vec<TestResult>,
    pub duration: Duration,
    /// For a failed build: the compiler's messages and what to do.
    pub build_failure: Option<String>,
}

impl StageReport {
    pub fn passed_count(&self) -> usize {
        self.tests.iter().filter(|t| t.outcome.passed()).count()
    }
}

#[derive(Debug, Clone)]
pub struct CheckReport {
    pub exercise: String,
    pub target: Target,
    pub stages: Vec<StageReport>,
}

impl CheckReport {
    pub fn passed(&self) -> bool {
        self.stages
            .iter()
            .all(|s| !matches!(s.status, StageStatus::Failed))
            && self.stages.iter().any(|s| s.status == StageStatus::Passed)
    }

    pub fn first_failed_stage(&self) -> Option<&StageReport> {
        self.stages.iter().find(|s| s.status == StageStatus::Failed)
    }

    /// The first failing test, in stage order.
    pub fn first_failure(&self) -> Option<(&StageReport, &TestResult)> {
        self.stages
            .iter()
            .find_map(|s| s.tests.iter().find(|t| !t.outcome.passed()).map(|t| (s, t)))
    }
}

/// `cargo xtask check`: runs, prints, records progress, and says what to do next.
pub fn command(ws: &Workspace, id: &str, opts: &CheckOptions) -> Result<ExitCode> {
    let ex = ws.catalogue.find(id)?;
    let report = run(ws, ex, opts)?;
    print_outcome(ws, ex, &report);
    if opts.target == Target::Exercise {
        let mut state = State::load(ws);
        let entry = state.exercise(ex.id());
        entry.status = Some(if report.passed() {
            Status::Passed
        } else {
            Status::Failed
        });
        entry.failed_stage = report
            .first_failed_stage()
            .map(|s| s.stage.name().to_string());
        entry.checked_at = Some(crate::state::now());
        state.save(ws)?;
    }
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Runs every stage and returns the report (printing stage lines if `opts.verbose`).
pub fn run(ws: &Workspace, ex: &Exercise, opts: &CheckOptions) -> Result<CheckReport> {
    let timeouts = ex.timeouts(&ws.catalogue.defaults);
    let grader = ex.grader_dir(&ws.root);
    if opts.verbose {
        let whose = match opts.target {
            Target::Exercise => format!(
                "your code in {}",
                ws.rel(&ex.exercise_dir(&ws.root)).display()
            ),
            Target::Solution => "the reference solution".to_string(),
        };
        println!("{} {} ({whose})", ui::bold("Checking"), ui::bold(ex.id()));
    }
    let mut stages = Vec::new();
    let features = vec![opts.target.feature().to_string()];

    // Which stages have tests in this grader.
    let present = |stage: Stage| {
        stage
            .test_target()
            .is_some_and(|t| grader.join("tests").join(format!("{t}.rs")).is_file())
    };
    let normal_tests: Vec<String> = [Stage::Visible, Stage::Properties, Stage::Stress]
        .into_iter()
        .filter(|s| present(*s))
        .filter_map(|s| s.test_target().map(str::to_string))
        .collect();

    // Stage 1: build.
    let pb = ui::spinner("build");
    let built = cargo::build_tests(
        ws,
        &Build {
            package: ex.grader_package(),
            features: features.clone(),
            tests: normal_tests,
            release: opts.release,
            loom: false,
            timeout: Duration::from_secs(timeouts.build),
        },
        &pb,
    )?;
    pb.finish_and_clear();
    let build_ok = built.ok;
    let build_report = build_stage_report(ws, ex, &built, Stage::Build, opts.target);
    if opts.verbose {
        print_stage(&build_report);
    }
    stages.push(build_report);

    for stage in [
        Stage::Visible,
        Stage::Properties,
        Stage::Loom,
        Stage::Stress,
    ] {
        let report = if !present(stage) {
            skipped(stage, "no tests in the grader")
        } else if stage == Stage::Loom && !ex.loom {
            skipped(stage, "this exercise has no loom model")
        } else if stage == Stage::Loom && opts.no_loom {
            skipped(stage, "--no-loom")
        } else if !build_ok {
            skipped(stage, "the build failed")
        } else if stage == Stage::Loom {
            run_loom(ws, ex, opts, &features, timeouts.build, timeouts.loom)?
        } else {
            let timeout = match stage {
                Stage::Visible => timeouts.visible,
                Stage::Properties => timeouts.properties,
                _ => timeouts.stress,
            };
            let jobs = if stage == Stage::Stress { 1 } else { opts.jobs };
            let runs = if stage == Stage::Stress {
                opts.repeat
            } else {
                1
            };
            let exe = built.executables.get(stage.name());
            run_stage(
                ws,
                ex,
                stage,
                exe.map(|p| p.as_path()),
                jobs,
                timeout,
                &[],
                runs,
            )?
        };
        if opts.verbose {
            print_stage(&report);
        }
        stages.push(report);
    }

    Ok(CheckReport {
        exercise: ex.id().to_string(),
        target: opts.target,
        stages,
    })
}

fn skipped(stage: Stage, why: &str) -> StageReport {
    StageReport {
        stage,
        status: StageStatus::Skipped(why.to_string()),
        tests: Vec::new(),
        duration: Duration::ZERO,
        build_failure: None,
    }
}

fn run_loom(
    ws: &Workspace,
    ex: &Exercise,
    opts: &CheckOptions,
    features: &[String],
    build_timeout: u64,
    test_timeout: u64,
) -> Result<StageReport> {
    let pb = ui::spinner("loom build");
    let built = cargo::build_tests(
        ws,
        &Build {
            package: ex.grader_package(),
            features: features.to_vec(),
            tests: vec!["loom".into()],
            release: true,
            loom: true,
            timeout: Duration::from_secs(build_timeout),
        },
        &pb,
    )?;
    pb.finish_and_clear();
    if !built.ok {
        return Ok(build_stage_report(ws, ex, &built, Stage::Loom, opts.target));
    }
    let preemptions = ex.loom_preemptions(&ws.catalogue.defaults).to_string();
    let mut report = run_stage(
        ws,
        ex,
        Stage::Loom,
        built.executables.get("loom").map(|p| p.as_path()),
        opts.jobs,
        test_timeout,
        &[("LOOM_MAX_PREEMPTIONS".to_string(), preemptions)],
        1,
    )?;
    report.duration += built.duration;
    Ok(report)
}

#[allow(clippy::too_many_arguments)]
fn run_stage(
    ws: &Workspace,
    ex: &Exercise,
    stage: Stage,
    exe: Option<&Path>,
    jobs: usize,
    timeout: u64,
    env: &[(String, String)],
    runs: u32,
) -> Result<StageReport> {
    let Some(exe) = exe else {
        return Ok(StageReport {
            stage,
            status: StageStatus::Failed,
            tests: Vec::new(),
            duration: Duration::ZERO,
            build_failure: Some(format!(
                "cargo built no `{}` test binary for {}",
                stage.name(),
                ex.grader_package()
            )),
        });
    };
    let (names, _ignored) = runner::list_tests(exe)?;
    if names.is_empty() {
        return Ok(skipped(stage, "the grader has no tests for this stage"));
    }
    let cases: Vec<TestCase> = names
        .into_iter()
        .map(|name| TestCase {
            binary: exe.to_path_buf(),
            name,
        })
        .collect();
    let pb = ui::bar(stage.name(), cases.len() as u64);
    let started = std::time::Instant::now();
    let mut env = env.to_vec();
    env.push(("COURSE_ROOT".into(), ws.root.display().to_string()));
    let mut tests = runner::run_tests(
        &cases,
        jobs,
        Duration::from_secs(timeout),
        &env,
        &ex.grader_dir(&ws.root),
        &pb,
    );
    // `--repeat`: run again every test that has passed so far.
    for run in 2..=runs {
        let again: Vec<usize> = (0..tests.len())
            .filter(|&i| tests[i].outcome.passed())
            .collect();
        if again.is_empty() {
            break;
        }
        let cases_again: Vec<TestCase> = again.iter().map(|&i| cases[i].clone()).collect();
        pb.inc_length(cases_again.len() as u64);
        let results = runner::run_tests(
            &cases_again,
            jobs,
            Duration::from_secs(timeout),
            &env,
            &ex.grader_dir(&ws.root),
            &pb,
        );
        for (&i, r) in again.iter().zip(results) {
            tests[i].duration += r.duration;
            tests[i].outcome = match r.outcome {
                Outcome::Passed => Outcome::Passed,
                Outcome::Failed { message } => Outcome::Failed {
                    message: format!("failed on run {run} of {runs}:\n{message}"),
                },
                Outcome::Crashed { message } => Outcome::Crashed {
                    message: format!("crashed on run {run} of {runs}:\n{message}"),
                },
                timed_out @ Outcome::TimedOut { .. } => timed_out,
            };
        }
    }
    pb.finish_and_clear();
    let status = if tests.iter().all(|t| t.outcome.passed()) {
        StageStatus::Passed
    } else {
        StageStatus::Failed
    };
    Ok(StageReport {
        stage,
        status,
        tests,
        duration: started.elapsed(),
        build_failure: None,
    })
}

/// Turns a build into a stage report; a failed build carries the compiler's messages and
/// advice that depends on where the errors are.
fn build_stage_report(
    ws: &Workspace,
    ex: &Exercise,
    built: &Built,
    stage: Stage,
    target: Target,
) -> StageReport {
    if built.ok {
        return StageReport {
            stage,
            status: StageStatus::Passed,
            tests: Vec::new(),
            duration: built.duration,
            build_failure: None,
        };
    }
    let crate_dir = match target {
        Target::Exercise => ex.exercise_dir(&ws.root),
        Target::Solution => ex.solution_dir(&ws.root),
    };
    let crate_dir = ws.rel(&crate_dir).to_path_buf();
    let grader_dir = ws.rel(&ex.grader_dir(&ws.root)).to_path_buf();
    let mut text = String::new();
    if built.timed_out {
        text.push_str(&format!(
            "the build did not finish within {} and was stopped.\n",
            ui::secs(built.duration)
        ));
    }
    let errors: Vec<_> = built.errors().collect();
    for d in errors.iter().take(3) {
        text.push_str(d.rendered.trim_end());
        text.push('\n');
    }
    if errors.len() > 3 {
        text.push_str(&format!("... and {} more errors\n", errors.len() - 3));
    }
    if errors.is_empty() && !built.cargo_errors.is_empty() {
        text.push_str(&built.cargo_errors.join("\n"));
        text.push('\n');
    }
    let in_learner = errors
        .iter()
        .any(|d| d.file.as_ref().is_some_and(|f| f.starts_with(&crate_dir)));
    let in_grader = errors
        .iter()
        .any(|d| d.file.as_ref().is_some_and(|f| f.starts_with(&grader_dir)));
    let hint = if in_learner {
        format!(
            "Your crate does not compile: the compiler's message above points at the line. \
             Fix it and run {} again.",
            ui::cmd(format!("cargo xtask check {}", ex.id()))
        )
    } else if in_grader {
        format!(
            "The hidden tests do not compile against your crate. Did you rename or change the \
             signature of an item the exercise gives (see the chapter's API section)? The tests \
             need the public API exactly as the stub declares it; the original stub is in {}.",
            ws.rel(&ex.pristine_dir(&ws.root)).display()
        )
    } else if built.timed_out {
        "Builds normally take under a few minutes; is the machine busy?".to_string()
    } else {
        "The build failed outside your crate; the message above says why.".to_string()
    };
    text.push_str(&hint);
    StageReport {
        stage,
        status: StageStatus::Failed,
        tests: Vec::new(),
        duration: built.duration,
        build_failure: Some(text),
    }
}

fn print_stage(report: &StageReport) {
    let (mark, detail) = match &report.status {
        StageStatus::Passed if report.tests.is_empty() => (ui::pass_mark(), "compiled".to_string()),
        StageStatus::Passed => (
            ui::pass_mark(),
            format!("{} of {} passed", report.passed_count(), report.tests.len()),
        ),
        StageStatus::Failed if report.tests.is_empty() => {
            (ui::fail_mark(), ui::red("does not compile").to_string())
        }
        StageStatus::Failed => (
            ui::fail_mark(),
            ui::red(format!(
                "{} of {} passed",
                report.passed_count(),
                report.tests.len()
            )),
        ),
        StageStatus::Skipped(why) => (ui::skip_mark(), ui::dim(format!("skipped: {why}"))),
    };
    let time = if report.duration.is_zero() {
        String::new()
    } else {
        ui::dim(ui::secs(report.duration))
    };
    let pad = 30usize.saturating_sub(console::measure_text_width(&detail));
    println!(
        "  {mark} {:<12} {detail}{} {time}",
        report.stage.name(),
        " ".repeat(pad)
    );
}

/// The first failure and the next step.
pub fn print_outcome(ws: &Workspace, ex: &Exercise, report: &CheckReport) {
    println!();
    if report.passed() {
        match report.target {
            Target::Exercise => {
                println!("{} every stage passed.", ui::green(ui::bold("Well done:")));
                let next = ws
                    .catalogue
                    .exercises
                    .iter()
                    .skip_while(|e| e.id() != report.exercise)
                    .nth(1);
                println!(
                    "Next: see how fast it is with {}{}",
                    ui::cmd(format!("cargo xtask bench {}", ex.id())),
                    match next {
                        Some(n) => format!(", then go on to {}.", ui::bold(n.id())),
                        None => ".".to_string(),
                    }
                );
            }
            Target::Solution => println!(
                "{} the reference solution passes every stage.",
                ui::green("OK:")
            ),
        }
        return;
    }
    if let Some(stage) = report
        .stages
        .iter()
        .find(|s| s.status == StageStatus::Failed && s.build_failure.is_some())
    {
        println!(
            "{} the {} stage failed:",
            ui::red(ui::bold("First failure:")),
            stage.stage.name()
        );
        println!(
            "{}",
            ui::indent(stage.build_failure.as_deref().unwrap_or_default(), 2)
        );
    } else if let Some((stage, test)) = report.first_failure() {
        println!(
            "{} {} › {} {}",
            ui::red(ui::bold("First failure:")),
            stage.stage.name(),
            ui::bold(&test.name),
            if test.duration.as_secs() >= 1 {
                ui::dim(format!("(after {})", ui::secs(test.duration)))
            } else {
                String::new()
            }
        );
        println!("{}", ui::indent(&test.outcome.message(), 2));
        let others: usize = report
            .stages
            .iter()
            .map(|s| s.tests.iter().filter(|t| !t.outcome.passed()).count())
            .sum::<usize>()
            - 1;
        if others > 0 {
            println!(
                "{}",
                ui::dim(format!("  ({others} more failing test(s) not shown)"))
            );
        }
        if let Outcome::TimedOut { .. } = test.outcome {
            println!(
                "  {}",
                ui::dim(
                    "Each test runs in its own process and is killed at its timeout, so a hang never blocks the check."
                )
            );
        }
    }
    println!();
    if report.target == Target::Exercise {
        let state = State::load(ws);
        let shown = state.hints_shown(ex.id());
        let total = ex.hints().len();
        let hint = if shown < total {
            format!(
                "Stuck? {} shows hint {} of {}.",
                ui::cmd(format!("cargo xtask hint {}", ex.id())),
                shown + 1,
                total
            )
        } else {
            format!(
                "You have seen all {total} hints ({} shows them again).",
                ui::cmd(format!("cargo xtask hint {} --all", ex.id()))
            )
        };
        println!(
            "Next: fix what the failure points at and run {} again (or {} to re-check on every save).\n{hint}\nThe chapter: {}",
            ui::cmd(format!("cargo xtask check {}", ex.id())),
            ui::cmd(format!("cargo xtask watch {}", ex.id())),
            ex.chapter.get_ref()
        );
    } else {
        println!(
            "The reference solution failed: this is a bug in the course kit, not in your code."
        );
    }
}
