//! The noise floor: an A/A test.
//!
//! Every case in an experiment is compared with a baseline measured in the same rounds.
//! How far apart can two cases be when they run *identical* code? Here "A" and "A again"
//! are the same function, once on one core (an uncontended atomic add) and once across
//! two cores (a contended one). Their ratio is 1.00 in theory; in practice it is the
//! noise you must exceed before a difference means anything.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use course_testkit::rounds::Better;
use course_testkit::team::run_team;
use crossbeam_utils::CachePadded;

use crate::ctx::Ctx;

fn one_core(n: u64) -> f64 {
    let a = AtomicU64::new(0);
    let t = Instant::now();
    for _ in 0..n {
        // Relaxed: only the operation's cost is measured; no other thread reads `a`.
        black_box(&a).fetch_add(1, Ordering::Relaxed);
    }
    t.elapsed().as_nanos() as f64 / n as f64
}

fn two_cores(n: u64) -> f64 {
    let a = CachePadded::new(AtomicU64::new(0));
    let t = run_team(2, true, |_| {
        for _ in 0..n {
            // Relaxed: a contended counter whose value is never read; it publishes nothing,
            // and only the cost is measured.
            a.fetch_add(1, Ordering::Relaxed);
        }
    });
    t.as_nanos() as f64 / (2 * n) as f64
}

pub fn run(ctx: &Ctx) {
    let n = ctx.size(1_000_000, 10_000) as u64;
    let _ = ctx
        .experiment("A/A test, one core", "ns per fetch_add", Better::Lower)
        .case("A", move || one_core(n))
        .case("A again (identical code)", move || one_core(n))
        .run();
    let _ = ctx
        .experiment(
            "A/A test, two cores",
            "ns per fetch_add (team)",
            Better::Lower,
        )
        .case("A", move || two_cores(n))
        .case("A again (identical code)", move || two_cores(n))
        .run();
}
