//! Building test binaries with cargo, reading its JSON messages: which executables it
//! produced, and the compiler's own diagnostics when it fails.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use cargo_metadata::Message;
use cargo_metadata::diagnostic::DiagnosticLevel;
use indicatif::ProgressBar;
use wait_timeout::ChildExt;

use crate::workspace::Workspace;

/// What to build.
#[derive(Debug, Clone)]
pub struct Build {
    pub package: String,
    /// Features, with default features off (graders choose the crate under test this way).
    pub features: Vec<String>,
    /// Test targets (`tests/<name>.rs`) to build.
    pub tests: Vec<String>,
    pub release: bool,
    /// A loom build: `--cfg loom`, optimised, in `target/loom`.
    pub loom: bool,
    pub timeout: Duration,
}

/// One compiler error or warning, as the compiler rendered it.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub error: bool,
    /// The file of the primary span, relative to the root if possible.
    pub file: Option<PathBuf>,
    pub rendered: String,
}

/// What a build produced.
#[derive(Debug)]
pub struct Built {
    pub ok: bool,
    pub timed_out: bool,
    /// Test target name -> executable.
    pub executables: BTreeMap<String, PathBuf>,
    pub diagnostics: Vec<Diagnostic>,
    /// Cargo's own error lines (e.g. "no such package"), when it failed before compiling.
    pub cargo_errors: Vec<String>,
    pub duration: Duration,
}

impl Built {
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.error)
    }
}

/// Builds `build` and reports progress on `pb`.
pub fn build_tests(ws: &Workspace, build: &Build, pb: &ProgressBar) -> Result<Built> {
    let started = Instant::now();
    let mut cmd = ws.cargo();
    cmd.args([
        "test",
        "--no-run",
        "--package",
        &build.package,
        "--no-default-features",
    ]);
    if !build.features.is_empty() {
        cmd.args(["--features", &build.features.join(",")]);
    }
    for t in &build.tests {
        cmd.args(["--test", t]);
    }
    let format = if console::colors_enabled_stderr() {
        "json-diagnostic-rendered-ansi"
    } else {
        "json"
    };
    cmd.arg(format!("--message-format={format}"));
    if build.release || build.loom {
        cmd.arg("--release");
    }
    if build.loom {
        let mut flags = std::env::var("RUSTFLAGS").unwrap_or_default();
        if !flags.is_empty() {
            flags.push(' ');
        }
        flags.push_str("--cfg loom");
        cmd.env("RUSTFLAGS", flags);
        cmd.env("CARGO_TARGET_DIR", ws.target_dir().join("loom"));
    }
    cmd.env("CARGO_TERM_COLOR", "never")
        .env("CARGO_TERM_PROGRESS_WHEN", "never")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().context("cannot run cargo")?;

    // Cargo's status lines ("Compiling x v1") go to stderr: show the latest on the spinner
    // and keep any "error:" lines (e.g. an unknown package) for the report.
    let cargo_errors = Arc::new(Mutex::new(Vec::new()));
    let stderr = child.stderr.take().expect("piped");
    let stderr_thread = {
        let pb = pb.clone();
        let cargo_errors = cargo_errors.clone();
        std::thread::spawn(move || {
            let mut in_error = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let trimmed = line.trim_start();
                if trimmed.starts_with("error") {
                    in_error = true;
                }
                if in_error {
                    cargo_errors.lock().unwrap().push(line.clone());
                } else if !trimmed.is_empty() {
                    pb.set_message(trimmed.to_string());
                }
            }
        })
    };

    let stdout = child.stdout.take().expect("piped");
    let root = ws.root.clone();
    let stdout_thread = std::thread::spawn(move || {
        let mut executables = BTreeMap::new();
        let mut diagnostics = Vec::new();
        for message in Message::parse_stream(BufReader::new(stdout)).map_while(Result::ok) {
            match message {
                Message::CompilerArtifact(artifact) => {
                    if let Some(exe) = artifact.executable
                        && artifact.target.kind.iter().any(|k| k.to_string() == "test")
                    {
                        executables.insert(artifact.target.name.clone(), exe.into_std_path_buf());
                    }
                }
                Message::CompilerMessage(msg) => {
                    let d = &msg.message;
                    let error = matches!(d.level, DiagnosticLevel::Error | DiagnosticLevel::Ice);
                    let warning = matches!(d.level, DiagnosticLevel::Warning);
                    if !(error || warning) {
                        continue;
                    }
                    // "aborting due to N previous errors" and friends carry no span.
                    if d.spans.is_empty() && d.message.contains("aborting due to") {
                        continue;
                    }
                    let file = d
                        .spans
                        .iter()
                        .find(|s| s.is_primary)
                        .map(|s| relative(&root, Path::new(&s.file_name)));
                    diagnostics.push(Diagnostic {
                        error,
                        file,
                        rendered: d.rendered.clone().unwrap_or_else(|| d.message.clone()),
                    });
                }
                _ => {}
            }
        }
        (executables, diagnostics)
    });

    let status = child
        .wait_timeout(build.timeout)
        .context("waiting for cargo")?;
    let timed_out = status.is_none();
    let status = match status {
        Some(s) => Some(s),
        None => {
            let _ = child.kill();
            child.wait().ok();
            None
        }
    };
    let (executables, diagnostics) = stdout_thread.join().expect("stdout reader");
    stderr_thread.join().expect("stderr reader");
    let cargo_errors = std::mem::take(&mut *cargo_errors.lock().unwrap());
    Ok(Built {
        ok: status.is_some_and(|s| s.success()),
        timed_out,
        executables,
        diagnostics,
        cargo_errors,
        duration: started.elapsed(),
    })
}

fn relative(root: &Path, file: &Path) -> PathBuf {
    if file.is_absolute() {
        file.strip_prefix(root).unwrap_or(file).to_path_buf()
    } else {
        file.to_path_buf()
    }
}
