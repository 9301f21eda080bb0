//! `cargo xtask bench <id> [--solution]`: runs the grader's criterion benches with the
//! crate under test, the reference solution (when present) and the peers, then prints a
//! ratio summary: each benchmark's time as a multiple of the fastest in its group.
//!
//! Criterion writes its results to `target/criterion/<group>/<bench>/new/`; the summary
//! reads `benchmark.json` (names) and `estimates.json` (median time per iteration) of the
//! benchmarks this run produced.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{ExitCode, Stdio};
use std::time::SystemTime;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::check::Target;
use crate::ui;
use crate::workspace::Workspace;

#[derive(Debug, Deserialize)]
struct BenchmarkJson {
    group_id: String,
    function_id: Option<String>,
    value_str: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Estimate {
    point_estimate: f64,
}

#[derive(Debug, Deserialize)]
struct Estimates {
    median: Estimate,
}

pub fn run(ws: &Workspace, id: &str, solution: bool, filter: Option<&str>) -> Result<ExitCode> {
    let ex = ws.catalogue.find(id)?;
    let grader = ex.grader_dir(&ws.root);
    if !grader.join("benches").is_dir() {
        bail!("{} has no benches", ex.id());
    }
    let target = if solution {
        Target::Solution
    } else {
        Target::Exercise
    };
    let mut features = vec!["bench".to_string(), target.feature().to_string()];
    let has_reference = ex.solution_dir(&ws.root).is_dir();
    if has_reference {
        features.push("reference".into());
    }
    let criterion_home = ws.target_dir().join("criterion");
    // Interleaved experiments (`course_testkit::rounds`) append their results here.
    let rounds_json = ws.target_dir().join("course-rounds.jsonl");
    let _ = std::fs::remove_file(&rounds_json);
    println!(
        "{} {} ({}{}); peers: {}",
        ui::bold("Benchmarking"),
        ui::bold(ex.id()),
        match target {
            Target::Exercise => "your code",
            Target::Solution => "the reference solution",
        },
        if has_reference && !solution {
            " vs the reference"
        } else {
            ""
        },
        if ex.peers.is_empty() {
            "none".to_string()
        } else {
            ex.peers.join(", ")
        }
    );
    println!(
        "{}",
        ui::dim(
            "Close other programs: timings on a busy machine mean little. Compare ratios, not absolute numbers."
        )
    );
    let started = SystemTime::now();
    let mut cmd = ws.cargo();
    cmd.args([
        "bench",
        "--package",
        &ex.grader_package(),
        "--no-default-features",
        "--features",
    ])
    .arg(features.join(","))
    .arg("--")
    .env("CRITERION_HOME", &criterion_home)
    .stdin(Stdio::null());
    if let Some(f) = filter {
        cmd.arg(f);
    }
    let status = cmd.status().context("cannot run cargo bench")?;
    if !status.success() {
        bail!(
            "the benches failed ({status}); run `cargo xtask check {}` first: benches assume correct code",
            ex.id()
        );
    }
    print_summary(&criterion_home, started)?;
    print_rounds_summary(&rounds_json);
    println!(
        "\n{}",
        ui::dim(format!(
            "Full reports (plots, distributions): {}",
            ws.rel(&criterion_home.join("report").join("index.html"))
                .display()
        ))
    );
    Ok(ExitCode::SUCCESS)
}

/// Prints, per group, every benchmark written since `since`, fastest first.
fn print_summary(home: &Path, since: SystemTime) -> Result<()> {
    let mut groups: BTreeMap<String, Vec<(String, f64)>> = BTreeMap::new();
    let mut stack = vec![home.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.file_name().is_none_or(|n| n != "benchmark.json")
                || path
                    .parent()
                    .and_then(|p| p.file_name())
                    .is_none_or(|n| n != "new")
            {
                continue;
            }
            let fresh = entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|m| m >= since);
            if !fresh {
                continue;
            }
            let Ok(meta) = serde_json::from_str::<BenchmarkJson>(&std::fs::read_to_string(&path)?)
            else {
                continue;
            };
            let Ok(est) = std::fs::read_to_string(path.with_file_name("estimates.json"))
                .map_err(anyhow::Error::from)
                .and_then(|t| Ok(serde_json::from_str::<Estimates>(&t)?))
            else {
                continue;
            };
            let mut name = meta.function_id.unwrap_or_default();
            if let Some(v) = meta.value_str {
                name = format!("{name}/{v}");
            }
            groups
                .entry(meta.group_id)
                .or_default()
                .push((name, est.median.point_estimate));
        }
    }
    if groups.is_empty() {
        return Ok(());
    }
    println!(
        "\n{}",
        ui::bold(
            "Summary: median time per iteration, and the multiple of the fastest in each group"
        )
    );
    for (group, mut rows) in groups {
        rows.sort_by(|a, b| a.1.total_cmp(&b.1));
        let fastest = rows[0].1;
        println!("\n  {}", ui::bold(&group));
        for (name, ns) in rows {
            let ratio = ns / fastest;
            let label = if name.starts_with("yours") || name.starts_with("solution") {
                ui::bold(&name)
            } else {
                name.clone()
            };
            let ratio_s = format!("{ratio:>6.2}×");
            let ratio_s = if ratio <= 1.05 {
                ui::green(ratio_s)
            } else if ratio > 2.0 {
                ui::yellow(ratio_s)
            } else {
                ratio_s
            };
            println!("    {ratio_s} {:>11}  {label}", format_ns(ns));
        }
    }
    Ok(())
}

fn format_ns(ns: f64) -> String {
    if ns < 1_000.0 {
        format!("{ns:.2} ns")
    } else if ns < 1_000_000.0 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{:.2} ms", ns / 1e6)
    }
}

/// Prints the ratios of the interleaved experiments the benches ran, if any.
fn print_rounds_summary(path: &Path) {
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    let mut printed_header = false;
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if !printed_header {
            println!(
                "\n{}",
                ui::bold(
                    "Interleaved experiments: median, and ratio to the baseline computed round by round (range over processes)"
                )
            );
            printed_header = true;
        }
        let name = v["experiment"].as_str().unwrap_or("?");
        let unit = v["unit"].as_str().unwrap_or("");
        let baseline = v["baseline"].as_str().unwrap_or("?");
        println!(
            "\n  {}  {}",
            ui::bold(name),
            ui::dim(format!(
                "{} rounds × {} processes; {unit}; ratio = case ÷ {baseline}",
                v["rounds"], v["processes"]
            ))
        );
        for c in v["cases"].as_array().into_iter().flatten() {
            let case = c["name"].as_str().unwrap_or("?");
            let label = if case.starts_with("yours") || case.starts_with("solution") {
                ui::bold(case)
            } else {
                case.to_string()
            };
            println!(
                "    {:>10.3}  {:>6.2}× ({:.2}–{:.2})  {label}",
                c["median"].as_f64().unwrap_or(f64::NAN),
                c["ratio"].as_f64().unwrap_or(f64::NAN),
                c["ratio_min"].as_f64().unwrap_or(f64::NAN),
                c["ratio_max"].as_f64().unwrap_or(f64::NAN),
            );
        }
    }
}
