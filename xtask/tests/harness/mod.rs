//! The throwaway-course harness shared by the integration tests: a small course in a
//! temporary folder (a workspace, a catalogue, a book skeleton, and exercises scaffolded
//! by `cargo xtask new`), run with the real binary. All courses share one cargo target
//! folder (`target/xtask-tests`), so their common dependencies are compiled once.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

pub struct Course {
    pub dir: tempfile::TempDir,
}

impl Course {
    /// A course with one tier and the scaffolded exercise `01-mailbox`.
    pub fn new() -> Course {
        let dir = tempfile::tempdir().unwrap();
        let root = repo_root();
        let support = root.join("support");
        let real = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        // The real workspace's dependency table, with the support crates by absolute path.
        let deps_start = real.find("[workspace.dependencies]").unwrap();
        let deps_end = real[deps_start..].find("\n[workspace.lints").unwrap() + deps_start;
        let deps = real[deps_start..deps_end].replace(
            "path = \"support/",
            &format!("path = \"{}/", support.display()),
        );
        let lints_start = deps_end + 1;
        let lints_end = real[lints_start..].find("\n[profile").unwrap() + lints_start;
        let manifest = format!(
            "[workspace]\nresolver = \"3\"\nmembers = [\"exercises/*\", \"solutions/*\", \"graders/*\"]\n\n\
             [workspace.package]\nedition = \"2024\"\nrust-version = \"1.88\"\nlicense = \"MIT\"\npublish = false\n\n\
             {deps}\n{}\n[profile.dev.package.\"*\"]\nopt-level = 2\n",
            &real[lints_start..lints_end]
        );
        let d = dir.path();
        std::fs::write(d.join("Cargo.toml"), manifest).unwrap();
        std::fs::copy(root.join("Cargo.lock"), d.join("Cargo.lock")).unwrap();
        std::fs::write(
            d.join("course.toml"),
            "format = 1\n\n[course]\ntitle = \"Throwaway course\"\n\n\
             [[tier]]\nid = \"easy\"\ntitle = \"Easy\"\n",
        )
        .unwrap();
        std::fs::create_dir_all(d.join("book/src/exercises")).unwrap();
        std::fs::write(
            d.join("book/book.toml"),
            "[book]\ntitle = \"T\"\n[build]\nbuild-dir = \"build\"\n",
        )
        .unwrap();
        std::fs::write(
            d.join("book/src/SUMMARY.md"),
            "# Summary\n\n- [Easy tier](exercises/easy.md)\n",
        )
        .unwrap();
        std::fs::write(d.join("book/src/exercises/easy.md"), "# Easy\n").unwrap();
        let course = Course { dir };
        let out = course.xtask(&["new", "01-mailbox", "--tier", "easy", "--title", "Mailbox"]);
        assert!(out.status.success(), "new failed:\n{}", text(&out));
        course
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn xtask(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("COURSE_ROOT")
            .env(
                "CARGO_TARGET_DIR",
                repo_root().join("target").join("xtask-tests"),
            )
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    }

    pub fn edit(&self, rel: &str, f: impl FnOnce(String) -> String) {
        let p = self.path(rel);
        let s = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, f(s)).unwrap();
    }
}

pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The cargo target folder every throwaway course builds into.
pub fn target_dir() -> PathBuf {
    repo_root().join("target").join("xtask-tests")
}

/// `cargo` (the one running the tests), in `dir`, with the shared target folder.
pub fn cargo(dir: &Path, args: &[&str]) -> Output {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(args)
        .current_dir(dir)
        .env_remove("COURSE_ROOT")
        .env("CARGO_TARGET_DIR", target_dir())
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// Copies a folder recursively (skipping `target/`).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if e.file_type().unwrap().is_dir() {
            if e.file_name() != "target" {
                copy_dir(&src, &dst);
            }
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

impl Course {
    /// A course with `01-mailbox` and then these exercises (ids), all scaffolded by `new`.
    pub fn with_exercises(more: &[&str]) -> Course {
        let c = Course::new();
        for id in more {
            let out = c.xtask(&["new", id, "--tier", "easy"]);
            assert!(out.status.success(), "new {id} failed:\n{}", text(&out));
        }
        c
    }

    /// Adds the runner itself (a copy of `xtask/` without its tests) as a workspace member,
    /// with the `cargo xtask` alias, so that `cargo xtask` works in the course and in
    /// what it exports.
    pub fn add_runner(&self) {
        let xtask = repo_root().join("xtask");
        for part in ["src", "templates", "schemas"] {
            copy_dir(&xtask.join(part), &self.path(&format!("xtask/{part}")));
        }
        std::fs::copy(xtask.join("Cargo.toml"), self.path("xtask/Cargo.toml")).unwrap();
        std::fs::create_dir_all(self.path(".cargo")).unwrap();
        std::fs::copy(
            repo_root().join(".cargo/config.toml"),
            self.path(".cargo/config.toml"),
        )
        .unwrap();
        self.edit("Cargo.toml", |s| {
            s.replace(
                "members = [\"exercises/*\"",
                "members = [\"xtask\", \"exercises/*\"",
            )
        });
    }

    /// Makes the course a git repository with one commit of everything.
    pub fn commit_all(&self) {
        for args in [
            vec!["init", "--quiet"],
            vec!["add", "-A"],
            vec![
                "-c",
                "user.name=T",
                "-c",
                "user.email=t@example.com",
                "commit",
                "--quiet",
                "-m",
                "pristine",
            ],
        ] {
            let out = Command::new("git")
                .args(&args)
                .current_dir(self.dir.path())
                .output()
                .unwrap();
            assert!(out.status.success(), "git {args:?}: {}", text(&out));
        }
    }

    /// Replaces the learner's `src/lib.rs` of `id` by the reference solution's, after
    /// `f` has edited it.
    pub fn solve_with(&self, id: &str, f: impl FnOnce(String) -> String) {
        let solution =
            std::fs::read_to_string(self.path(&format!("solutions/{id}/src/lib.rs"))).unwrap();
        std::fs::write(
            self.path(&format!("exercises/{id}/src/lib.rs")),
            f(solution),
        )
        .unwrap();
    }
}
