//! `cargo xtask verify`: the maintainer's proof that the kit holds together.
//!
//! 1. The catalogue, the folders and the book agree (every exercise has all six parts).
//! 2. `cargo fmt --check` and `cargo clippy -D warnings` over every target and feature.
//! 3. The support crates' and the runner's own tests pass.
//! 4. For every exercise: the reference solution passes every stage (loom included), and
//!    the untouched stub fails *every* hidden test: a hidden test that passes on the stub
//!    cannot fail, and is reported by name.
//! 5. The book builds and its Rust snippets compile (`mdbook test`); its links resolve, it
//!    renders in headless Chromium with its figures, and its search works (see
//!    `bookcheck`).
//! 6. The labs build and each runs in quick mode (timings are printed, never judged).
//!
//! It ends with a `N passed, M failed` line and exits non-zero on any failure.

use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use anyhow::{Context, Result};

use crate::catalogue::Exercise;
use crate::check::{self, CheckOptions, Stage, StageStatus, Target};
use crate::reset::files_under;
use crate::ui;
use crate::workspace::Workspace;

struct Step {
    name: String,
    ok: bool,
}

struct Steps(Vec<Step>);

impl Steps {
    fn run(
        &mut self,
        name: impl Into<String>,
        f: impl FnOnce() -> Result<std::result::Result<(), String>>,
    ) {
        let name = name.into();
        let started = Instant::now();
        let (ok, detail) = match f() {
            Ok(Ok(())) => (true, String::new()),
            Ok(Err(detail)) => (false, detail),
            Err(e) => (false, format!("{e:#}")),
        };
        let duration = started.elapsed();
        println!(
            "{} {name} {}",
            if ok { ui::pass_mark() } else { ui::fail_mark() },
            ui::dim(ui::secs(duration))
        );
        if !ok {
            println!("{}", ui::indent(&detail, 4));
        }
        self.0.push(Step { name, ok });
    }
}

pub fn run(ws: &Workspace, ids: &[String], no_loom: bool, no_book: bool) -> Result<ExitCode> {
    let started = Instant::now();
    let all = ids.is_empty();
    let exercises: Vec<&Exercise> = if all {
        ws.catalogue.exercises.iter().collect()
    } else {
        ids.iter()
            .map(|id| ws.catalogue.find(id))
            .collect::<Result<_>>()?
    };
    let mut steps = Steps(Vec::new());

    steps.run("the catalogue, the folders and the book agree", || {
        Ok(layout(ws))
    });
    if all {
        steps.run("cargo fmt --check", || {
            command_ok(
                ws.cargo()
                    .args(["fmt", "--all", "--", "--check", "--color", "never"]),
            )
        });
        steps.run(
            "cargo clippy (all targets, all features, -D warnings)",
            || {
                command_ok(ws.cargo().args([
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--all-features",
                    "--quiet",
                    "--",
                    "-D",
                    "warnings",
                ]))
            },
        );
        steps.run("support crates' and runner's own tests", || {
            command_ok(ws.cargo().args([
                "test",
                "--quiet",
                "--package",
                "course-sync",
                "--package",
                "course-testkit",
                "--package",
                "course-itch",
                "--package",
                "xtask",
            ]))
        });
        steps.run("the labs build and each runs (quick mode)", || {
            crate::lab::quick_check(ws)
        });
    }
    for ex in &exercises {
        let opts = CheckOptions {
            target: Target::Solution,
            no_loom,
            verbose: false,
            ..CheckOptions::default()
        };
        steps.run(
            format!("{}: the solution passes every stage", ex.id()),
            || {
                let report = check::run(ws, ex, &opts)?;
                Ok(solution_verdict(ex, &report, no_loom))
            },
        );
        let opts = CheckOptions {
            target: Target::Exercise,
            ..opts
        };
        steps.run(
            format!("{}: the untouched stub fails every hidden test", ex.id()),
            || {
                let report = check::run(ws, ex, &opts)?;
                Ok(stub_verdict(ws, ex, &report, no_loom))
            },
        );
    }
    if !no_book && all {
        let mdbook = crate::book::ensure_mdbook(ws);
        let book = ws.root.join(&ws.catalogue.course.book);
        match mdbook {
            Ok(mdbook) => {
                steps.run("the book builds (mdbook build)", || {
                    command_ok(Command::new(&mdbook).arg("build").arg(&book))
                });
                steps.run(
                    "the book's Rust snippets compile and pass (mdbook test)",
                    || command_ok(Command::new(&mdbook).arg("test").arg(&book)),
                );
                steps.run("every internal link resolves (mdbook-linkcheck2)", || {
                    crate::bookcheck::links(ws, &mdbook)
                });
                steps.run(
                    "the book renders in headless Chromium, figures included (screenshot in target/book-check)",
                    || crate::bookcheck::renders(ws),
                );
                steps.run("the book's search finds \"Acquire\"", || {
                    crate::bookcheck::search(ws, "Acquire")
                });
            }
            Err(e) => steps.run("the book builds", || Err(e)),
        }
    }

    let passed = steps.0.iter().filter(|s| s.ok).count();
    let failed = steps.0.len() - passed;
    println!();
    if failed > 0 {
        println!("{}", ui::red(ui::bold("Failed:")));
        for s in steps.0.iter().filter(|s| !s.ok) {
            println!("  {} {}", ui::fail_mark(), s.name);
        }
    }
    println!(
        "verify: {passed} passed, {failed} failed ({})",
        ui::secs(started.elapsed())
    );
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Runs a command quietly; on failure, returns the tail of its output.
fn command_ok(cmd: &mut Command) -> Result<std::result::Result<(), String>> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {cmd:?}"))?;
    if out.status.success() {
        return Ok(Ok(()));
    }
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(60)..].join("\n");
    Ok(Err(format!("{} failed:\n{tail}", display_cmd(cmd))))
}

fn display_cmd(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

fn solution_verdict(
    ex: &Exercise,
    report: &check::CheckReport,
    no_loom: bool,
) -> std::result::Result<(), String> {
    let mut problems = Vec::new();
    for stage in &report.stages {
        match &stage.status {
            StageStatus::Passed => {}
            StageStatus::Skipped(why) => {
                let allowed = stage.stage == Stage::Loom && (no_loom || !ex.loom);
                if !allowed {
                    problems.push(format!("{} stage skipped: {why}", stage.stage.name()));
                }
            }
            StageStatus::Failed => {
                if let Some(b) = &stage.build_failure {
                    problems.push(format!(
                        "{} stage failed:\n{}",
                        stage.stage.name(),
                        ui::indent(b, 2)
                    ));
                }
                for t in stage.tests.iter().filter(|t| !t.outcome.passed()) {
                    problems.push(format!(
                        "{} › {} fails on the solution:\n{}",
                        stage.stage.name(),
                        t.name,
                        ui::indent(&t.outcome.message(), 2)
                    ));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

fn stub_verdict(
    ws: &Workspace,
    ex: &Exercise,
    report: &check::CheckReport,
    no_loom: bool,
) -> std::result::Result<(), String> {
    let mut problems = Vec::new();
    let grader = ws.rel(&ex.grader_dir(&ws.root)).display().to_string();
    for stage in &report.stages {
        match stage.stage {
            Stage::Build => {
                if stage.status != StageStatus::Passed {
                    problems.push(format!(
                        "the untouched stub does not compile:\n{}",
                        ui::indent(stage.build_failure.as_deref().unwrap_or_default(), 2)
                    ));
                }
            }
            Stage::Visible => {}
            Stage::Properties | Stage::Loom | Stage::Stress => {
                if stage.stage == Stage::Loom && (no_loom || !ex.loom) {
                    continue;
                }
                if let StageStatus::Skipped(why) = &stage.status {
                    problems.push(format!(
                        "{} stage skipped on the stub: {why}",
                        stage.stage.name()
                    ));
                }
                if let Some(b) = &stage.build_failure {
                    problems.push(format!(
                        "{} stage does not build for the stub:\n{}",
                        stage.stage.name(),
                        ui::indent(b, 2)
                    ));
                }
                for t in stage.tests.iter().filter(|t| t.outcome.passed()) {
                    problems.push(format!(
                        "{grader}/tests/{}.rs: `{}` passes on the untouched stub: a test that cannot fail",
                        stage.stage.name(),
                        t.name
                    ));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// The catalogue, the folders, the package names, the pristine stubs and the book agree.
/// Returns every disagreement found.
pub fn layout(ws: &Workspace) -> std::result::Result<(), String> {
    let mut problems = Vec::new();
    let root = &ws.root;
    let summary_path = root
        .join(&ws.catalogue.course.book)
        .join("src")
        .join("SUMMARY.md");
    let summary = std::fs::read_to_string(&summary_path).unwrap_or_default();
    if summary.is_empty() {
        problems.push(format!(
            "{} is missing or empty",
            ws.rel(&summary_path).display()
        ));
    }
    for ex in &ws.catalogue.exercises {
        let id = ex.id();
        let check_package =
            |dir: &Path, name: &str, lib: Option<&str>, problems: &mut Vec<String>| {
                let manifest = dir.join("Cargo.toml");
                let Ok(text) = std::fs::read_to_string(&manifest) else {
                    problems.push(format!("{id}: {} is missing", ws.rel(&manifest).display()));
                    return;
                };
                let Ok(value) = text.parse::<toml::Table>() else {
                    problems.push(format!(
                        "{id}: {} is not valid TOML",
                        ws.rel(&manifest).display()
                    ));
                    return;
                };
                let pkg = value
                    .get("package")
                    .and_then(|p| p.get("name"))
                    .and_then(|n| n.as_str());
                if pkg != Some(name) {
                    problems.push(format!(
                        "{id}: {} names the package {pkg:?}; the convention wants `{name}`",
                        ws.rel(&manifest).display()
                    ));
                }
                if let Some(lib) = lib {
                    let got = value
                        .get("lib")
                        .and_then(|l| l.get("name"))
                        .and_then(|n| n.as_str())
                        .map(str::to_string)
                        .unwrap_or_else(|| name.replace('-', "_"));
                    if got != lib {
                        problems.push(format!(
                            "{id}: {} has lib name `{got}`, expected `{lib}`",
                            ws.rel(&manifest).display()
                        ));
                    }
                }
            };
        let exercise_dir = ex.exercise_dir(root);
        let solution_dir = ex.solution_dir(root);
        let grader_dir = ex.grader_dir(root);
        check_package(
            &exercise_dir,
            &ex.package(),
            Some(&ex.lib_name()),
            &mut problems,
        );
        check_package(
            &solution_dir,
            &ex.solution_package(),
            Some(&format!("{}_solution", ex.lib_name())),
            &mut problems,
        );
        check_package(&grader_dir, &ex.grader_package(), None, &mut problems);
        for f in &ex.files {
            if !exercise_dir.join(f).is_file() {
                problems.push(format!(
                    "{id}: the learner file {f} listed in course.toml does not exist"
                ));
            }
        }
        if !exercise_dir.join("tests/visible.rs").is_file() {
            problems.push(format!(
                "{id}: no visible tests (exercises/{id}/tests/visible.rs)"
            ));
        }
        let mut needed = vec!["visible", "properties", "stress"];
        if ex.loom {
            needed.push("loom");
        }
        for t in needed {
            if !grader_dir.join("tests").join(format!("{t}.rs")).is_file() {
                problems.push(format!("{id}: no graders/{id}/tests/{t}.rs"));
            }
        }
        if !ex.loom && grader_dir.join("tests/loom.rs").is_file() {
            problems.push(format!(
                "{id}: graders/{id}/tests/loom.rs exists but course.toml says `loom = false`"
            ));
        }
        let has_bench = std::fs::read_dir(grader_dir.join("benches"))
            .map(|d| {
                d.flatten()
                    .any(|e| e.path().extension().is_some_and(|x| x == "rs"))
            })
            .unwrap_or(false);
        if !has_bench {
            problems.push(format!("{id}: no benches in graders/{id}/benches/"));
        }
        let chapter = root.join(ex.chapter.get_ref());
        if !chapter.is_file() {
            problems.push(format!(
                "{id}: the chapter {} does not exist",
                ex.chapter.get_ref()
            ));
        }
        if !summary.contains(&format!("(exercises/{id}.md)")) {
            problems.push(format!("{id}: SUMMARY.md does not link exercises/{id}.md"));
        }
        // The pristine copy of the stub must be the stub.
        let pristine = ex.pristine_dir(root);
        match (files_under(&pristine), files_under(&exercise_dir)) {
            (Ok(p), Ok(e)) => {
                let rel = |base: &Path, v: &[std::path::PathBuf]| -> Vec<std::path::PathBuf> {
                    v.iter()
                        .map(|f| f.strip_prefix(base).unwrap().to_path_buf())
                        .collect()
                };
                let (p, e) = (rel(&pristine, &p), rel(&exercise_dir, &e));
                for f in p.iter().chain(e.iter()) {
                    let (a, b) = (pristine.join(f), exercise_dir.join(f));
                    let same = std::fs::read(&a)
                        .ok()
                        .zip(std::fs::read(&b).ok())
                        .is_some_and(|(x, y)| x == y);
                    if !same {
                        problems.push(format!(
                            "{id}: {} and its pristine copy {} differ; after editing the stub, run: cp {} {}",
                            ws.rel(&b).display(),
                            ws.rel(&a).display(),
                            ws.rel(&b).display(),
                            ws.rel(&a).display()
                        ));
                        break;
                    }
                }
            }
            _ => problems.push(format!(
                "{id}: no pristine copy of the stub in graders/{id}/stub/"
            )),
        }
    }
    // Every folder is in the catalogue.
    for kind in ["exercises", "solutions", "graders"] {
        if let Ok(entries) = std::fs::read_dir(root.join(kind)) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if e.path().is_dir() && !ws.catalogue.exercises.iter().any(|x| x.id() == name) {
                    problems.push(format!("{kind}/{name} is not in course.toml"));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}
