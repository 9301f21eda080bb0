//! `cargo xtask book [--open]`: builds the book with a pinned mdBook and serves it.
//!
//! mdBook is not in Debian and most machines do not have it, so when the pinned version is
//! missing it is installed with `cargo install --locked` (a few minutes, once), with a
//! progress line. An mdBook of another version already on PATH is left alone: the pinned
//! one goes to `.course/tools/`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use anyhow::{Context, Result, bail};

use crate::ui;
use crate::workspace::Workspace;

/// The mdBook version the book is written for.
pub const MDBOOK_VERSION: &str = "0.5.4";

pub fn run(ws: &Workspace, open: bool, build_only: bool, port: u16) -> Result<ExitCode> {
    let mdbook = ensure_mdbook(ws)?;
    let book = ws.root.join(&ws.catalogue.course.book);
    let pb = ui::spinner("book");
    pb.set_message("mdbook build");
    let out = Command::new(&mdbook)
        .arg("build")
        .arg(&book)
        .output()
        .with_context(|| format!("cannot run {}", mdbook.display()))?;
    pb.finish_and_clear();
    if !out.status.success() {
        bail!(
            "mdbook build failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let index = book.join("build").join("index.html");
    println!(
        "{} built the book: {}",
        ui::pass_mark(),
        ws.rel(&index).display()
    );
    if build_only {
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} serving it at {} (Ctrl-C to stop; pages reload when the book changes)",
        ui::pass_mark(),
        ui::bold(format!("http://localhost:{port}"))
    );
    let mut cmd = Command::new(&mdbook);
    cmd.arg("serve")
        .arg(&book)
        .args(["--port", &port.to_string()]);
    if open {
        cmd.arg("--open");
    }
    let status = cmd.status().context("cannot run mdbook serve")?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn version_of(mdbook: &Path) -> Option<String> {
    let out = Command::new(mdbook).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    // "mdbook v0.5.4"
    text.split_whitespace()
        .nth(1)
        .map(|v| v.trim_start_matches('v').to_string())
}

/// The path of an mdBook of the pinned version, installing one if needed.
pub fn ensure_mdbook(ws: &Workspace) -> Result<PathBuf> {
    ensure_tool(ws, "mdbook", "mdBook", MDBOOK_VERSION)
}

/// The path of the binary `bin` (from the crate of the same name) at `version`: on PATH or
/// in `.course/tools/bin`, else installed there (or on PATH when no other version is)
/// with `cargo install --locked`, showing progress. `label` names it in messages.
pub fn ensure_tool(ws: &Workspace, bin: &str, label: &str, version: &str) -> Result<PathBuf> {
    let local_root = ws.state_dir().join("tools");
    let local = local_root.join("bin").join(bin);
    for candidate in [local.clone(), PathBuf::from(bin)] {
        if version_of(&candidate).as_deref() == Some(version) {
            return Ok(candidate);
        }
    }
    let on_path = version_of(Path::new(bin));
    let (root_arg, result): (Option<&Path>, PathBuf) = match &on_path {
        // Another version is installed: do not replace the learner's own.
        Some(_) => (Some(&local_root), local.clone()),
        None => (None, PathBuf::from(bin)),
    };
    println!(
        "{} {label} {version} is {}; installing it with `cargo install --locked` (a few minutes, once){}",
        ui::bold("book:"),
        match &on_path {
            Some(v) => format!("needed (found {v})"),
            None => "not installed".into(),
        },
        match root_arg {
            Some(r) => format!(" into {}", ws.rel(r).display()),
            None => String::new(),
        }
    );
    let mut cmd = ws.cargo();
    cmd.args(["install", "--locked", bin, "--version", version]);
    if let Some(r) = root_arg {
        cmd.arg("--root").arg(r);
    }
    cmd.env("CARGO_TERM_PROGRESS_WHEN", "never")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().context("cannot run cargo install")?;
    let pb = ui::spinner("install");
    let mut compiled = 0;
    let mut log = Vec::new();
    for line in BufReader::new(child.stderr.take().expect("piped"))
        .lines()
        .map_while(Result::ok)
    {
        let t = line.trim();
        if t.starts_with("Compiling") {
            compiled += 1;
            pb.set_message(format!("{compiled} crates compiled · {t}"));
        } else if !t.is_empty() {
            pb.set_message(t.to_string());
        }
        log.push(line);
    }
    let status = child.wait()?;
    pb.finish_and_clear();
    if !status.success() {
        bail!(
            "installing {label} failed:\n{}",
            log[log.len().saturating_sub(20)..].join("\n")
        );
    }
    println!(
        "{} installed {label} {version} ({compiled} crates compiled)",
        ui::pass_mark()
    );
    if version_of(&result).as_deref() != Some(version) {
        bail!(
            "{label} was installed but `{}` does not run it: is ~/.cargo/bin on your PATH?",
            result.display()
        );
    }
    Ok(result)
}
