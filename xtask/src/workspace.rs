//! Where the course is: the folder holding `course.toml`, and the catalogue read from it.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::catalogue::Catalogue;

/// The course checkout the runner works on.
#[derive(Debug)]
pub struct Workspace {
    pub root: PathBuf,
    pub catalogue: Catalogue,
}

impl Workspace {
    /// Finds the course root: `COURSE_ROOT` if set, else the nearest folder at or above the
    /// current one that holds `course.toml`.
    pub fn discover() -> Result<Self> {
        let root = match std::env::var_os("COURSE_ROOT") {
            Some(root) => PathBuf::from(root),
            None => {
                let cwd = std::env::current_dir()?;
                match cwd.ancestors().find(|d| d.join("course.toml").is_file()) {
                    Some(root) => root.to_path_buf(),
                    None => bail!(
                        "no course.toml in {} or any folder above it: run `cargo xtask` inside the course checkout",
                        cwd.display()
                    ),
                }
            }
        };
        Self::open(&root)
    }

    /// Opens the course at `root`.
    pub fn open(root: &Path) -> Result<Self> {
        let catalogue = Catalogue::load(root)?;
        Ok(Self {
            root: root.to_path_buf(),
            catalogue,
        })
    }

    /// `.course/`: the learner's state (progress, hints shown) and backups. Not committed.
    pub fn state_dir(&self) -> PathBuf {
        self.root.join(".course")
    }

    /// The cargo target folder of the normal builds.
    pub fn target_dir(&self) -> PathBuf {
        match std::env::var_os("CARGO_TARGET_DIR") {
            Some(dir) => self.root.join(dir),
            None => self.root.join("target"),
        }
    }

    /// A path relative to the root, for messages.
    pub fn rel<'a>(&self, path: &'a Path) -> &'a Path {
        path.strip_prefix(&self.root).unwrap_or(path)
    }

    /// The `cargo` to run: the one that started us, so the toolchain stays the same.
    pub fn cargo(&self) -> std::process::Command {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = std::process::Command::new(cargo);
        cmd.current_dir(&self.root);
        cmd
    }
}
