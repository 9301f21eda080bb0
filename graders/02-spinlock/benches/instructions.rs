//! Bench (deterministic): instructions per uncontended lock + increment + unlock (and
//! try_lock + increment + unlock), counted by valgrind's callgrind.
//!
//! Wall-clock figures for a single thread swing by a few percent from run to run on a
//! shared machine; instruction counts do not change at all. They are not time (an `xchg`
//! and a `mov` are one instruction each and cost very different amounts), but they are the
//! stable figure to watch when you change the fast path.
//!
//! How: this binary re-runs itself under `valgrind --tool=callgrind` once per lock and
//! per loop length (`N` and `2N` iterations) and divides the difference of the two totals
//! by `N`, which cancels everything outside the loop (start-up, allocation, exit). The loop
//! itself adds a compare and a branch per iteration.
//!
//! Run: `cargo bench -p spinlock-grader --no-default-features --features bench,solution,reference --bench instructions`
//! (also part of `cargo xtask bench 02-spinlock`). Needs `valgrind` on the PATH; without it
//! the bench says so and exits.

use std::hint::black_box;
use std::process::Command;

use spinlock_grader::{UNDER_TEST, imp};

const CASE_ENV: &str = "COURSE_IR_CASE";
const ITERS_ENV: &str = "COURSE_IR_ITERS";
const N: u64 = 100_000;

/// The locks, by name; each runs `iters` lock + increment + unlock.
fn cases() -> Vec<(String, fn(u64))> {
    let mut v: Vec<(String, fn(u64))> = vec![(format!("{UNDER_TEST}: SpinLock"), |iters| {
        let lock = imp::SpinLock::new(0u64);
        for _ in 0..iters {
            *black_box(&lock).lock() += 1;
        }
        black_box(lock.into_inner());
    })];
    v.push((format!("{UNDER_TEST}: SpinLock, try_lock"), |iters| {
        let lock = imp::SpinLock::new(0u64);
        for _ in 0..iters {
            if let Some(mut g) = black_box(&lock).try_lock() {
                *g += 1;
            }
        }
        black_box(lock.into_inner());
    }));
    #[cfg(feature = "reference")]
    v.push(("reference: SpinLock".into(), |iters| {
        let lock = spinlock_grader::reference::SpinLock::new(0u64);
        for _ in 0..iters {
            *black_box(&lock).lock() += 1;
        }
        black_box(lock.into_inner());
    }));
    v.push(("std::sync::Mutex".into(), |iters| {
        let lock = std::sync::Mutex::new(0u64);
        for _ in 0..iters {
            *black_box(&lock).lock().unwrap() += 1;
        }
        black_box(lock.into_inner().unwrap());
    }));
    v.push(("parking_lot::Mutex".into(), |iters| {
        let lock = parking_lot::Mutex::new(0u64);
        for _ in 0..iters {
            *black_box(&lock).lock() += 1;
        }
        black_box(lock.into_inner());
    }));
    v.push(("std::sync::Mutex, try_lock".into(), |iters| {
        let lock = std::sync::Mutex::new(0u64);
        for _ in 0..iters {
            if let Ok(mut g) = black_box(&lock).try_lock() {
                *g += 1;
            }
        }
        black_box(lock.into_inner().unwrap());
    }));
    v.push(("parking_lot::Mutex, try_lock".into(), |iters| {
        let lock = parking_lot::Mutex::new(0u64);
        for _ in 0..iters {
            if let Some(mut g) = black_box(&lock).try_lock() {
                *g += 1;
            }
        }
        black_box(lock.into_inner());
    }));
    v.push(("spin::Mutex".into(), |iters| {
        let lock = spin::Mutex::new(0u64);
        for _ in 0..iters {
            *black_box(&lock).lock() += 1;
        }
        black_box(lock.into_inner());
    }));
    v
}

/// Total instructions callgrind counted for one run of `case` with `iters` iterations.
fn count(case: &str, iters: u64) -> Result<u64, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new("valgrind")
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(exe)
        .env(CASE_ENV, case)
        .env(ITERS_ENV, iters.to_string())
        .output()
        .map_err(|e| format!("cannot run valgrind: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!("valgrind failed: {stderr}"));
    }
    // callgrind ends with "==pid== Collected : <instructions>".
    stderr
        .lines()
        .find_map(|l| {
            l.split_once("Collected :")
                .map(|(_, n)| n.trim().to_string())
        })
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("no 'Collected' line in valgrind's output:\n{stderr}"))
}

fn main() {
    let cases = cases();
    if let Ok(case) = std::env::var(CASE_ENV) {
        // A child under valgrind: run one case and exit.
        let iters = std::env::var(ITERS_ENV)
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(N);
        let (_, run) = cases
            .iter()
            .find(|(name, _)| *name == case)
            .expect("a known case");
        run(iters);
        return;
    }
    if Command::new("valgrind").arg("--version").output().is_err() {
        eprintln!("instructions: valgrind is not installed; skipping the instruction counts");
        return;
    }
    println!("\n### Instructions per uncontended lock + increment + unlock (callgrind)\n");
    println!(
        "(total instructions of a {}-iteration run minus a {N}-iteration run, ÷ {N}; the loop adds ~2)\n",
        2 * N
    );
    println!("| case | instructions per iteration |");
    println!("|---|---:|");
    for (name, _) in &cases {
        match (count(name, N), count(name, 2 * N)) {
            (Ok(a), Ok(b)) => println!("| {name} | {:.2} |", (b as f64 - a as f64) / N as f64),
            (Err(e), _) | (_, Err(e)) => {
                println!("| {name} | error: {} |", e.lines().next().unwrap_or(""))
            }
        }
    }
}
