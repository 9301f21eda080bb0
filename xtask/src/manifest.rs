//! Anti-tamper: which files of a course checkout a learner may change, and how `grade`
//! finds out whether the others were changed.
//!
//! Every path of a checkout falls in one of four classes ([`classify`]):
//!
//! - **learner files**: the files the catalogue lists for an exercise (`files = [...]`,
//!   relative to `exercises/<id>/`, as Exercism lists `files.solution`). Only these may
//!   differ from the pristine course.
//! - **protected, one exercise**: everything else under `graders/<id>/` (the hidden tests,
//!   and `stub/`, the pristine copy of the stub that `reset` restores and the visible stage
//!   runs) and under `exercises/<id>/` (the stub's `Cargo.toml`, any file the learner
//!   added next to the listed ones, such as a `build.rs`). A change scores that exercise 0.
//! - **protected, the whole course**: `support/` (the facade and the test kit), `xtask/`
//!   (the runner), `course.toml` (points, timeouts, the learner file lists), the workspace's
//!   `Cargo.toml` and `Cargo.lock`, `.cargo/`, `rust-toolchain(.toml)`, and the CI files
//!   (`.github/`, `.gitlab-ci.yml`). A change scores every exercise 0.
//! - **ignored**: the learner's own tests in `exercises/<id>/tests/` (grading never
//!   compiles them: the visible stage runs the pristine copy kept with the grader), the
//!   rest (the book, `solutions/`, notes, READMEs), and build output and state wherever
//!   they are (`target/`, `.git/`, `.course/`, `book/build/`).
//!
//! Two ways to know what the pristine files are:
//!
//! - a **manifest**: `MANIFEST.sha256`, written by `cargo xtask export` at the root of the
//!   student copy, one `<sha256>  <path>` line per protected file, sorted by path. It is
//!   the format of `sha256sum`, so `sha256sum -c MANIFEST.sha256` checks it without the
//!   runner. A protected file that is not listed counts as added.
//! - a **reference**: a pristine checkout (a directory, or a git revision of the course,
//!   materialised with `git checkout-index` without touching the learner's index), whose
//!   protected files are compared with the learner's one by one.
//!
//! A symbolic link is hashed as the text `symlink:<target>`, so replacing a file by a
//! link is a change.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::catalogue::{Catalogue, Exercise};

/// The manifest's file name, at the root of a student copy.
pub const MANIFEST: &str = "MANIFEST.sha256";

/// Top-level files that are protected for the whole course.
const COURSE_FILES: &[&str] = &[
    "Cargo.toml",
    "Cargo.lock",
    "course.toml",
    "rust-toolchain",
    "rust-toolchain.toml",
    ".gitlab-ci.yml",
];

/// Top-level folders that are protected for the whole course.
const COURSE_DIRS: &[&str] = &["support", "xtask", ".cargo", ".github"];

/// What a path is to the grader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Class {
    /// Neither graded nor protected.
    Ignored,
    /// One of the files the learner edits, for this exercise.
    Learner(String),
    /// Protected; a change affects this exercise.
    Exercise(String),
    /// Protected; a change affects every exercise.
    Course,
}

/// Whom a difference affects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every exercise.
    Course,
    /// One exercise.
    Exercise(String),
}

/// How a protected file differs from the pristine one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Modified,
    Added,
    Removed,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Modified => "modified",
            Change::Added => "added",
            Change::Removed => "removed",
        }
    }
}

/// One protected file that is not as it should be. In JSON:
/// `{"path", "change", "scope": "course" | "exercise", "exercise": null | "<id>"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The path relative to the course root, with `/` separators.
    pub path: String,
    pub change: Change,
    pub scope: Scope,
}

impl Serialize for Difference {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let (scope, exercise) = match &self.scope {
            Scope::Course => ("course", None),
            Scope::Exercise(id) => ("exercise", Some(id)),
        };
        let mut m = s.serialize_struct("Difference", 4)?;
        m.serialize_field("path", &self.path)?;
        m.serialize_field("change", &self.change)?;
        m.serialize_field("scope", scope)?;
        m.serialize_field("exercise", &exercise)?;
        m.end()
    }
}

impl Difference {
    /// Does this difference void the grade of `id`?
    pub fn affects(&self, id: &str) -> bool {
        match &self.scope {
            Scope::Course => true,
            Scope::Exercise(e) => e == id,
        }
    }
}

/// A learner file entry of the catalogue as a safe relative path: no `..`, not absolute.
pub fn learner_path(entry: &str) -> Option<&str> {
    let p = Path::new(entry);
    let plain = p
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    (plain && !entry.is_empty()).then_some(entry.trim_start_matches("./"))
}

/// The class of `rel` (a `/`-separated path relative to the course root).
pub fn classify(rel: &str, cat: &Catalogue) -> Class {
    let parts: Vec<&str> = rel.split('/').collect();
    if parts
        .iter()
        .any(|p| *p == "target" || *p == ".git" || p.is_empty())
        || parts[0] == ".course"
        || rel == MANIFEST
        || rel.starts_with(&format!("{}/build/", cat.course.book))
    {
        return Class::Ignored;
    }
    let find = |id: &str| cat.exercises.iter().find(|e| e.id() == id);
    match parts.as_slice() {
        [file] if COURSE_FILES.contains(file) => Class::Course,
        [dir, ..] if COURSE_DIRS.contains(dir) => Class::Course,
        ["graders", id, _, ..] => match find(id) {
            Some(ex) => Class::Exercise(ex.id().to_string()),
            None => Class::Course,
        },
        // The learner's own tests: grading never compiles them (the visible stage runs the
        // pristine copy in graders/<id>/stub/tests/), so they may change freely.
        ["exercises", id, "tests", _, ..] if find(id).is_some() => Class::Ignored,
        ["exercises", id, rest @ ..] if !rest.is_empty() => match find(id) {
            Some(ex) => {
                let inner = rest.join("/");
                if is_learner_file(ex, &inner) {
                    Class::Learner(ex.id().to_string())
                } else {
                    Class::Exercise(ex.id().to_string())
                }
            }
            None => Class::Course,
        },
        // A stray file directly in graders/ or exercises/ could be a workspace member's
        // manifest: protect it for the whole course.
        ["graders" | "exercises", _] => Class::Course,
        _ => Class::Ignored,
    }
}

fn is_learner_file(ex: &Exercise, inner: &str) -> bool {
    ex.files
        .iter()
        .filter_map(|f| learner_path(f))
        .any(|f| f == inner)
}

/// Every file under `root` (relative, `/`-separated, sorted), skipping `target/`, `.git/`
/// and `.course/` folders wherever they are. Symbolic links are listed, not followed.
pub fn walk(root: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let dir = root.join(&rel);
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?
        {
            let entry = entry?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                continue;
            };
            let path = rel.join(name);
            let ty = entry.file_type()?;
            if ty.is_dir() {
                if !matches!(name, "target" | ".git" | ".course") {
                    stack.push(path);
                }
            } else if ty.is_file() || ty.is_symlink() {
                out.push(slash(&path));
            }
        }
    }
    out.sort();
    Ok(out)
}

fn slash(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The SHA-256 of a file (of `symlink:<target>` for a link), in lowercase hex.
pub fn hash_file(path: &Path) -> Result<String> {
    let meta = std::fs::symlink_metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let bytes = if meta.file_type().is_symlink() {
        format!("symlink:{}", std::fs::read_link(path)?.display()).into_bytes()
    } else {
        std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?
    };
    Ok(hex(&Sha256::digest(&bytes)))
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The protected files under `root` (classified with `cat`) and their hashes.
pub fn protected_hashes(root: &Path, cat: &Catalogue) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for rel in walk(root)? {
        if matches!(classify(&rel, cat), Class::Exercise(_) | Class::Course) {
            let hash = hash_file(&root.join(&rel))?;
            out.insert(rel, hash);
        }
    }
    Ok(out)
}

/// Writes `MANIFEST.sha256` for the course at `root`; returns how many files it lists.
pub fn write_manifest(root: &Path, cat: &Catalogue) -> Result<usize> {
    let hashes = protected_hashes(root, cat)?;
    let mut text = String::new();
    for (path, hash) in &hashes {
        let _ = writeln!(text, "{hash}  {path}");
    }
    let file = root.join(MANIFEST);
    std::fs::write(&file, text).with_context(|| format!("cannot write {}", file.display()))?;
    Ok(hashes.len())
}

/// Reads a manifest in `sha256sum` format.
pub fn read_manifest(file: &Path) -> Result<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the manifest {}", file.display()))?;
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        // `<hash>  <path>` (text mode) or `<hash> *<path>` (binary mode).
        let parsed = line
            .split_once("  ")
            .or_else(|| line.split_once(" *"))
            .filter(|(h, p)| {
                h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) && !p.is_empty()
            });
        let Some((hash, path)) = parsed else {
            bail!(
                "{}:{}: not a `<sha256>  <path>` line: {line}",
                file.display(),
                n + 1
            );
        };
        out.insert(path.to_string(), hash.to_ascii_lowercase());
    }
    Ok(out)
}

/// The differences between the pristine hashes and the ones found, each with the
/// exercises it affects (classified with the pristine catalogue `cat`).
pub fn compare(
    expected: &BTreeMap<String, String>,
    found: &BTreeMap<String, String>,
    cat: &Catalogue,
) -> Vec<Difference> {
    let scope = |path: &str| match classify(path, cat) {
        Class::Exercise(id) | Class::Learner(id) => Scope::Exercise(id),
        Class::Course | Class::Ignored => Scope::Course,
    };
    let mut out = Vec::new();
    for (path, hash) in found {
        let change = match expected.get(path) {
            Some(h) if h == hash => continue,
            Some(_) => Change::Modified,
            None => Change::Added,
        };
        out.push(Difference {
            path: path.clone(),
            change,
            scope: scope(path),
        });
    }
    for path in expected.keys().filter(|p| !found.contains_key(*p)) {
        out.push(Difference {
            path: path.clone(),
            change: Change::Removed,
            scope: scope(path),
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// Runs `git -C <dir> <args>` (with `GIT_INDEX_FILE=<index>` if given); its trimmed
/// standard output.
fn git(dir: &Path, args: &[&str], index: Option<&Path>) -> Result<String> {
    let mut cmd = Command::new("git");
    cmd.arg("-C").arg(dir).args(args);
    if let Some(index) = index {
        cmd.env("GIT_INDEX_FILE", index);
    }
    let out = cmd.output().context("cannot run git (is it installed?)")?;
    if !out.status.success() {
        bail!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Materialises the git revision `rev` of the repository holding `course_root` into
/// `dest` (emptied first), without touching the repository's index or working tree: the
/// revision is read into a private index file and checked out from it. Returns the course
/// root inside `dest` (the course may sit in a subfolder of the repository) and the full
/// commit id.
pub fn checkout_revision(course_root: &Path, rev: &str, dest: &Path) -> Result<(PathBuf, String)> {
    let verify = format!("{rev}^{{commit}}");
    let commit = git(
        course_root,
        &["rev-parse", "--verify", "--quiet", &verify],
        None,
    )
    .with_context(|| {
        format!(
            "`{rev}` is neither a folder nor a git revision of {}",
            course_root.display()
        )
    })?;
    let prefix = git(course_root, &["rev-parse", "--show-prefix"], None)?;
    // checkout-index writes paths relative to the repository's top level.
    let top = PathBuf::from(git(course_root, &["rev-parse", "--show-toplevel"], None)?);
    if dest.exists() {
        std::fs::remove_dir_all(dest)
            .with_context(|| format!("cannot empty {}", dest.display()))?;
    }
    std::fs::create_dir_all(dest)?;
    let dest = dest.canonicalize()?;
    let index = dest.with_extension("index");
    let prefix_arg = format!("--prefix={}/", dest.display());
    let result = git(&top, &["read-tree", &commit], Some(&index)).and_then(|_| {
        git(
            &top,
            &["checkout-index", "--all", "--force", &prefix_arg],
            Some(&index),
        )
    });
    let _ = std::fs::remove_file(&index);
    result?;
    Ok((dest.join(prefix), commit))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue() -> Catalogue {
        Catalogue::parse(
            Path::new("course.toml"),
            r#"
format = 1
[course]
title = "T"
[[tier]]
id = "easy"
title = "Easy"
[[exercise]]
id = "01-atomic-counter"
title = "Counter"
tier = "easy"
chapter = "book/src/exercises/01-atomic-counter.md"
loom = true
files = ["src/lib.rs", "src/shard.rs"]
points = { visible = 1, properties = 1, loom = 1, stress = 1 }
hints = ["a", "b"]
"#,
        )
        .unwrap()
    }

    #[test]
    fn classifies_learner_protected_and_ignored_paths() {
        let c = catalogue();
        let id = || "01-atomic-counter".to_string();
        let cases = [
            (
                "exercises/01-atomic-counter/src/lib.rs",
                Class::Learner(id()),
            ),
            (
                "exercises/01-atomic-counter/src/shard.rs",
                Class::Learner(id()),
            ),
            (
                "exercises/01-atomic-counter/Cargo.toml",
                Class::Exercise(id()),
            ),
            (
                "exercises/01-atomic-counter/build.rs",
                Class::Exercise(id()),
            ),
            (
                "exercises/01-atomic-counter/tests/visible.rs",
                Class::Ignored,
            ),
            ("exercises/01-atomic-counter/tests/mine.rs", Class::Ignored),
            (
                "graders/01-atomic-counter/tests/stress.rs",
                Class::Exercise(id()),
            ),
            (
                "graders/01-atomic-counter/stub/src/lib.rs",
                Class::Exercise(id()),
            ),
            ("graders/99-unknown/Cargo.toml", Class::Course),
            ("exercises/99-unknown/src/lib.rs", Class::Course),
            ("support/testkit/src/lib.rs", Class::Course),
            ("xtask/src/main.rs", Class::Course),
            ("course.toml", Class::Course),
            ("Cargo.lock", Class::Course),
            (".cargo/config.toml", Class::Course),
            (".github/workflows/grade.yml", Class::Course),
            ("book/src/introduction.md", Class::Ignored),
            ("solutions/01-atomic-counter/src/lib.rs", Class::Ignored),
            ("README.md", Class::Ignored),
            ("MANIFEST.sha256", Class::Ignored),
            ("graders/01-atomic-counter/target/debug/x", Class::Ignored),
            (".course/state.json", Class::Ignored),
            ("notes/todo.md", Class::Ignored),
        ];
        for (path, want) in cases {
            assert_eq!(classify(path, &c), want, "{path}");
        }
    }

    #[test]
    fn learner_paths_cannot_escape_the_exercise() {
        assert_eq!(learner_path("src/lib.rs"), Some("src/lib.rs"));
        assert_eq!(learner_path("./src/lib.rs"), Some("src/lib.rs"));
        assert_eq!(learner_path("../../graders/x/tests/a.rs"), None);
        assert_eq!(learner_path("/etc/passwd"), None);
    }

    #[test]
    fn compares_and_scopes_differences() {
        let c = catalogue();
        let map = |v: &[(&str, &str)]| -> BTreeMap<String, String> {
            v.iter()
                .map(|(p, h)| (p.to_string(), h.to_string()))
                .collect()
        };
        let expected = map(&[
            ("graders/01-atomic-counter/tests/stress.rs", "a"),
            ("support/sync/src/lib.rs", "b"),
            ("course.toml", "c"),
        ]);
        let found = map(&[
            ("graders/01-atomic-counter/tests/stress.rs", "x"),
            ("course.toml", "c"),
            ("support/sync/build.rs", "d"),
        ]);
        let d = compare(&expected, &found, &c);
        assert_eq!(
            d,
            vec![
                Difference {
                    path: "graders/01-atomic-counter/tests/stress.rs".into(),
                    change: Change::Modified,
                    scope: Scope::Exercise("01-atomic-counter".into()),
                },
                Difference {
                    path: "support/sync/build.rs".into(),
                    change: Change::Added,
                    scope: Scope::Course,
                },
                Difference {
                    path: "support/sync/src/lib.rs".into(),
                    change: Change::Removed,
                    scope: Scope::Course,
                },
            ]
        );
        assert!(d[0].affects("01-atomic-counter") && !d[0].affects("02-other"));
        assert!(d[1].affects("02-other"));
    }

    #[test]
    fn manifests_round_trip_in_sha256sum_format() {
        let dir = std::env::temp_dir().join(format!("xtask-manifest-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("support/sync")).unwrap();
        std::fs::write(dir.join("support/sync/lib.rs"), "abc").unwrap();
        std::fs::write(dir.join("README.md"), "ignored").unwrap();
        let n = write_manifest(&dir, &catalogue()).unwrap();
        assert_eq!(n, 1);
        let text = std::fs::read_to_string(dir.join(MANIFEST)).unwrap();
        // sha256("abc")
        assert_eq!(
            text,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  support/sync/lib.rs\n"
        );
        let m = read_manifest(&dir.join(MANIFEST)).unwrap();
        assert_eq!(m, protected_hashes(&dir, &catalogue()).unwrap());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
