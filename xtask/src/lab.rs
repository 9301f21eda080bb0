//! `cargo xtask lab [<name>] [--quick] [--publish]`: the book's labs.
//!
//! The labs live in `support/labs` (package `course-labs`): one small experiment per
//! measurable claim of Part I, each printing a table of medians over interleaved rounds in
//! several processes and, where a picture helps, writing an SVG chart. This command builds
//! them (optimised: they measure) and runs one, or lists them all.
//!
//! Charts go to `target/labs/`. `--publish` writes them into `book/src/figures/labs/`
//! instead, for maintainers refreshing the book's charts from a real run.

use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};

use anyhow::{Context, Result, bail};

use crate::ui;
use crate::workspace::Workspace;

/// The labs' package.
const PACKAGE: &str = "course-labs";
/// Where `--publish` writes the charts, relative to the root.
pub const BOOK_CHARTS: &str = "book/src/figures/labs";

/// Builds the labs binary (`release`: optimised) and returns its path.
fn build(ws: &Workspace, release: bool) -> Result<PathBuf> {
    let pb = ui::spinner("labs");
    pb.set_message(format!(
        "cargo build{} -p {PACKAGE}",
        if release { " --release" } else { "" }
    ));
    let mut cmd = ws.cargo();
    cmd.args(["build", "--quiet", "--package", PACKAGE]);
    if release {
        cmd.arg("--release");
    }
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .context("cannot run cargo build")?;
    pb.finish_and_clear();
    if !out.status.success() {
        bail!(
            "building the labs failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let exe = ws
        .target_dir()
        .join(if release { "release" } else { "debug" })
        .join(format!("{PACKAGE}{}", std::env::consts::EXE_SUFFIX));
    if !exe.is_file() {
        bail!("the labs were built but {} is missing", exe.display());
    }
    Ok(exe)
}

/// Lists the labs (no name) or runs one.
pub fn run(
    ws: &Workspace,
    name: Option<&str>,
    quick: bool,
    realtime: bool,
    publish: bool,
) -> Result<ExitCode> {
    let exe = build(ws, true)?;
    let mut cmd = Command::new(exe);
    cmd.current_dir(&ws.root);
    match name {
        None => {
            cmd.arg("list");
        }
        Some(name) => {
            cmd.arg(name);
            if quick {
                cmd.arg("--quick");
            }
            if realtime {
                cmd.arg("--realtime");
            }
            let charts = if publish {
                ws.root.join(BOOK_CHARTS)
            } else {
                ws.target_dir().join("labs")
            };
            cmd.arg("--svg-dir").arg(charts);
        }
    }
    let status = cmd.status().context("cannot run the labs")?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// For `verify`: builds the labs (unoptimised is enough) and runs every one in quick mode.
/// Proves they work; asserts nothing about timings.
pub fn quick_check(ws: &Workspace) -> Result<std::result::Result<(), String>> {
    let exe = build(ws, false)?;
    let charts = ws.target_dir().join("labs-quick");
    let _ = std::fs::remove_dir_all(&charts);
    let list = Command::new(&exe)
        .arg("list")
        .output()
        .context("cannot run the labs")?;
    let listed = String::from_utf8_lossy(&list.stdout).into_owned();
    let out = Command::new(&exe)
        .current_dir(&ws.root)
        .args(["all", "--quick", "--svg-dir"])
        .arg(&charts)
        .stdin(Stdio::null())
        .output()
        .context("cannot run the labs")?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Ok(Err(format!(
            "`course-labs all --quick` failed:\n{text}{}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    let mut problems = Vec::new();
    let names: Vec<&str> = listed
        .lines()
        .filter_map(|l| l.strip_prefix("  "))
        .filter(|l| !l.starts_with(' '))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    if names.is_empty() {
        problems.push(format!("`course-labs list` listed no labs:\n{listed}"));
    }
    for name in &names {
        let Some(section) = text.split(&format!("## lab `{name}`")).nth(1) else {
            problems.push(format!("lab `{name}` did not run"));
            continue;
        };
        let section = section.split("## lab `").next().unwrap_or_default();
        if !section.contains("| case | median |") {
            problems.push(format!("lab `{name}` printed no table"));
        }
        for chart in section.lines().filter_map(|l| l.strip_prefix("chart: ")) {
            if !std::path::Path::new(chart.trim()).is_file() {
                problems.push(format!(
                    "lab `{name}` announced {chart} but did not write it"
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(Ok(()))
    } else {
        Ok(Err(problems.join("\n")))
    }
}
