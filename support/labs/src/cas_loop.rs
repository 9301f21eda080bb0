//! `fetch_add` against compare-and-swap loops, alone and under contention.
//!
//! Every case adds 1 to one shared counter, many times, from 1 or 2 threads pinned to
//! different cores. `fetch_add` cannot fail; a CAS loop fails whenever another thread's
//! update lands between its load and its CAS, and each failure costs a retry (and, on the
//! contended line, another transfer). Failures are counted in software and reported per
//! successful increment: hardware counters of locked instructions count successes too.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use course_testkit::rounds::{Better, Report, note};
use course_testkit::team::run_team;
use crossbeam_utils::{Backoff, CachePadded};

use crate::chart;
use crate::ctx::Ctx;

#[derive(Clone, Copy)]
enum Kind {
    FetchAdd,
    Strong,
    Weak,
    FetchUpdate,
    Reload,
    Backoff,
}

/// One increment; returns how many CAS attempts failed.
#[inline]
fn increment(c: &AtomicU64, kind: Kind) -> usize {
    // Relaxed everywhere: a counter publishes nothing (see exercise 01).
    let mut failed = 0;
    match kind {
        Kind::FetchAdd => {
            c.fetch_add(1, Ordering::Relaxed);
        }
        Kind::Strong | Kind::Weak | Kind::Backoff => {
            let backoff = Backoff::new();
            let mut cur = c.load(Ordering::Relaxed);
            loop {
                let r = match kind {
                    Kind::Weak => {
                        c.compare_exchange_weak(cur, cur + 1, Ordering::Relaxed, Ordering::Relaxed)
                    }
                    _ => c.compare_exchange(cur, cur + 1, Ordering::Relaxed, Ordering::Relaxed),
                };
                match r {
                    Ok(_) => break,
                    // The failed CAS returns the current value: retry from it.
                    Err(now) => {
                        failed += 1;
                        cur = now;
                        if let Kind::Backoff = kind {
                            backoff.spin();
                        }
                    }
                }
            }
        }
        Kind::FetchUpdate => {
            let mut tries = 0;
            let _ = c.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
                tries += 1;
                Some(v + 1)
            });
            failed = tries - 1;
        }
        Kind::Reload => loop {
            // The naive loop: a fresh load before every attempt.
            let cur = c.load(Ordering::Relaxed);
            if c.compare_exchange(cur, cur + 1, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
            {
                break;
            }
            failed += 1;
        },
    }
    failed
}

/// `threads` threads do `per_thread` increments each; returns ns per increment for the
/// whole team, and notes the failed CAS attempts per increment.
fn team(threads: usize, per_thread: u64, kind: Kind) -> f64 {
    let counter = CachePadded::new(AtomicU64::new(0));
    let failed = AtomicUsize::new(0);
    let t = run_team(threads, true, |_| {
        let mut f = 0;
        for _ in 0..per_thread {
            f += increment(&counter, kind);
        }
        // Relaxed: a statistic read only after run_team has joined the threads.
        failed.fetch_add(f, Ordering::Relaxed);
    });
    let total = threads as u64 * per_thread;
    // Relaxed: run_team has joined the threads; the join orders their increments before
    // this load.
    assert_eq!(
        counter.load(Ordering::Relaxed),
        total,
        "an increment was lost"
    );
    note(
        "failed CAS per increment",
        failed.into_inner() as f64 / total as f64,
    );
    t.as_nanos() as f64 / total as f64
}

fn experiment(ctx: &Ctx, threads: usize, per_thread: u64) -> Option<Report> {
    let cases = [
        ("fetch_add", Kind::FetchAdd),
        ("CAS loop (strong, reuse failure value)", Kind::Strong),
        ("CAS loop (weak, reuse failure value)", Kind::Weak),
        ("fetch_update", Kind::FetchUpdate),
        ("CAS loop, fresh load each try", Kind::Reload),
        ("CAS loop + Backoff::spin on failure", Kind::Backoff),
    ];
    let mut e = ctx.experiment(
        &format!("increment a shared counter, {threads} thread(s)"),
        "ns per increment (whole team)",
        Better::Lower,
    );
    for (name, kind) in cases {
        e = e.case(name, move || team(threads, per_thread, kind));
    }
    e.run()
}

pub fn run(ctx: &Ctx) {
    let per_thread = ctx.size(1_000_000, 10_000) as u64;
    let one = experiment(ctx, 1, per_thread);
    let two = experiment(ctx, 2, per_thread);
    if let (Some(_), Some(two)) = (one, two) {
        println!("{per_thread} increments per thread per round.");
        chart::bars(
            ctx,
            "cas-loop.svg",
            "Incrementing one counter from 2 cores",
            "ns per increment, whole team",
            &chart::bars_of(&two),
        );
    }
}
