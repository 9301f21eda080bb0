//! What one atomic operation costs on one core, by ordering.
//!
//! On x86-64: every load is a `mov` and every non-SeqCst store is a `mov`; a SeqCst store
//! is an `xchg` (a locked instruction: it drains the store buffer); every read-modify-write
//! is `lock`-prefixed at every ordering; `fence(SeqCst)` is a locked `or` on the stack;
//! `fence(Acquire)`, `fence(Release)` and compiler fences emit nothing. Each case times a
//! loop of the operation on one thread (no contention) and reports ns per operation,
//! loop overhead included.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering, compiler_fence, fence};
use std::time::Instant;

use course_testkit::rounds::Better;

use crate::chart;
use crate::ctx::Ctx;

fn timed(n: usize, mut body: impl FnMut(u64)) -> f64 {
    let t = Instant::now();
    for i in 0..n as u64 {
        body(i);
    }
    t.elapsed().as_nanos() as f64 / n as f64
}

pub fn run(ctx: &Ctx) {
    let n = ctx.size(2_000_000, 20_000);
    let a: &'static AtomicU64 = Box::leak(Box::new(AtomicU64::new(0)));
    use Ordering::*;
    let store = move |o: Ordering| move || timed(n, |i| black_box(a).store(i, o));
    let load = move |o: Ordering| {
        move || {
            let mut s = 0u64;
            let ns = timed(n, |_| s = s.wrapping_add(black_box(a).load(o)));
            black_box(s);
            ns
        }
    };
    let rmw = move |o: Ordering| {
        move || {
            timed(n, |i| {
                black_box(black_box(a).fetch_add(i, o));
            })
        }
    };
    let report = ctx
        .experiment(
            "one atomic operation, one thread",
            "ns per operation",
            Better::Lower,
        )
        // The orderings in these cases (and in the fence cases below) are the experiment's
        // variants: each is timed on one thread, and no other thread reads `a`, so none of
        // them pairs with anything.
        .case("store Relaxed (mov)", store(Relaxed))
        .case("store Release (mov)", store(Release))
        .case("store SeqCst (xchg)", store(SeqCst))
        .case("load Relaxed (mov)", load(Relaxed))
        .case("load Acquire (mov)", load(Acquire))
        .case("load SeqCst (mov)", load(SeqCst))
        .case("fetch_add Relaxed (lock xadd)", rmw(Relaxed))
        .case("fetch_add SeqCst (lock xadd)", rmw(SeqCst))
        .case("store Release + fence(SeqCst)", move || {
            timed(n, |i| {
                black_box(a).store(i, Release);
                fence(SeqCst);
            })
        })
        .case("store Release + fence(Release)", move || {
            timed(n, |i| {
                black_box(a).store(i, Release);
                fence(Release);
            })
        })
        .case("store Release + compiler_fence(SeqCst)", move || {
            timed(n, |i| {
                black_box(a).store(i, Release);
                compiler_fence(SeqCst);
            })
        })
        .baseline("store Release (mov)")
        .run();
    if let Some(r) = report {
        println!("{n} operations per round.");
        chart::bars(
            ctx,
            "ordering-cost.svg",
            "One atomic operation on one core (x86-64 instruction in brackets)",
            "ns per operation (loop included)",
            &chart::bars_of(&r),
        );
    }
}
