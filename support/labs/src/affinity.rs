//! Affinity and isolation: what this machine offers, whether pinning takes, and what it
//! changes for a cross-core handoff.
//!
//! Prints the NUMA nodes, the CPUs isolated at boot (`isolcpus=`, `nohz_full=`: kernel boot
//! parameters, not something a program can set), and, for every core, whether pinning a
//! thread there took (`core_affinity::set_for_current` returns a bool that must be checked,
//! and the thread must then actually run there). Then it measures a one-line ping-pong with
//! both threads pinned to different cores and with both left to the scheduler.

use std::sync::atomic::{AtomicU64, Ordering};

use course_testkit::pin;
use course_testkit::rounds::{Better, is_child};
use course_testkit::team::run_team;
use crossbeam_utils::CachePadded;

use crate::chart;
use crate::ctx::Ctx;
use crate::util::spin_until;

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

fn ping_pong(rtts: u64, pinned: bool) -> f64 {
    let word = CachePadded::new(AtomicU64::new(0));
    let t = run_team(2, pinned, |t| {
        for i in 0..rtts {
            let want = 2 * i + t as u64;
            // spin_until yields after a while, so two unpinned threads that the scheduler
            // put on one core still make progress.
            spin_until(|| word.load(Ordering::Acquire) == want);
            word.store(want + 1, Ordering::Release);
        }
    });
    t.as_nanos() as f64 / rtts as f64
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
        .case("pinned to two different cores", move || ping_pong(n, true))
        .case("not pinned (the scheduler decides)", move || {
            ping_pong(n, false)
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
