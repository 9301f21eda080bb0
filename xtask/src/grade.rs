//! `cargo xtask grade`: grades the learner's crates for an instructor, in CI or locally.
//!
//! It runs the same stages as `check` (build, visible, properties, loom, stress) on the
//! learner's crates, never the solutions, and scores each stage with the catalogue's
//! points: a stage earns its points when all its tests pass, so partial credit comes by
//! stage. The build earns nothing, and an exercise whose learner files are still the
//! pristine stub is not run at all and scores 0 ("untouched"). Every test runs in its own
//! process with the catalogue's timeout, so grading never hangs: a test that overruns is
//! killed and recorded as `timed_out` under its name.
//!
//! Anti-tamper (see `manifest.rs` for which files are protected):
//! - `--reference <DIR|REV>`: the graders, support crates, runner, catalogue and workspace
//!   files are taken from a pristine copy (a folder, or a git revision of this checkout)
//!   and only the learner files from the submission; the submission's protected files are
//!   compared with the reference's.
//! - `--submission <DIR>`: the same with this checkout as the reference: the instructor
//!   runs their own pristine runner on a student's checkout.
//! - otherwise, `MANIFEST.sha256` (written by `export`; or `--manifest FILE`) is checked.
//!
//! An exercise affected by a difference scores 0, with the changed files named; the
//! reports are written all the same, and the exit code is then 1.
//!
//! One run writes any number of formats: `--format` may repeat, and each format goes to
//! `--out FORMAT=FILE`, to `--out FILE` (when there is one format), to `--out-dir DIR`
//! (under a fixed name), or to standard output (at most one format). When no format goes
//! to standard output, the human report does.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::catalogue::{Catalogue, Exercise};
use crate::check::{self, CheckOptions, CheckReport, Stage, StageStatus, Target};
use crate::manifest::{self, Class, Difference, MANIFEST};
use crate::report::{
    self, ExerciseGrade, ExerciseStatus, GradeReport, Integrity, IntegrityMode, Settings,
    StageGrade, StageGradeStatus, TestGrade, TestStatus,
};
use crate::runner::Outcome;
use crate::ui;
use crate::workspace::Workspace;

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Junit,
    Markdown,
    Classroom,
}

impl Format {
    const ALL: [Format; 5] = [
        Format::Human,
        Format::Json,
        Format::Junit,
        Format::Markdown,
        Format::Classroom,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Junit => "junit",
            Format::Markdown => "markdown",
            Format::Classroom => "classroom",
        }
    }

    /// The file name under `--out-dir`.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Human => "grade.txt",
            Format::Json => "grade.json",
            Format::Junit => "junit.xml",
            Format::Markdown => "summary.md",
            Format::Classroom => "classroom.json",
        }
    }

    fn parse(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dest {
    Stdout,
    File(PathBuf),
}

/// `cargo xtask grade`'s options.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct GradeOptions {
    /// The exercises (default: all).
    pub ids: Vec<String>,
    /// Grades every exercise of the catalogue.
    #[arg(long)]
    pub all: bool,
    /// A report format; repeat it for several reports from the same run.
    #[arg(long = "format", value_enum)]
    pub formats: Vec<Format>,
    /// Where a report goes: `FILE` (with one format) or `FORMAT=FILE`; repeatable.
    #[arg(long = "out", value_name = "[FORMAT=]FILE")]
    pub outs: Vec<String>,
    /// Writes each format not given an `--out` into this folder (grade.json, junit.xml,
    /// summary.md, classroom.json, grade.txt).
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Leaves the loom stage out of the grade (its points count in neither the score nor
    /// the maximum).
    #[arg(long)]
    pub no_loom: bool,
    /// Builds the tests with optimisations.
    #[arg(long)]
    pub release: bool,
    /// Runs each stress test N times; it passes only if it passes every time.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub repeat: u32,
    /// Takes graders, support, runner and catalogue from this pristine copy (a folder or a
    /// git revision) and only the learner files from the checkout.
    #[arg(long, value_name = "DIR|REV")]
    pub reference: Option<String>,
    /// Grades the learner files of this checkout, with this course as the reference.
    #[arg(long, value_name = "DIR")]
    pub submission: Option<PathBuf>,
    /// The hash manifest to check (default: MANIFEST.sha256, when present).
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
}

/// Where each format goes. Checked before grading starts, so a typo costs nothing.
pub fn plan_outputs(
    formats: &[Format],
    outs: &[String],
    out_dir: Option<&Path>,
) -> Result<Vec<(Format, Dest)>> {
    let mut explicit: Vec<(Format, PathBuf)> = Vec::new();
    let mut bare: Vec<PathBuf> = Vec::new();
    for o in outs {
        match o
            .split_once('=')
            .and_then(|(f, p)| Some((Format::parse(f)?, p)))
        {
            Some((f, p)) if !p.is_empty() => {
                if explicit.iter().any(|(g, _)| *g == f) {
                    bail!("--out gives two files for the {} format", f.name());
                }
                explicit.push((f, PathBuf::from(p)));
            }
            _ => bare.push(PathBuf::from(o)),
        }
    }
    let mut all: Vec<Format> = Vec::new();
    for f in formats
        .iter()
        .copied()
        .chain(explicit.iter().map(|(f, _)| *f))
    {
        if !all.contains(&f) {
            all.push(f);
        }
    }
    if all.is_empty() {
        all.push(Format::Human);
    }
    let unassigned: Vec<Format> = all
        .iter()
        .copied()
        .filter(|f| !explicit.iter().any(|(g, _)| g == f))
        .collect();
    let mut plan: Vec<(Format, Dest)> = explicit
        .into_iter()
        .map(|(f, p)| (f, Dest::File(p)))
        .collect();
    match bare.as_slice() {
        [] => {}
        [file] if unassigned.len() == 1 => {
            plan.push((unassigned[0], Dest::File(file.clone())));
        }
        _ => bail!(
            "`--out FILE` names the file of the only format; with several formats, say which goes where \
             (`--out json=grade.json --out junit=junit.xml`) or use `--out-dir DIR`"
        ),
    }
    for f in unassigned {
        if plan.iter().any(|(g, _)| *g == f) {
            continue;
        }
        match out_dir {
            Some(dir) => plan.push((f, Dest::File(dir.join(f.file_name())))),
            None => plan.push((f, Dest::Stdout)),
        }
    }
    let to_stdout: Vec<&str> = plan
        .iter()
        .filter(|(_, d)| *d == Dest::Stdout)
        .map(|(f, _)| f.name())
        .collect();
    if to_stdout.len() > 1 {
        bail!(
            "only one format can go to standard output, and {} would; write the others with `--out FORMAT=FILE` or `--out-dir DIR`",
            to_stdout.join(" and ")
        );
    }
    // Keep the order in which formats were asked for.
    plan.sort_by_key(|(f, _)| all.iter().position(|g| g == f));
    Ok(plan)
}

/// Where grading happens and what the integrity check found.
struct Setup {
    /// The grading tree (reference + the submission's learner files), if not in place.
    tree: Option<Workspace>,
    integrity: Integrity,
}

pub fn run(ws: &Workspace, opts: &GradeOptions) -> Result<ExitCode> {
    let outputs = plan_outputs(&opts.formats, &opts.outs, opts.out_dir.as_deref())?;
    if opts.repeat == 0 {
        bail!("--repeat must be at least 1");
    }
    if opts.all && !opts.ids.is_empty() {
        bail!("give exercise ids or --all, not both");
    }
    let started = Instant::now();
    let setup = prepare(ws, opts)?;
    let gws = setup.tree.as_ref().unwrap_or(ws);
    let exercises: Vec<&Exercise> = if opts.ids.is_empty() {
        gws.catalogue.exercises.iter().collect()
    } else {
        opts.ids
            .iter()
            .map(|id| gws.catalogue.find(id))
            .collect::<Result<_>>()?
    };
    if exercises.is_empty() {
        bail!("the catalogue has no exercises to grade");
    }
    let differences = &setup.integrity.differences;
    if !differences.is_empty() {
        ui::warn(format!(
            "{} protected file(s) differ from the pristine course; the exercises they affect score 0",
            differences.len()
        ));
    }
    if setup.integrity.mode == IntegrityMode::None {
        ui::warn(
            "no anti-tamper check: give `--reference <DIR|REV>`, `--submission <DIR>`, or grade a copy made by `cargo xtask export` (it holds MANIFEST.sha256)",
        );
    }

    let copts = CheckOptions {
        target: Target::Exercise,
        no_loom: opts.no_loom,
        release: opts.release,
        verbose: false,
        repeat: opts.repeat,
        ..CheckOptions::default()
    };
    let mut grades = Vec::new();
    for ex in exercises {
        eprintln!("{} {}", ui::bold("Grading"), ex.id());
        let grade = grade_exercise(gws, ex, &copts, differences);
        eprintln!(
            "  {} {} {}/{} {}",
            match grade.status {
                ExerciseStatus::Passed => ui::pass_mark(),
                ExerciseStatus::Untouched => ui::todo_mark(),
                ExerciseStatus::Partial => ui::yellow("◐"),
                _ => ui::fail_mark(),
            },
            ex.id(),
            grade.score,
            grade.max_score,
            ui::dim(match grade.reason.as_deref() {
                Some(reason) => reason.lines().next().unwrap_or("").to_string(),
                None => status_name(grade.status).to_string(),
            })
        );
        grades.push(grade);
    }
    let report = GradeReport {
        format: report::REPORT_FORMAT,
        version: report::REPORT_VERSION,
        course: gws.catalogue.course.title.clone(),
        generated_at: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        runner: format!("xtask {}", env!("CARGO_PKG_VERSION")),
        settings: Settings {
            repeat: opts.repeat,
            loom: !opts.no_loom,
            release: opts.release,
        },
        integrity: setup.integrity,
        score: grades.iter().map(|g| g.score).sum(),
        max_score: grades.iter().map(|g| g.max_score).sum(),
        duration_ms: started.elapsed().as_millis() as u64,
        exercises: grades,
    };
    write_reports(&report, &outputs)?;
    let failed = report.tampered()
        || report
            .exercises
            .iter()
            .any(|e| e.status == ExerciseStatus::Error);
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn status_name(s: ExerciseStatus) -> &'static str {
    match s {
        ExerciseStatus::Passed => "passed",
        ExerciseStatus::Partial => "partial",
        ExerciseStatus::Failed => "failed",
        ExerciseStatus::Untouched => "untouched",
        ExerciseStatus::Tampered => "tampered",
        ExerciseStatus::Error => "error",
    }
}

fn render(report: &GradeReport, format: Format, to_file: bool) -> String {
    match format {
        Format::Human if to_file => console::strip_ansi_codes(&report::human(report)).into_owned(),
        Format::Human => report::human(report),
        Format::Json => report::json(report),
        Format::Junit => report::junit(report, &hostname()),
        Format::Markdown => report::markdown(report),
        Format::Classroom => report::classroom(report),
    }
}

fn write_reports(report: &GradeReport, outputs: &[(Format, Dest)]) -> Result<()> {
    let mut stdout_used = false;
    for (format, dest) in outputs {
        match dest {
            Dest::Stdout => {
                stdout_used = true;
                print!("{}", render(report, *format, false));
            }
            Dest::File(path) => {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent)
                        .with_context(|| format!("cannot create {}", parent.display()))?;
                }
                std::fs::write(path, render(report, *format, true))
                    .with_context(|| format!("cannot write {}", path.display()))?;
                eprintln!(
                    "{} wrote the {} report to {}",
                    ui::pass_mark(),
                    format.name(),
                    path.display()
                );
            }
        }
    }
    if !stdout_used {
        print!("{}", render(report, Format::Human, false));
    }
    Ok(())
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// Establishes the integrity mode, compares protected files, and builds the grading tree
/// when grading from a reference.
fn prepare(ws: &Workspace, opts: &GradeOptions) -> Result<Setup> {
    if opts.reference.is_none() && opts.submission.is_none() {
        let manifest = opts.manifest.clone().or_else(|| {
            let m = ws.root.join(MANIFEST);
            m.is_file().then_some(m)
        });
        let Some(manifest) = manifest else {
            return Ok(Setup {
                tree: None,
                integrity: Integrity {
                    mode: IntegrityMode::None,
                    source: None,
                    differences: Vec::new(),
                },
            });
        };
        let expected = manifest::read_manifest(&manifest)?;
        let found = manifest::protected_hashes(&ws.root, &ws.catalogue)?;
        return Ok(Setup {
            tree: None,
            integrity: Integrity {
                mode: IntegrityMode::Manifest,
                source: Some(ws.rel(&manifest).display().to_string()),
                differences: manifest::compare(&expected, &found, &ws.catalogue),
            },
        });
    }
    if opts.manifest.is_some() {
        bail!(
            "--manifest cannot be combined with --reference or --submission: the reference is the pristine copy"
        );
    }
    let submission = match &opts.submission {
        Some(s) => s
            .canonicalize()
            .with_context(|| format!("the submission {} does not exist", s.display()))?,
        None => ws.root.canonicalize()?,
    };
    // Scratch space for the grading tree and a materialised revision: in the runner's
    // state folder, not in the target folder (cargo records the sources of what it builds
    // relative to the target folder when they are inside it, and would then judge the
    // freshness of an in-place build by the tree's files). One grading at a time per
    // checkout.
    let scratch = ws.state_dir().join("grade");
    let (reference, source) = match &opts.reference {
        Some(r) if Path::new(r).is_dir() => {
            let dir = Path::new(r).canonicalize()?;
            let source = format!("the folder {}", dir.display());
            (dir, source)
        }
        Some(r) => {
            let (dir, commit) =
                manifest::checkout_revision(&ws.root, r, &scratch.join("reference"))?;
            (
                dir,
                format!("git revision {r} ({})", &commit[..12.min(commit.len())]),
            )
        }
        None => (
            ws.root.canonicalize()?,
            format!("this checkout ({})", ws.root.display()),
        ),
    };
    if reference == submission {
        bail!(
            "the reference and the submission are the same folder ({}); grade a student's checkout with `--submission DIR`, or give a pristine `--reference`",
            reference.display()
        );
    }
    if reference.join("solutions").is_dir() && submission.join(MANIFEST).is_file() {
        ui::warn(
            "the reference is a course repository and the submission a student copy: their graders' \
             manifests differ by construction. Grade a student copy against the export you gave out.",
        );
    }
    let cat = Catalogue::load(&reference)
        .with_context(|| format!("in the reference {}", reference.display()))?;
    let expected = manifest::protected_hashes(&reference, &cat)?;
    let found = manifest::protected_hashes(&submission, &cat)?;
    let differences = manifest::compare(&expected, &found, &cat);
    let tree = scratch.join("tree");
    sync_tree(&reference, &submission, &cat, &tree)?;
    // The grading tree builds into this checkout's target folder, so dependencies compiled
    // before are reused.
    let target = ws.target_dir();
    // SAFETY: the runner is single-threaded here (no thread has been started yet), so no
    // other thread can read the environment while it changes.
    unsafe { std::env::set_var("CARGO_TARGET_DIR", &target) };
    Ok(Setup {
        tree: Some(Workspace::open(&tree)?),
        integrity: Integrity {
            mode: IntegrityMode::Reference,
            source: Some(source),
            differences,
        },
    })
}

/// Makes `tree` hold the reference's files (all but the learner files) and the
/// submission's learner files, writing only what changed so cargo rebuilds only that.
fn sync_tree(reference: &Path, submission: &Path, cat: &Catalogue, tree: &Path) -> Result<()> {
    let book_build = format!("{}/build/", cat.course.book);
    let mut plan: BTreeMap<String, PathBuf> = BTreeMap::new();
    for rel in manifest::walk(reference)? {
        if rel.starts_with(&book_build)
            || matches!(manifest::classify(&rel, cat), Class::Learner(_))
        {
            continue;
        }
        plan.insert(rel.clone(), reference.join(&rel));
    }
    for ex in &cat.exercises {
        for f in ex.files.iter().filter_map(|f| manifest::learner_path(f)) {
            let rel = format!("exercises/{}/{f}", ex.id());
            let src = submission.join(&rel);
            // Only regular files: a link could point anywhere on the grading machine.
            if std::fs::symlink_metadata(&src).is_ok_and(|m| m.is_file()) {
                plan.insert(rel, src);
            }
        }
    }
    if tree.exists() {
        for rel in manifest::walk(tree)? {
            if !plan.contains_key(&rel) {
                std::fs::remove_file(tree.join(&rel))?;
            }
        }
    }
    for (rel, src) in &plan {
        let dst = tree.join(rel);
        let data = std::fs::read(src).with_context(|| format!("cannot read {}", src.display()))?;
        if std::fs::read(&dst).is_ok_and(|old| old == data) {
            continue;
        }
        std::fs::create_dir_all(dst.parent().expect("has a parent"))?;
        std::fs::write(&dst, &data).with_context(|| format!("cannot write {}", dst.display()))?;
    }
    Ok(())
}

/// Are the learner's files exactly the pristine stub's?
fn untouched(ws: &Workspace, ex: &Exercise) -> bool {
    let (mine, pristine) = (ex.exercise_dir(&ws.root), ex.pristine_dir(&ws.root));
    ex.files
        .iter()
        .filter_map(|f| manifest::learner_path(f))
        .all(|f| std::fs::read(mine.join(f)).ok() == std::fs::read(pristine.join(f)).ok())
}

const STAGES: [Stage; 5] = [
    Stage::Build,
    Stage::Visible,
    Stage::Properties,
    Stage::Loom,
    Stage::Stress,
];

fn stage_points(ex: &Exercise, stage: Stage) -> u32 {
    let p = ex.points();
    match stage {
        Stage::Build => 0,
        Stage::Visible => p.visible,
        Stage::Properties => p.properties,
        Stage::Loom => p.loom,
        Stage::Stress => p.stress,
    }
}

/// Is the stage part of the grade? Loom is not when it is switched off or absent.
fn stage_graded(ex: &Exercise, stage: Stage, no_loom: bool) -> bool {
    !(stage == Stage::Loom && (no_loom || !ex.loom))
}

fn grade_exercise(
    ws: &Workspace,
    ex: &Exercise,
    opts: &CheckOptions,
    differences: &[Difference],
) -> ExerciseGrade {
    let started = Instant::now();
    let max_score = STAGES
        .iter()
        .filter(|s| stage_graded(ex, **s, opts.no_loom))
        .map(|s| stage_points(ex, *s))
        .sum();
    let base = ExerciseGrade {
        id: ex.id().to_string(),
        title: ex.title.clone(),
        tier: ex.tier.get_ref().clone(),
        status: ExerciseStatus::Failed,
        score: 0,
        max_score,
        reason: None,
        duration_ms: 0,
        stages: Vec::new(),
    };
    let affecting: Vec<&Difference> = differences.iter().filter(|d| d.affects(ex.id())).collect();
    if !affecting.is_empty() {
        let files = affecting
            .iter()
            .map(|d| format!("{} ({})", d.path, d.change.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        return not_run(
            ex,
            base,
            ExerciseStatus::Tampered,
            format!("tampered: protected files differ from the pristine course: {files}"),
            opts.no_loom,
        );
    }
    if untouched(ws, ex) {
        let files = match ex.files.as_slice() {
            [one] => format!("{one} is"),
            many => format!("{} are", many.join(", ")),
        };
        return not_run(
            ex,
            base,
            ExerciseStatus::Untouched,
            format!("not attempted: {files} still the pristine stub"),
            opts.no_loom,
        );
    }
    let report = match check::run(ws, ex, opts) {
        Ok(r) => r,
        Err(e) => {
            return not_run(
                ex,
                base,
                ExerciseStatus::Error,
                format!("grading could not run: {e:#}"),
                opts.no_loom,
            );
        }
    };
    let mut grade = score(ex, base, &report, opts);
    grade.duration_ms = started.elapsed().as_millis() as u64;
    grade
}

/// An exercise that was not run: every stage `not_run` (loom `skipped` if the exercise
/// has none), 0 points, with the reason.
fn not_run(
    ex: &Exercise,
    mut base: ExerciseGrade,
    status: ExerciseStatus,
    reason: String,
    no_loom: bool,
) -> ExerciseGrade {
    base.stages = STAGES
        .iter()
        .map(|&stage| {
            let absent = stage == Stage::Loom && !ex.loom;
            StageGrade {
                stage: stage.name(),
                status: if absent {
                    StageGradeStatus::Skipped
                } else {
                    StageGradeStatus::NotRun
                },
                points: 0,
                max: stage_points(ex, stage),
                graded: stage_graded(ex, stage, no_loom),
                runs: 0,
                duration_ms: 0,
                reason: Some(if absent {
                    "this exercise has no loom model".to_string()
                } else {
                    reason.clone()
                }),
                message: None,
                tests: Vec::new(),
            }
        })
        .collect();
    base.status = status;
    base.reason = Some(reason);
    base
}

fn score(
    ex: &Exercise,
    mut base: ExerciseGrade,
    report: &CheckReport,
    opts: &CheckOptions,
) -> ExerciseGrade {
    for s in &report.stages {
        let max = stage_points(ex, s.stage);
        let graded = stage_graded(ex, s.stage, opts.no_loom);
        let (status, reason) = match &s.status {
            StageStatus::Passed => (StageGradeStatus::Passed, None),
            StageStatus::Failed => (StageGradeStatus::Failed, None),
            StageStatus::Skipped(why) => (StageGradeStatus::Skipped, Some(why.clone())),
        };
        let points = if graded && status == StageGradeStatus::Passed {
            max
        } else {
            0
        };
        base.score += points;
        base.stages.push(StageGrade {
            stage: s.stage.name(),
            status,
            points,
            max,
            graded,
            runs: if s.stage == Stage::Stress {
                opts.repeat.max(1)
            } else {
                1
            },
            duration_ms: s.duration.as_millis() as u64,
            reason,
            message: s.build_failure.as_deref().map(report::clean),
            tests: s
                .tests
                .iter()
                .map(|t| TestGrade {
                    name: t.name.clone(),
                    status: match t.outcome {
                        Outcome::Passed => TestStatus::Passed,
                        Outcome::Failed { .. } => TestStatus::Failed,
                        Outcome::TimedOut { .. } => TestStatus::TimedOut,
                        Outcome::Crashed { .. } => TestStatus::Crashed,
                    },
                    duration_ms: t.duration.as_millis() as u64,
                    message: (!t.outcome.passed()).then(|| report::clean(&t.outcome.message())),
                })
                .collect(),
        });
    }
    base.status = if base.max_score == 0 {
        if report.passed() {
            ExerciseStatus::Passed
        } else {
            ExerciseStatus::Failed
        }
    } else if base.score == base.max_score {
        ExerciseStatus::Passed
    } else if base.score > 0 {
        ExerciseStatus::Partial
    } else {
        ExerciseStatus::Failed
    };
    base
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(formats: &[Format], outs: &[&str], dir: Option<&str>) -> Result<Vec<(Format, Dest)>> {
        let outs: Vec<String> = outs.iter().map(|s| s.to_string()).collect();
        plan_outputs(formats, &outs, dir.map(Path::new))
    }

    fn file(p: &str) -> Dest {
        Dest::File(PathBuf::from(p))
    }

    #[test]
    fn one_format_goes_to_stdout_or_to_the_one_file() {
        assert_eq!(
            plan(&[], &[], None).unwrap(),
            vec![(Format::Human, Dest::Stdout)]
        );
        assert_eq!(
            plan(&[Format::Json], &["g.json"], None).unwrap(),
            vec![(Format::Json, file("g.json"))]
        );
    }

    #[test]
    fn several_formats_need_named_files_or_a_folder() {
        let p = plan(
            &[Format::Json, Format::Junit, Format::Markdown],
            &["junit=r/j.xml"],
            Some("out"),
        )
        .unwrap();
        assert_eq!(
            p,
            vec![
                (Format::Json, file("out/grade.json")),
                (Format::Junit, file("r/j.xml")),
                (Format::Markdown, file("out/summary.md")),
            ]
        );
        // `--out FORMAT=FILE` alone asks for the format.
        let p = plan(&[], &["classroom=c.json", "markdown=s.md"], None).unwrap();
        assert_eq!(
            p,
            vec![
                (Format::Classroom, file("c.json")),
                (Format::Markdown, file("s.md"))
            ]
        );
        let e = plan(&[Format::Json, Format::Junit], &[], None).unwrap_err();
        assert!(
            e.to_string()
                .contains("only one format can go to standard output"),
            "{e}"
        );
        let e = plan(&[Format::Json, Format::Junit], &["x"], None).unwrap_err();
        assert!(e.to_string().contains("say which goes where"), "{e}");
    }
}
