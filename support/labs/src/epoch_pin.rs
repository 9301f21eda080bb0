//! What it costs to pin the current thread in crossbeam-epoch.
//!
//! An outermost `epoch::pin()` announces "I may be reading shared pointers" to the
//! collector: it stores the global epoch into the thread's slot and then needs a SeqCst
//! fence (so the announcement is visible before the thread reads any pointer), and every
//! 128th pin also tries to advance the epoch and collect garbage. A nested pin (while an
//! outer guard is alive) only bumps a counter.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering, fence};
use std::time::Instant;

use course_testkit::rounds::Better;
use crossbeam_epoch as epoch;

use crate::chart;
use crate::ctx::Ctx;

fn timed(n: usize, mut body: impl FnMut()) -> f64 {
    let t = Instant::now();
    for _ in 0..n {
        body();
    }
    t.elapsed().as_nanos() as f64 / n as f64
}

pub fn run(ctx: &Ctx) {
    let n = ctx.size(2_000_000, 20_000);
    let report = ctx
        .experiment(
            "crossbeam-epoch pin, 1 thread",
            "ns per pin + unpin",
            Better::Lower,
        )
        .case("epoch::pin() (outermost)", move || {
            timed(n, || drop(black_box(epoch::pin())))
        })
        .case("epoch::pin() nested in a held guard", move || {
            let outer = epoch::pin();
            let ns = timed(n, || drop(black_box(epoch::pin())));
            drop(outer);
            ns
        })
        .case("(reference) Relaxed store + fence(SeqCst)", move || {
            // A fence alone, with no memory access in the loop, may be optimised away.
            let a = AtomicU64::new(0);
            timed(n, || {
                // Relaxed store, then SeqCst fence: the shape of an outermost pin (see the
                // module docs), timed on one thread; no other thread reads `a`, so neither
                // pairs with anything.
                black_box(&a).store(1, Ordering::Relaxed);
                fence(Ordering::SeqCst);
            })
        })
        .case("(reference) fetch_add Relaxed", move || {
            let a = AtomicU64::new(0);
            timed(n, || {
                // Relaxed: timed on one thread; no other thread reads `a`, so there is
                // nothing to pair with.
                black_box(black_box(&a).fetch_add(1, Ordering::Relaxed));
            })
        })
        .run();
    if let Some(r) = report {
        println!("{n} pins per round.");
        chart::bars(
            ctx,
            "epoch-pin.svg",
            "crossbeam-epoch: cost of pinning",
            "ns per operation",
            &chart::bars_of(&r),
        );
    }
}
