//! Affinity and isolation: what this machine offers, whether pinning takes, and what it
//! changes for a cross-core handoff.
//!
//! Prints the NUMA nodes, the CPUs isolated at boot (`isolcpus=`, `nohz_full=`: kernel boot
//! parameters, not something a program can set), and, for every core, whether pinning a
//! thread there took (`core_affinity::set_for_current` returns a bool that must be checked,
//! and the thread must then actually run there). Then it measures a one-line ping-pong with
//! both threads pinned to different cores and with both left to the scheduler.

use course_testkit::pin;
use course_testkit::rounds::{Better, is_child};

use crate::chart;
use crate::ctx::Ctx;
use crate::ping_pong::one_word;

fn sys(path: &str) -> String {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "(not available)".into())
}

fn facts() {
    let nodes = std::fs::read_dir("/sys/devices/system/node")
        .map(|d| {
            d.flatten()
                .filter(|e| {
                    let n = e.file_name();
                    let n = n.to_string_lossy();
                    n.starts_with("node") && n[4..].chars().all(|c| c.is_ascii_digit())
                })
                .count()
        })
        .unwrap_or(0);
    println!("NUMA nodes: {nodes}");
    let isolated = sys("/sys/devices/system/cpu/isolated");
    let nohz = sys("/sys/devices/system/cpu/nohz_full");
    println!(
        "isolated CPUs (isolcpus=): {}",
        if isolated.is_empty() {
            "none"
        } else {
            &isolated
        }
    );
    println!(
        "tickless CPUs (nohz_full=): {}",
        if nohz.is_empty() || nohz == "(null)" {
            "none"
        } else {
            &nohz
        }
    );
    for core in pin::cores() {
        let result = std::thread::spawn(move || pin::pin_current(core))
            .join()
            .expect("pinning thread");
        match result {
            Ok(()) => println!("pin to cpu {}: ok (the thread runs there)", core.id),
            Err(e) => println!("pin to cpu {}: FAILED: {e}", core.id),
        }
    }
    println!();
}

pub fn run(ctx: &Ctx) {
    if !is_child() {
        facts();
    }
    let n = ctx.size(50_000, 1_000) as u64;
    let report = ctx
        .experiment(
            "one-line ping-pong, pinned or not",
            "ns per round trip",
            Better::Lower,
        )
        .case("pinned to two different cores", move || one_word(n, true))
        .case("not pinned (the scheduler decides)", move || {
            one_word(n, false)
        })
        .run();
    if let Some(r) = report {
        println!("{n} round trips per round.");
        chart::bars(
            ctx,
            "affinity.svg",
            "One-line ping-pong: pinned versus left to the scheduler",
            "ns per round trip",
            &chart::bars_of(&r),
        );
    }
}
