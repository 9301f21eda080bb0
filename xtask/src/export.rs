//! `cargo xtask export <dir> [--force] [--ci ...]`: the student starter repository.
//!
//! What goes in: the workspace files, the catalogue, the book, the support crates, the
//! runner (without its own integration tests), the graders, and each exercise as its
//! pristine stub (copied from `graders/<id>/stub/`, never from `exercises/`, where an
//! instructor may have been working). What stays out: `solutions/`, `.ci/` (the
//! maintainers' CI), the course's own `.github/`, anything else at the top level.
//!
//! What is rewritten so that the copy builds without solutions:
//! - the workspace `Cargo.toml`: `solutions/*` leaves `members` and `default-members`,
//!   and the workspace lints learn that `feature = "solution"` and `"reference"` may
//!   appear in `cfg`s (the graders keep that code; it is compiled out);
//! - each grader's `Cargo.toml`: the `*-solution` dependency and the `solution` and
//!   `reference` features go;
//! - the book: passages between `<!-- solution -->` and `<!-- /solution -->` lines go,
//!   and an `{{#include}}` of a file in `solutions/` stops the export;
//! - `README.md`: a student README (what to edit, how to check, how grading works);
//! - `xtask/templates/solution/src/lib.rs`: the scaffold's worked solution becomes a
//!   placeholder (`new` runs in the course repository, not in a student copy);
//! - `Cargo.lock`: re-resolved without the solution packages (same versions otherwise).
//!
//! Then come the CI templates (`--ci`, default `github` and `gitlab`) and, last,
//! `MANIFEST.sha256`, the hashes of every protected file (see `manifest.rs`).
//!
//! Before anything is written, every exported text file is searched for lines of the
//! reference solutions that appear nowhere in the stubs, graders or support crates; one
//! such line stops the export, naming both places.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};

use anyhow::{Context, Result, bail};
use toml_edit::{Array, DocumentMut, InlineTable, Item, Value};

use crate::catalogue::{Catalogue, Exercise};
use crate::manifest::{self, MANIFEST};
use crate::ui;
use crate::workspace::Workspace;

/// Which CI configuration the export carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Ci {
    /// `.github/workflows/grade.yml`: grades on push and pull request; Markdown summary,
    /// JSON and JUnit reports as artifacts.
    Github,
    /// `.github/workflows/classroom.yml`: the same grading, reported to GitHub Classroom
    /// through its standard reporter action.
    Classroom,
    /// `.gitlab-ci.yml`: grades in GitLab CI; JUnit shown in merge requests.
    Gitlab,
    /// No CI files.
    None,
}

const GITHUB_WORKFLOW: &str = include_str!("../templates/ci/github.yml");
const CLASSROOM_WORKFLOW: &str = include_str!("../templates/ci/classroom.yml");
const GITLAB_CI: &str = include_str!("../templates/ci/gitlab-ci.yml");
const STUDENT_README: &str = include_str!("../templates/export/README.md");

/// Lines wrapping a passage of the book that the export leaves out.
pub const SOLUTION_OPEN: &str = "<!-- solution -->";
pub const SOLUTION_CLOSE: &str = "<!-- /solution -->";

/// The replacement of the scaffold's solution template in a student copy.
const TEMPLATE_PLACEHOLDER: &str = "// Not part of the student copy: `cargo xtask new` scaffolds exercises in the course\n\
// repository, which holds the solutions.\n";

/// Top-level files and folders a student copy takes from the course.
const TOP_FILES: &[&str] = &[
    "Cargo.toml",
    "Cargo.lock",
    "course.toml",
    "README.md",
    ".gitignore",
    "rust-toolchain",
    "rust-toolchain.toml",
];
const TOP_DIRS: &[&str] = &[".cargo", "graders", "support", "xtask"];

/// Is this checkout a student copy (made by `export`: a manifest, no solutions)?
pub fn is_student_copy(ws: &Workspace) -> bool {
    ws.root.join(MANIFEST).is_file() && !ws.root.join("solutions").is_dir()
}

/// The error for commands that need the solutions.
pub fn refuse_in_student_copy(ws: &Workspace, what: &str) -> Result<()> {
    if is_student_copy(ws) {
        bail!(
            "{what} needs the reference solutions, and this is a student copy of the course \
             (made by `cargo xtask export`, without `solutions/`). Run it in the course repository."
        );
    }
    Ok(())
}

/// `cargo xtask export`'s options.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportOptions {
    /// The folder to write (it must be empty, unless --force).
    pub dir: PathBuf,
    /// Replaces the folder's contents (a .git folder in it is kept).
    #[arg(long)]
    pub force: bool,
    /// The CI configuration to include; repeatable.
    #[arg(long, value_enum, default_values_t = [Ci::Github, Ci::Gitlab])]
    pub ci: Vec<Ci>,
}

/// One file of the export.
struct Planned {
    rel: String,
    data: Vec<u8>,
    /// Copy the source's permissions (executable scripts stay executable).
    mode_from: Option<PathBuf>,
}

pub fn run(ws: &Workspace, opts: &ExportOptions) -> Result<ExitCode> {
    let dest = std::path::absolute(&opts.dir)?;
    let root = ws.root.canonicalize()?;
    prepare_dest(&dest, &root, opts.force)?;
    let dest = dest.canonicalize()?;
    let ci = opts.ci.as_slice();

    let plan = plan(ws, &root, &dest, ci)?;
    check_no_solution_code(ws, &plan)?;

    for p in &plan {
        let path = dest.join(&p.rel);
        std::fs::create_dir_all(path.parent().expect("has a parent"))?;
        std::fs::write(&path, &p.data)
            .with_context(|| format!("cannot write {}", path.display()))?;
        if let Some(src) = &p.mode_from {
            std::fs::set_permissions(&path, std::fs::metadata(src)?.permissions())?;
        }
    }
    resolve_lockfile(ws, &dest)?;
    let cat = Catalogue::load(&dest)?;
    let protected = manifest::write_manifest(&dest, &cat)?;

    println!(
        "{} exported {} exercise(s) to {} ({} files; {MANIFEST} lists the {protected} protected ones)",
        ui::pass_mark(),
        cat.exercises.len(),
        ui::bold(dest.display()),
        plan.len() + 1
    );
    let ci_files: Vec<&str> = ci
        .iter()
        .filter_map(|c| match c {
            Ci::Github => Some(".github/workflows/grade.yml"),
            Ci::Classroom => Some(".github/workflows/classroom.yml"),
            Ci::Gitlab => Some(".gitlab-ci.yml"),
            Ci::None => None,
        })
        .collect();
    if !ci_files.is_empty() {
        println!("{} CI: {}", ui::pass_mark(), ci_files.join(", "));
    }
    println!(
        "\nNext: check it ({}), then make it a repository your students can copy:\n  {}\n  {}\n  {}",
        ui::cmd(format!(
            "cd {} && cargo xtask check {}",
            dest.display(),
            cat.exercises.first().map_or("<id>", |e| e.id())
        )),
        ui::cmd("git init && git add -A && git commit -m \"Starter\""),
        ui::dim(
            "push it to GitHub and mark it a template repository (or use it as a Classroom assignment);"
        ),
        ui::dim(
            "the book's Instructor guide describes grading, the reports and what anti-tamper guarantees."
        )
    );
    Ok(ExitCode::SUCCESS)
}

/// Creates `dest`, or empties it with `--force` (keeping `.git`); refuses the course itself.
fn prepare_dest(dest: &Path, root: &Path, force: bool) -> Result<()> {
    if dest.exists() {
        if !dest.is_dir() {
            bail!("{} exists and is not a folder", dest.display());
        }
        let d = dest.canonicalize()?;
        if d == root || root.starts_with(&d) {
            bail!(
                "refusing to export into {}: it holds the course itself",
                dest.display()
            );
        }
        let entries: Vec<_> = std::fs::read_dir(&d)?.flatten().collect();
        if !entries.is_empty() {
            if !force {
                bail!(
                    "{} is not empty; `--force` replaces its contents (a .git folder in it is kept)",
                    dest.display()
                );
            }
            for e in entries {
                if e.file_name() == ".git" {
                    continue;
                }
                let p = e.path();
                if e.file_type()?.is_dir() {
                    std::fs::remove_dir_all(&p)
                } else {
                    std::fs::remove_file(&p)
                }
                .with_context(|| format!("cannot remove {}", p.display()))?;
            }
        }
    }
    std::fs::create_dir_all(dest).with_context(|| format!("cannot create {}", dest.display()))
}

fn text_of(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn plan(ws: &Workspace, root: &Path, dest: &Path, ci: &[Ci]) -> Result<Vec<Planned>> {
    let cat = &ws.catalogue;
    let book = cat.course.book.as_str();
    let mut plan = Vec::new();
    for rel in manifest::walk(root)? {
        let src = root.join(&rel);
        if src.starts_with(dest) {
            continue;
        }
        let parts: Vec<&str> = rel.split('/').collect();
        let wanted = match parts.as_slice() {
            [file] => TOP_FILES.contains(file) || is_licence(file),
            [dir, ..] => {
                TOP_DIRS.contains(dir) && !rel.starts_with("xtask/tests/")
                    || *dir == book && !rel.starts_with(&format!("{book}/build/"))
            }
            [] => false,
        };
        if !wanted {
            continue;
        }
        let data: Vec<u8> = match parts.as_slice() {
            ["Cargo.toml"] => rewrite_workspace_manifest(&text_of(&src)?)
                .with_context(|| format!("in {}", src.display()))?
                .into_bytes(),
            ["README.md"] => student_readme(cat).into_bytes(),
            ["graders", id, "Cargo.toml"] => {
                let solution = cat
                    .exercises
                    .iter()
                    .find(|e| e.id() == *id)
                    .map(Exercise::solution_package);
                rewrite_grader_manifest(&text_of(&src)?, solution.as_deref())
                    .with_context(|| format!("in {}", src.display()))?
                    .into_bytes()
            }
            ["xtask", "templates", "solution", ..] if rel.ends_with(".rs") => {
                TEMPLATE_PLACEHOLDER.as_bytes().to_vec()
            }
            [b, ..] if *b == book && rel.ends_with(".md") => {
                strip_solution_passages(&rel, &text_of(&src)?)?.into_bytes()
            }
            _ => std::fs::read(&src).with_context(|| format!("cannot read {}", src.display()))?,
        };
        plan.push(Planned {
            rel,
            data,
            mode_from: Some(src),
        });
    }
    for ex in &cat.exercises {
        let pristine = ex.pristine_dir(root);
        if !pristine.is_dir() {
            bail!(
                "{}: no pristine stub in {} to export",
                ex.id(),
                ws.rel(&pristine).display()
            );
        }
        for rel in manifest::walk(&pristine)? {
            let src = pristine.join(&rel);
            plan.push(Planned {
                rel: format!("exercises/{}/{rel}", ex.id()),
                data: std::fs::read(&src)?,
                mode_from: Some(src),
            });
        }
    }
    let (rustup, image) = toolchain();
    let fill = |t: &str| {
        t.replace("__RUST__", &rustup)
            .replace("__RUST_IMAGE__", &image)
    };
    for c in ci {
        let (rel, text) = match c {
            Ci::Github => (".github/workflows/grade.yml", GITHUB_WORKFLOW),
            Ci::Classroom => (".github/workflows/classroom.yml", CLASSROOM_WORKFLOW),
            Ci::Gitlab => (".gitlab-ci.yml", GITLAB_CI),
            Ci::None => continue,
        };
        plan.push(Planned {
            rel: rel.to_string(),
            data: fill(text).into_bytes(),
            mode_from: None,
        });
    }
    if !plan.iter().any(|p| p.rel == "README.md") {
        plan.push(Planned {
            rel: "README.md".into(),
            data: student_readme(cat).into_bytes(),
            mode_from: None,
        });
    }
    Ok(plan)
}

fn is_licence(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    upper.starts_with("LICENSE") || upper.starts_with("LICENCE") || upper.starts_with("COPYING")
}

/// The toolchain the CI templates pin: the one running this export (`rustc --version`),
/// as a rustup name and a Docker `rust:` tag.
fn toolchain() -> (String, String) {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let version = std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .nth(1)
                .map(str::to_string)
        })
        .filter(|v| {
            let parts: Vec<&str> = v.split('.').collect();
            parts.len() == 3 && parts.iter().all(|p| p.parse::<u32>().is_ok())
        });
    match version {
        Some(v) => (v.clone(), v),
        None => ("stable".into(), "latest".into()),
    }
}

/// The workspace manifest without the solutions.
pub fn rewrite_workspace_manifest(text: &str) -> Result<String> {
    let mut doc: DocumentMut = text.parse()?;
    let Some(workspace) = doc.get_mut("workspace").and_then(Item::as_table_like_mut) else {
        bail!("no [workspace] table");
    };
    for key in ["members", "default-members"] {
        if let Some(arr) = workspace.get_mut(key).and_then(Item::as_array_mut) {
            arr.retain(|v| v.as_str().is_none_or(|s| !s.starts_with("solutions")));
        }
    }
    // The graders keep `#[cfg(feature = "solution")]` code; declare the values so the
    // `unexpected_cfgs` lint stays quiet now that the features are gone.
    let check = "cfg(feature, values(\"solution\", \"reference\"))";
    let lints = workspace
        .entry("lints")
        .or_insert_with(toml_edit::table)
        .as_table_like_mut()
        .context("[workspace.lints] is not a table")?;
    let rust = lints
        .entry("rust")
        .or_insert_with(toml_edit::table)
        .as_table_like_mut()
        .context("[workspace.lints.rust] is not a table")?;
    let entry = rust
        .entry("unexpected_cfgs")
        .or_insert(Item::Value(Value::from("warn")));
    let mut table = match entry.as_value() {
        Some(Value::InlineTable(t)) => t.clone(),
        Some(Value::String(level)) => {
            let mut t = InlineTable::new();
            t.insert("level", Value::from(level.value().as_str()));
            t
        }
        _ => bail!("[workspace.lints.rust] unexpected_cfgs is neither a level nor a table"),
    };
    let mut list = table
        .get("check-cfg")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_else(Array::new);
    if !list.iter().any(|v| v.as_str() == Some(check)) {
        list.push(check);
    }
    table.insert("check-cfg", Value::Array(list));
    *entry = Item::Value(Value::InlineTable(table));
    Ok(doc.to_string())
}

/// A grader's manifest without the reference solution.
pub fn rewrite_grader_manifest(text: &str, solution_package: Option<&str>) -> Result<String> {
    let mut doc: DocumentMut = text.parse()?;
    let is_solution = |name: &str, item: &Item| {
        Some(name) == solution_package
            || name.ends_with("-solution")
            || item
                .get("path")
                .and_then(Item::as_str)
                .is_some_and(|p| p.contains("solutions/"))
    };
    let mut removed: Vec<String> = Vec::new();
    let mut strip = |table: &mut dyn toml_edit::TableLike| {
        let names: Vec<String> = table
            .iter()
            .filter(|(k, v)| is_solution(k, v))
            .map(|(k, _)| k.to_string())
            .collect();
        for n in names {
            table.remove(&n);
            removed.push(n);
        }
    };
    for kind in ["dependencies", "dev-dependencies", "build-dependencies"] {
        if let Some(t) = doc.get_mut(kind).and_then(Item::as_table_like_mut) {
            strip(t);
        }
    }
    if let Some(targets) = doc.get_mut("target").and_then(Item::as_table_like_mut) {
        for (_, target) in targets.iter_mut() {
            for kind in ["dependencies", "dev-dependencies", "build-dependencies"] {
                if let Some(t) = target.get_mut(kind).and_then(Item::as_table_like_mut) {
                    strip(t);
                }
            }
        }
    }
    if let Some(features) = doc.get_mut("features").and_then(Item::as_table_mut) {
        features.remove("solution");
        features.remove("reference");
        let gone = |s: &str| {
            s == "solution"
                || s == "reference"
                || removed.iter().any(|d| {
                    s == d
                        || s == format!("dep:{d}")
                        || s.starts_with(&format!("{d}/"))
                        || s.starts_with(&format!("{d}?/"))
                })
        };
        for (_, v) in features.iter_mut() {
            if let Some(arr) = v.as_array_mut() {
                arr.retain(|x| x.as_str().is_none_or(|s| !gone(s)));
            }
        }
        features.decor_mut().set_prefix(
            "\n# The crate under test is the learner's (`exercise`). This is a student copy: the\n\
             # reference solution, and the `solution` and `reference` features, are not in it.\n",
        );
    }
    let out = doc.to_string();
    if out.contains("solutions/") {
        bail!("a reference to solutions/ is left after removing the solution dependency");
    }
    Ok(out)
}

/// A book page without its `<!-- solution -->` passages; refuses includes of solutions.
pub fn strip_solution_passages(rel: &str, text: &str) -> Result<String> {
    let mut out = String::with_capacity(text.len());
    let mut open_at: Option<usize> = None;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let t = line.trim();
        if t == SOLUTION_OPEN {
            if let Some(at) = open_at {
                bail!(
                    "{rel}:{}: `{SOLUTION_OPEN}` inside the passage opened at line {at}",
                    n + 1
                );
            }
            open_at = Some(n + 1);
            continue;
        }
        if t == SOLUTION_CLOSE {
            if open_at.take().is_none() {
                bail!(
                    "{rel}:{}: `{SOLUTION_CLOSE}` without an opening `{SOLUTION_OPEN}`",
                    n + 1
                );
            }
            continue;
        }
        if open_at.is_some() {
            continue;
        }
        if includes_a_solution(line) {
            bail!(
                "{rel}:{}: includes a file from solutions/, which a student copy does not have; \
                 wrap the passage in `{SOLUTION_OPEN}` ... `{SOLUTION_CLOSE}` lines",
                n + 1
            );
        }
        out.push_str(line);
    }
    if let Some(at) = open_at {
        bail!("{rel}:{at}: `{SOLUTION_OPEN}` is never closed with `{SOLUTION_CLOSE}`");
    }
    Ok(out)
}

/// Does this line hold an mdBook `include`, `rustdoc_include` or `playground` directive
/// (not escaped with a backslash) whose path goes into `solutions/`?
fn includes_a_solution(line: &str) -> bool {
    let mut rest = line;
    while let Some(at) = rest.find("{{#") {
        let escaped = rest[..at].ends_with('\\');
        let after = &rest[at + 3..];
        let Some(end) = after.find("}}") else {
            return false;
        };
        let directive = after[..end].trim();
        let path = ["include", "rustdoc_include", "playground"]
            .iter()
            .find_map(|d| directive.strip_prefix(d))
            .map(str::trim);
        if !escaped && path.is_some_and(|p| p.contains("solutions/")) {
            return true;
        }
        rest = &after[end + 2..];
    }
    false
}

/// Lines of the reference solutions that appear nowhere in the stubs, graders, support
/// crates or runner sources: the fingerprints of solution code. (trimmed line -> where)
pub fn solution_fingerprints(root: &Path) -> Result<HashMap<String, String>> {
    let mut elsewhere: HashSet<String> = HashSet::new();
    for dir in ["graders", "support", "xtask/src"] {
        let base = root.join(dir);
        if !base.is_dir() {
            continue;
        }
        for rel in manifest::walk(&base)? {
            if let Ok(text) = std::fs::read_to_string(base.join(&rel)) {
                elsewhere.extend(text.lines().map(|l| l.trim().to_string()));
            }
        }
    }
    let mut out = HashMap::new();
    let solutions = root.join("solutions");
    if !solutions.is_dir() {
        return Ok(out);
    }
    for rel in manifest::walk(&solutions)? {
        if !rel.ends_with(".rs") {
            continue;
        }
        let text = text_of(&solutions.join(&rel))?;
        for (n, line) in text.lines().enumerate() {
            let t = line.trim();
            if t.len() >= 24 && t.chars().any(char::is_alphabetic) && !elsewhere.contains(t) {
                out.entry(t.to_string())
                    .or_insert_with(|| format!("solutions/{rel}:{}", n + 1));
            }
        }
    }
    Ok(out)
}

fn check_no_solution_code(ws: &Workspace, plan: &[Planned]) -> Result<()> {
    let prints = solution_fingerprints(&ws.root)?;
    let mut hits = Vec::new();
    for p in plan {
        let Ok(text) = std::str::from_utf8(&p.data) else {
            continue;
        };
        for (n, line) in text.lines().enumerate() {
            if let Some(origin) = prints.get(line.trim()) {
                hits.push(format!("{}:{} repeats {origin}", p.rel, n + 1));
            }
        }
    }
    if hits.is_empty() {
        return Ok(());
    }
    let more = hits.len().saturating_sub(10);
    hits.truncate(10);
    bail!(
        "the export would contain solution code:\n  {}{}\nRemove it, or wrap the passage of the book in `{SOLUTION_OPEN}` ... `{SOLUTION_CLOSE}` lines.",
        hits.join("\n  "),
        if more > 0 {
            format!("\n  ... and {more} more")
        } else {
            String::new()
        }
    )
}

/// Re-resolves `Cargo.lock` without the solution packages (cargo keeps every other
/// version as it was), so that the first build does not rewrite it.
fn resolve_lockfile(ws: &Workspace, dest: &Path) -> Result<()> {
    let attempt = |offline: bool| -> Result<std::process::Output> {
        let mut cmd = ws.cargo();
        cmd.current_dir(dest)
            .args(["metadata", "--format-version", "1", "--manifest-path"])
            .arg(dest.join("Cargo.toml"))
            .stdin(Stdio::null());
        if offline {
            cmd.arg("--offline");
        }
        cmd.output().context("cannot run cargo metadata")
    };
    let out = attempt(true)?;
    if out.status.success() {
        return Ok(());
    }
    let out = attempt(false)?;
    if !out.status.success() {
        bail!(
            "the exported workspace does not resolve (cargo metadata):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

fn student_readme(cat: &Catalogue) -> String {
    let mut table =
        String::from("| exercise | title | tier | points | your files |\n|---|---|---|--:|---|\n");
    for e in &cat.exercises {
        table.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            e.id(),
            e.title.replace('|', "\\|"),
            e.tier.get_ref(),
            e.points().total(),
            e.files
                .iter()
                .map(|f| format!("`exercises/{}/{f}`", e.id()))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let first = cat.exercises.first();
    STUDENT_README
        .replace("__TITLE__", &cat.course.title)
        .replace("__EXERCISES__", table.trim_end())
        .replace("__FIRST__", first.map_or("01-first", |e| e.id()))
        .replace(
            "__FIRST_FILE__",
            &first
                .map(|e| format!("exercises/{}/{}", e.id(), e.files[0]))
                .unwrap_or_else(|| "exercises/<id>/src/lib.rs".into()),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_loses_the_solutions_and_learns_the_cfgs() {
        let text = "[workspace]\nresolver = \"3\"\n# All of them.\nmembers = [\"xtask\", \"support/*\", \"exercises/*\", \"solutions/*\", \"graders/*\"]\ndefault-members = [\"xtask\", \"support/*\", \"solutions/*\"]\n\n[workspace.lints.rust]\nunexpected_cfgs = { level = \"warn\", check-cfg = [\"cfg(loom)\"] }\n";
        let out = rewrite_workspace_manifest(text).unwrap();
        assert!(out.contains("# All of them.\nmembers = [\"xtask\", \"support/*\", \"exercises/*\", \"graders/*\"]"), "{out}");
        assert!(
            out.contains("default-members = [\"xtask\", \"support/*\"]"),
            "{out}"
        );
        assert!(
            out.contains(
                r#"check-cfg = ["cfg(loom)", 'cfg(feature, values("solution", "reference"))']"#
            ),
            "{out}"
        );
        // Idempotent.
        assert_eq!(rewrite_workspace_manifest(&out).unwrap(), out);
        // A plain level becomes a table.
        let out = rewrite_workspace_manifest(
            "[workspace]\nmembers = []\n[workspace.lints.rust]\nunexpected_cfgs = \"deny\"\n",
        )
        .unwrap();
        assert!(
            out.contains(r#"unexpected_cfgs = { level = "deny", check-cfg = ["#),
            "{out}"
        );
    }

    #[test]
    fn a_grader_loses_the_solution_dependency_and_features() {
        let text = r#"[package]
name = "x-grader"

# Which crate is under test.
[features]
default = ["exercise"]
exercise = ["dep:x"]
solution = ["dep:x-solution"]
# Benches also measure the reference solution.
reference = ["dep:x-solution"]
bench = ["dep:criterion", "reference"]

[dependencies]
x = { path = "../../exercises/01-x", optional = true }
x-solution = { path = "../../solutions/01-x", optional = true }
criterion = { workspace = true, optional = true }
"#;
        let out = rewrite_grader_manifest(text, Some("x-solution")).unwrap();
        assert!(
            !out.contains("solution = ") && !out.contains("reference ="),
            "{out}"
        );
        assert!(
            !out.contains("x-solution") && !out.contains("solutions/"),
            "{out}"
        );
        assert!(out.contains("bench = [\"dep:criterion\"]"), "{out}");
        assert!(out.contains("exercise = [\"dep:x\"]"), "{out}");
        assert!(out.contains("This is a student copy"), "{out}");
        let _: toml::Table = out.parse().unwrap();
    }

    #[test]
    fn solution_passages_are_cut_and_includes_refused() {
        let text = "# T\nkeep\n<!-- solution -->\nsecret\n<!-- /solution -->\nkeep too\n";
        assert_eq!(
            strip_solution_passages("a.md", text).unwrap(),
            "# T\nkeep\nkeep too\n"
        );
        let e = strip_solution_passages("a.md", "x\n<!-- solution -->\nsecret\n").unwrap_err();
        assert!(
            e.to_string()
                .contains("a.md:2: `<!-- solution -->` is never closed"),
            "{e}"
        );
        // Prose about the directive, and an escaped directive, are fine.
        let prose = "A chapter that uses `{{#include}}` on solutions/ stops it.\n\\{{#include ../solutions/a.rs}}\n";
        assert_eq!(strip_solution_passages("c.md", prose).unwrap(), prose);
        let e = strip_solution_passages(
            "b.md",
            "```rust\n{{#include ../../../solutions/01-a/src/lib.rs}}\n```\n",
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("b.md:2: includes a file from solutions/"),
            "{e}"
        );
    }
}
