//! The grade report of `cargo xtask grade` and its five renderings.
//!
//! One grading run produces one [`GradeReport`]; every format is rendered from it, so the
//! JSON, the JUnit XML, the Markdown summary and the Classroom result always agree.
//!
//! # JSON (`--format json`), format `course-grade`, version 1
//!
//! The schema is `xtask/schemas/grade-report.v1.schema.json` (JSON Schema 2020-12). A
//! consumer checks `format == "course-grade"` and `version == 1`; fields may be added
//! within a version, never removed or changed in meaning.
//!
//! ```text
//! { format, version, course, generated_at (RFC 3339, UTC), runner,
//!   settings: { repeat, loom, release },
//!   integrity: { mode: "reference" | "manifest" | "none", source,
//!                differences: [ { path, change: "modified" | "added" | "removed",
//!                                 scope: "course" | "exercise", exercise } ] },
//!   score, max_score, duration_ms,
//!   exercises: [ { id, title, tier,
//!                  status: "passed" | "partial" | "failed" | "untouched" | "tampered" | "error",
//!                  score, max_score, reason, duration_ms,
//!                  stages: [ { stage: "build" | "visible" | "properties" | "loom" | "stress",
//!                              status: "passed" | "failed" | "skipped" | "not_run",
//!                              points, max, graded, runs, duration_ms, reason, message,
//!                              tests: [ { name, status: "passed" | "failed" | "timed_out" | "crashed",
//!                                         duration_ms, message } ] } ] } ] }
//! ```
//!
//! `max` is the catalogue's points for the stage; `graded` is false when the stage was
//! left out (`--no-loom`), and then its points count in neither `score` nor `max_score`.
//! Absent values are `null`, never missing keys.
//!
//! # The other formats
//!
//! - `junit`: Ant-style JUnit XML, valid against the widely used schema
//!   (windyroad/JUnit-Schema, vendored in `xtask/tests/data/JUnit.xsd`): one `<testsuite>`
//!   per exercise and stage, one `<testcase>` per test; a failure carries the test's
//!   message; points are `<property>`s of the suite.
//! - `markdown`: a table for `$GITHUB_STEP_SUMMARY`, then the tampering found and the
//!   failing tests with their messages in `<details>`.
//! - `classroom`: GitHub Classroom's autograding result (`{version: 1, status, max_score,
//!   tests: [{name, status, score, message, test_code, filename, line_no, duration}]}`),
//!   one test per graded stage of each exercise, `score` = the stage's points earned.
//! - `human`: the same as the Markdown, for a terminal.

use std::fmt::Write as _;

use serde::Serialize;

use crate::manifest::Difference;

pub const REPORT_FORMAT: &str = "course-grade";
pub const REPORT_VERSION: u32 = 1;

/// Longest message kept per test or stage in the Markdown, Classroom and human formats
/// (GitHub caps a step summary at 1 MiB and a step output at 1 MB).
const SHORT_MESSAGE_LINES: usize = 30;
const SHORT_MESSAGE_CHARS: usize = 3000;

#[derive(Debug, Clone, Serialize)]
pub struct GradeReport {
    pub format: &'static str,
    pub version: u32,
    pub course: String,
    pub generated_at: String,
    pub runner: String,
    pub settings: Settings,
    pub integrity: Integrity,
    pub score: u32,
    pub max_score: u32,
    pub duration_ms: u64,
    pub exercises: Vec<ExerciseGrade>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    /// Runs of each stress test; a test passes only if every run passes.
    pub repeat: u32,
    /// Whether the loom stage was graded.
    pub loom: bool,
    /// Whether tests were built with optimisations.
    pub release: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IntegrityMode {
    /// Graders, support and runner taken from a pristine reference and compared with the
    /// submission's.
    Reference,
    /// The protected files checked against `MANIFEST.sha256`.
    Manifest,
    /// Not checked.
    None,
}

#[derive(Debug, Clone, Serialize)]
pub struct Integrity {
    pub mode: IntegrityMode,
    /// The reference or the manifest, in words.
    pub source: Option<String>,
    pub differences: Vec<Difference>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExerciseStatus {
    Passed,
    Partial,
    Failed,
    Untouched,
    Tampered,
    Error,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExerciseGrade {
    pub id: String,
    pub title: String,
    pub tier: String,
    pub status: ExerciseStatus,
    pub score: u32,
    pub max_score: u32,
    /// Why the exercise was not run (untouched, tampered, error).
    pub reason: Option<String>,
    pub duration_ms: u64,
    pub stages: Vec<StageGrade>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StageGradeStatus {
    Passed,
    Failed,
    Skipped,
    NotRun,
}

#[derive(Debug, Clone, Serialize)]
pub struct StageGrade {
    pub stage: &'static str,
    pub status: StageGradeStatus,
    pub points: u32,
    pub max: u32,
    pub graded: bool,
    pub runs: u32,
    pub duration_ms: u64,
    /// Why the stage was skipped or not run.
    pub reason: Option<String>,
    /// A failed build's compiler output.
    pub message: Option<String>,
    pub tests: Vec<TestGrade>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TestStatus {
    Passed,
    Failed,
    TimedOut,
    Crashed,
}

#[derive(Debug, Clone, Serialize)]
pub struct TestGrade {
    pub name: String,
    pub status: TestStatus,
    pub duration_ms: u64,
    pub message: Option<String>,
}

impl GradeReport {
    pub fn tampered(&self) -> bool {
        !self.integrity.differences.is_empty()
    }
}

impl ExerciseGrade {
    fn graded_stages(&self) -> impl Iterator<Item = &StageGrade> {
        self.stages.iter().filter(|s| s.graded && s.max > 0)
    }
}

/// Removes terminal colour codes and the characters XML cannot hold.
pub fn clean(text: &str) -> String {
    console::strip_ansi_codes(text)
        .chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if (c as u32) < 0x20 || c == '\u{7f}' || c == '\u{fffe}' || c == '\u{ffff}' => {
                '\u{fffd}'
            }
            c => c,
        })
        .collect()
}

/// At most `SHORT_MESSAGE_LINES` lines and `SHORT_MESSAGE_CHARS` characters.
fn short(text: &str) -> String {
    let mut out = String::new();
    let lines: Vec<&str> = text.lines().collect();
    for l in lines.iter().take(SHORT_MESSAGE_LINES) {
        if out.len() + l.len() > SHORT_MESSAGE_CHARS {
            out.push_str("...\n");
            break;
        }
        out.push_str(l);
        out.push('\n');
    }
    if lines.len() > SHORT_MESSAGE_LINES {
        let _ = writeln!(
            out,
            "... ({} more lines)",
            lines.len() - SHORT_MESSAGE_LINES
        );
    }
    out.trim_end().to_string()
}

fn first_line(text: &str) -> String {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut s: String = line.trim().chars().take(200).collect();
    if line.trim().chars().count() > 200 {
        s.push('…');
    }
    s
}

fn stage_cell(s: &StageGrade) -> String {
    match s.status {
        StageGradeStatus::Passed if s.max == 0 => "✅".into(),
        StageGradeStatus::Passed => format!("✅ {}/{}", s.points, s.max),
        StageGradeStatus::Failed if s.max == 0 || !s.graded => "❌".into(),
        StageGradeStatus::Failed => format!("❌ 0/{}", s.max),
        StageGradeStatus::Skipped | StageGradeStatus::NotRun if !s.graded || s.max == 0 => {
            "—".into()
        }
        StageGradeStatus::Skipped | StageGradeStatus::NotRun => format!("– 0/{}", s.max),
    }
}

fn integrity_sentence(r: &GradeReport) -> String {
    let i = &r.integrity;
    let n = i.differences.len();
    match i.mode {
        IntegrityMode::None => {
            "not checked (no `--reference`, `--submission` or MANIFEST.sha256)".into()
        }
        IntegrityMode::Manifest | IntegrityMode::Reference => {
            let what = if i.mode == IntegrityMode::Manifest {
                "checked against"
            } else {
                "graders, support and runner taken from"
            };
            let found = if n == 0 {
                "no protected file differs".to_string()
            } else {
                format!("{n} protected file(s) differ")
            };
            format!(
                "{what} {}: {found}",
                i.source.as_deref().unwrap_or("the reference")
            )
        }
    }
}

fn difference_scope(d: &Difference) -> String {
    match &d.scope {
        crate::manifest::Scope::Course => "every exercise".into(),
        crate::manifest::Scope::Exercise(id) => id.clone(),
    }
}

/// A code fence longer than any run of backticks in `text`.
fn fence(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat((longest + 1).max(3))
}

fn md_cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// `--format markdown`: for `$GITHUB_STEP_SUMMARY`.
pub fn markdown(r: &GradeReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## Grade: {} / {} points\n", r.score, r.max_score);
    let _ = writeln!(
        out,
        "{} · {} exercise(s) · integrity: {} · stress runs: {} · loom: {}\n",
        md_cell(&r.course),
        r.exercises.len(),
        md_cell(&integrity_sentence(r)),
        r.settings.repeat,
        if r.settings.loom {
            "graded"
        } else {
            "not graded"
        }
    );
    if r.tampered() {
        let _ = writeln!(
            out,
            "> [!CAUTION]\n> Protected files differ from the pristine course. The exercises they affect score 0.\n"
        );
        let _ = writeln!(out, "| File | Change | Affects |\n|---|---|---|");
        for d in &r.integrity.differences {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} |",
                md_cell(&d.path),
                d.change.as_str(),
                md_cell(&difference_scope(d))
            );
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "| Exercise | Score | Build | Visible | Properties | Loom | Stress |\n|---|--:|:-:|:-:|:-:|:-:|:-:|"
    );
    for e in &r.exercises {
        let cell = |name: &str| {
            e.stages
                .iter()
                .find(|s| s.stage == name)
                .map(stage_cell)
                .unwrap_or_else(|| "—".into())
        };
        let score = if e.status == ExerciseStatus::Passed {
            format!("**{} / {}**", e.score, e.max_score)
        } else {
            format!("{} / {}", e.score, e.max_score)
        };
        if let Some(reason) = &e.reason {
            let _ = writeln!(
                out,
                "| {} | {score} | {} | | | | |",
                e.id,
                md_cell(&first_line(reason))
            );
        } else {
            let _ = writeln!(
                out,
                "| {} | {score} | {} | {} | {} | {} | {} |",
                e.id,
                cell("build"),
                cell("visible"),
                cell("properties"),
                cell("loom"),
                cell("stress")
            );
        }
    }
    let failing: Vec<&ExerciseGrade> = r
        .exercises
        .iter()
        .filter(|e| {
            e.stages.iter().any(|s| {
                s.message.is_some() || s.tests.iter().any(|t| t.status != TestStatus::Passed)
            })
        })
        .collect();
    if !failing.is_empty() {
        let _ = writeln!(out, "\n### Failures\n");
        for e in failing {
            let count: usize = e
                .stages
                .iter()
                .map(|s| {
                    s.tests
                        .iter()
                        .filter(|t| t.status != TestStatus::Passed)
                        .count()
                        + usize::from(s.message.is_some())
                })
                .sum();
            let _ = writeln!(
                out,
                "<details><summary><b>{}</b>: {count} failure(s)</summary>\n",
                e.id
            );
            for s in &e.stages {
                if let Some(m) = &s.message {
                    let m = short(m);
                    let f = fence(&m);
                    let _ = writeln!(
                        out,
                        "- **{}**: does not build\n\n{f}text\n{m}\n{f}\n",
                        s.stage
                    );
                }
                for t in s.tests.iter().filter(|t| t.status != TestStatus::Passed) {
                    let m = short(t.message.as_deref().unwrap_or(""));
                    let f = fence(&m);
                    let _ = writeln!(
                        out,
                        "- **{}** › `{}` ({})\n\n{f}text\n{m}\n{f}\n",
                        s.stage,
                        t.name.replace('`', "'"),
                        status_word(t.status)
                    );
                }
            }
            let _ = writeln!(out, "</details>\n");
        }
    }
    let _ = writeln!(
        out,
        "\n<sub>Graded by `cargo xtask grade` ({}) at {}. Reproduce one exercise with `cargo xtask check <id>`.</sub>",
        r.runner, r.generated_at
    );
    out
}

fn status_word(s: TestStatus) -> &'static str {
    match s {
        TestStatus::Passed => "passed",
        TestStatus::Failed => "failed",
        TestStatus::TimedOut => "timed out",
        TestStatus::Crashed => "crashed",
    }
}

/// `--format human`: the terminal report.
pub fn human(r: &GradeReport) -> String {
    use crate::ui;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} / {} points  {}",
        ui::bold("Grade:"),
        r.score,
        r.max_score,
        ui::dim(format!(
            "({} exercise(s), {})",
            r.exercises.len(),
            ui::secs(std::time::Duration::from_millis(r.duration_ms))
        ))
    );
    let _ = writeln!(
        out,
        "{}",
        ui::dim(format!("integrity: {}", integrity_sentence(r)))
    );
    if r.tampered() {
        let _ = writeln!(
            out,
            "\n{} protected files differ from the pristine course; the exercises they affect score 0:",
            ui::red(ui::bold("Tampering:"))
        );
        for d in &r.integrity.differences {
            let _ = writeln!(
                out,
                "  {} {} ({}; affects {})",
                ui::fail_mark(),
                d.path,
                d.change.as_str(),
                difference_scope(d)
            );
        }
    }
    out.push('\n');
    let width = r.exercises.iter().map(|e| e.id.len()).max().unwrap_or(0);
    for e in &r.exercises {
        let mark = match e.status {
            ExerciseStatus::Passed => ui::pass_mark(),
            ExerciseStatus::Partial => ui::yellow("◐"),
            ExerciseStatus::Untouched => ui::todo_mark(),
            _ => ui::fail_mark(),
        };
        let detail = match &e.reason {
            Some(reason) => ui::dim(first_line(reason)),
            None => e
                .stages
                .iter()
                .filter(|s| s.max > 0 || s.stage == "build")
                .map(|s| {
                    let m = match s.status {
                        StageGradeStatus::Passed => "✓",
                        StageGradeStatus::Failed => "✗",
                        _ => "–",
                    };
                    if s.max == 0 {
                        format!("{} {m}", s.stage)
                    } else if !s.graded {
                        format!("{} not graded", s.stage)
                    } else {
                        format!("{} {}/{} {m}", s.stage, s.points, s.max)
                    }
                })
                .collect::<Vec<_>>()
                .join(" · "),
        };
        let _ = writeln!(
            out,
            "  {mark} {:<width$}  {:>3}/{:<3} {detail}",
            e.id, e.score, e.max_score
        );
    }
    let mut first = true;
    for e in &r.exercises {
        for s in &e.stages {
            let failures: Vec<(String, String)> = s
                .message
                .iter()
                .map(|m| {
                    (
                        format!("{} › {} (does not build)", e.id, s.stage),
                        m.clone(),
                    )
                })
                .chain(
                    s.tests
                        .iter()
                        .filter(|t| t.status != TestStatus::Passed)
                        .map(|t| {
                            (
                                format!(
                                    "{} › {} › {} ({})",
                                    e.id,
                                    s.stage,
                                    t.name,
                                    status_word(t.status)
                                ),
                                t.message.clone().unwrap_or_default(),
                            )
                        }),
                )
                .collect();
            for (title, message) in failures {
                if first {
                    let _ = writeln!(out, "\n{}", ui::bold("Failures:"));
                    first = false;
                }
                let _ = writeln!(out, "  {}", ui::red(title));
                let m = short(&message);
                if !m.is_empty() {
                    let _ = writeln!(out, "{}", ui::indent(&m, 4));
                }
            }
        }
    }
    out
}

/// `--format json`.
pub fn json(r: &GradeReport) -> String {
    serde_json::to_string_pretty(r).expect("the report serialises") + "\n"
}

fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in clean(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// An `xs:token`: no line breaks, tabs, or runs of spaces, not empty.
fn token(text: &str) -> String {
    let t = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.is_empty() {
        "unnamed".into()
    } else {
        xml(&t)
    }
}

fn secs(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// One `<testcase>` of the JUnit report.
struct Case {
    name: String,
    time_ms: u64,
    /// (element, type, message, body)
    outcome: Option<(&'static str, &'static str, String, String)>,
}

/// `--format junit`.
pub fn junit(r: &GradeReport, hostname: &str) -> String {
    let timestamp = r.generated_at.trim_end_matches('Z').to_string();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    let mut id = 0;
    for e in &r.exercises {
        for s in &e.stages {
            let suite = format!("{}.{}", e.id, s.stage);
            let mut cases = Vec::new();
            match s.status {
                StageGradeStatus::NotRun => {
                    let reason = e.reason.clone().or(s.reason.clone()).unwrap_or_default();
                    let outcome = match e.status {
                        ExerciseStatus::Tampered => {
                            ("failure", "tampered", first_line(&reason), reason)
                        }
                        ExerciseStatus::Error => ("error", "error", first_line(&reason), reason),
                        _ => ("skipped", "", first_line(&reason), String::new()),
                    };
                    cases.push(Case {
                        name: s.stage.into(),
                        time_ms: 0,
                        outcome: Some(outcome),
                    });
                }
                StageGradeStatus::Skipped => cases.push(Case {
                    name: s.stage.into(),
                    time_ms: 0,
                    outcome: Some((
                        "skipped",
                        "",
                        s.reason.clone().unwrap_or_default(),
                        String::new(),
                    )),
                }),
                StageGradeStatus::Passed | StageGradeStatus::Failed => {
                    if let Some(m) = &s.message {
                        cases.push(Case {
                            name: format!("{} build", s.stage),
                            time_ms: s.duration_ms,
                            outcome: Some((
                                "failure",
                                "build",
                                "does not compile".into(),
                                m.clone(),
                            )),
                        });
                    } else if s.tests.is_empty() {
                        cases.push(Case {
                            name: s.stage.into(),
                            time_ms: s.duration_ms,
                            outcome: None,
                        });
                    }
                    for t in &s.tests {
                        let m = t.message.clone().unwrap_or_default();
                        let outcome = match t.status {
                            TestStatus::Passed => None,
                            TestStatus::Failed => Some(("failure", "failed", first_line(&m), m)),
                            TestStatus::TimedOut => Some(("failure", "timeout", first_line(&m), m)),
                            TestStatus::Crashed => Some(("error", "crash", first_line(&m), m)),
                        };
                        cases.push(Case {
                            name: t.name.clone(),
                            time_ms: t.duration_ms,
                            outcome,
                        });
                    }
                }
            }
            let count = |kind: &str| {
                cases
                    .iter()
                    .filter(|c| c.outcome.as_ref().is_some_and(|o| o.0 == kind))
                    .count()
            };
            let _ = writeln!(
                out,
                "  <testsuite name=\"{}\" package=\"{}\" id=\"{id}\" timestamp=\"{timestamp}\" hostname=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">",
                token(&suite),
                token(&e.id),
                token(hostname),
                cases.len(),
                count("failure"),
                count("error"),
                count("skipped"),
                secs(s.duration_ms)
            );
            id += 1;
            let _ = writeln!(out, "    <properties>");
            for (k, v) in [
                ("exercise", e.id.clone()),
                ("stage", s.stage.to_string()),
                ("points", s.points.to_string()),
                ("max_points", s.max.to_string()),
                ("graded", s.graded.to_string()),
                ("runs", s.runs.to_string()),
            ] {
                let _ = writeln!(out, "      <property name=\"{k}\" value=\"{}\"/>", xml(&v));
            }
            let _ = writeln!(out, "    </properties>");
            for c in &cases {
                let open = format!(
                    "    <testcase name=\"{}\" classname=\"{}\" time=\"{}\"",
                    token(&c.name),
                    token(&suite),
                    secs(c.time_ms)
                );
                match &c.outcome {
                    None => {
                        let _ = writeln!(out, "{open}/>");
                    }
                    Some(("skipped", _, message, _)) => {
                        let _ = writeln!(
                            out,
                            "{open}>\n      <skipped message=\"{}\"/>\n    </testcase>",
                            xml(message)
                        );
                    }
                    Some((element, kind, message, body)) => {
                        let _ = writeln!(
                            out,
                            "{open}>\n      <{element} type=\"{kind}\" message=\"{}\">{}</{element}>\n    </testcase>",
                            xml(message),
                            xml(body)
                        );
                    }
                }
            }
            let _ = writeln!(out, "    <system-out/>\n    <system-err/>\n  </testsuite>");
        }
    }
    out.push_str("</testsuites>\n");
    out
}

#[derive(Serialize)]
struct ClassroomResult {
    version: u32,
    status: &'static str,
    max_score: u32,
    tests: Vec<ClassroomTest>,
}

#[derive(Serialize)]
struct ClassroomTest {
    name: String,
    status: &'static str,
    score: u32,
    message: String,
    test_code: String,
    filename: String,
    line_no: u32,
    duration: u64,
}

/// `--format classroom`: GitHub Classroom's autograding result, as
/// `classroom-resources/autograding-grading-reporter` reads it (base64-encoded in a
/// `<RUNNER>_RESULTS` variable). Its `Points X/Y` notice (the grade Classroom records) is
/// the sum of the tests' `score` over `max_score`, so one test per graded stage carries
/// that stage's points.
pub fn classroom(r: &GradeReport) -> String {
    let mut tests = Vec::new();
    for e in &r.exercises {
        for s in e.graded_stages() {
            let (status, message) = if let Some(reason) = &e.reason {
                let status = match e.status {
                    ExerciseStatus::Tampered | ExerciseStatus::Error => "error",
                    _ => "fail",
                };
                (status, short(reason))
            } else if s.status == StageGradeStatus::Passed {
                (
                    "pass",
                    format!(
                        "{} of {} test(s) passed: {}/{} points",
                        s.tests.len(),
                        s.tests.len(),
                        s.points,
                        s.max
                    ),
                )
            } else if let Some(m) = &s.message {
                ("fail", format!("does not build:\n{}", short(m)))
            } else if let Some(t) = s.tests.iter().find(|t| t.status != TestStatus::Passed) {
                let failing = s
                    .tests
                    .iter()
                    .filter(|t| t.status != TestStatus::Passed)
                    .count();
                (
                    "fail",
                    format!(
                        "{failing} of {} test(s) failed; first: {} ({})\n{}",
                        s.tests.len(),
                        t.name,
                        status_word(t.status),
                        short(t.message.as_deref().unwrap_or(""))
                    ),
                )
            } else {
                ("fail", s.reason.clone().unwrap_or_else(|| "not run".into()))
            };
            tests.push(ClassroomTest {
                name: format!("{} › {}", e.id, s.stage),
                status,
                score: s.points,
                message,
                test_code: format!("cargo xtask check {}", e.id),
                filename: String::new(),
                line_no: 0,
                duration: s.duration_ms,
            });
        }
    }
    let status = if tests.iter().any(|t| t.status == "fail") {
        "fail"
    } else if tests.iter().any(|t| t.status == "error") || r.tampered() {
        "error"
    } else {
        "pass"
    };
    let result = ClassroomResult {
        version: 1,
        status,
        max_score: r.max_score,
        tests,
    };
    serde_json::to_string_pretty(&result).expect("the result serialises") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{Change, Scope};

    fn sample() -> GradeReport {
        let stage = |stage: &'static str, status, points, max, tests: Vec<TestGrade>| StageGrade {
            stage,
            status,
            points,
            max,
            graded: true,
            runs: 1,
            duration_ms: 1234,
            reason: None,
            message: None,
            tests,
        };
        let pass = |name: &str| TestGrade {
            name: name.into(),
            status: TestStatus::Passed,
            duration_ms: 5,
            message: None,
        };
        GradeReport {
            format: REPORT_FORMAT,
            version: REPORT_VERSION,
            course: "C | D".into(),
            generated_at: "2026-12-01T15:30:12Z".into(),
            runner: "xtask 0.1.0".into(),
            settings: Settings {
                repeat: 1,
                loom: true,
                release: false,
            },
            integrity: Integrity {
                mode: IntegrityMode::Manifest,
                source: Some("MANIFEST.sha256".into()),
                differences: vec![Difference {
                    path: "graders/02-b/tests/stress.rs".into(),
                    change: Change::Modified,
                    scope: Scope::Exercise("02-b".into()),
                }],
            },
            score: 4,
            max_score: 8,
            duration_ms: 9000,
            exercises: vec![
                ExerciseGrade {
                    id: "01-a".into(),
                    title: "A".into(),
                    tier: "easy".into(),
                    status: ExerciseStatus::Partial,
                    score: 4,
                    max_score: 7,
                    reason: None,
                    duration_ms: 5000,
                    stages: vec![
                        stage("build", StageGradeStatus::Passed, 0, 0, vec![]),
                        stage(
                            "visible",
                            StageGradeStatus::Passed,
                            1,
                            1,
                            vec![pass("visible::x")],
                        ),
                        stage(
                            "properties",
                            StageGradeStatus::Passed,
                            3,
                            3,
                            vec![pass("p")],
                        ),
                        stage(
                            "stress",
                            StageGradeStatus::Failed,
                            0,
                            3,
                            vec![TestGrade {
                                name: "counts <exactly> & \"fast\"".into(),
                                status: TestStatus::TimedOut,
                                duration_ms: 3000,
                                message: Some("timed out\u{1b}[31m red \u{7} ```code```".into()),
                            }],
                        ),
                    ],
                },
                ExerciseGrade {
                    id: "02-b".into(),
                    title: "B".into(),
                    tier: "easy".into(),
                    status: ExerciseStatus::Tampered,
                    score: 0,
                    max_score: 1,
                    reason: Some("tampered: graders/02-b/tests/stress.rs (modified)".into()),
                    duration_ms: 0,
                    stages: vec![StageGrade {
                        status: StageGradeStatus::NotRun,
                        ..stage("visible", StageGradeStatus::NotRun, 0, 1, vec![])
                    }],
                },
            ],
        }
    }

    #[test]
    fn junit_escapes_and_counts() {
        let x = junit(&sample(), "host");
        assert!(
            x.contains("name=\"counts &lt;exactly&gt; &amp; &quot;fast&quot;\""),
            "{x}"
        );
        assert!(
            x.contains("<failure type=\"timeout\" message=\"timed out red \u{fffd} ```code```\">"),
            "{x}"
        );
        assert!(!x.contains('\u{1b}'));
        assert!(
            x.contains("tests=\"1\" failures=\"1\" errors=\"0\" skipped=\"0\" time=\"1.234\""),
            "{x}"
        );
        assert!(x.contains("<failure type=\"tampered\""), "{x}");
        assert!(x.contains("timestamp=\"2026-12-01T15:30:12\""), "{x}");
    }

    #[test]
    fn markdown_has_the_table_the_tampering_and_the_failures() {
        let m = markdown(&sample());
        assert!(m.starts_with("## Grade: 4 / 8 points"), "{m}");
        assert!(m.contains("C \\| D"), "{m}");
        assert!(
            m.contains("| `graders/02-b/tests/stress.rs` | modified | 02-b |"),
            "{m}"
        );
        assert!(
            m.contains("| 01-a | 4 / 7 | ✅ | ✅ 1/1 | ✅ 3/3 | — | ❌ 0/3 |"),
            "{m}"
        );
        // The message holds a triple backtick: the fence is longer.
        assert!(m.contains("````text\ntimed out"), "{m}");
    }

    #[test]
    fn classroom_scores_sum_to_the_grade() {
        let v: serde_json::Value = serde_json::from_str(&classroom(&sample())).unwrap();
        assert_eq!(v["version"], 1);
        assert_eq!(v["status"], "fail");
        assert_eq!(v["max_score"], 8);
        let tests = v["tests"].as_array().unwrap();
        let sum: u64 = tests.iter().map(|t| t["score"].as_u64().unwrap()).sum();
        assert_eq!(sum, 4);
        assert_eq!(tests[0]["name"], "01-a › visible");
        assert_eq!(tests[0]["line_no"], 0);
        assert_eq!(tests.last().unwrap()["status"], "error");
    }

    #[test]
    fn json_has_every_key_and_the_difference_scope() {
        let v: serde_json::Value = serde_json::from_str(&json(&sample())).unwrap();
        assert_eq!(v["format"], "course-grade");
        let d = &v["integrity"]["differences"][0];
        assert_eq!(d["scope"], "exercise");
        assert_eq!(d["exercise"], "02-b");
        assert_eq!(d["change"], "modified");
        assert!(v["exercises"][0]["reason"].is_null());
    }
}
