//! Store buffering (SB), the litmus test that tells SeqCst from Release/Acquire.
//!
//! ```text
//! thread 0: x = 1; r0 = y        thread 1: y = 1; r1 = x        (x = y = 0 at first)
//! ```
//!
//! Can both loads read 0? Under SeqCst, no: there is one total order of the four accesses,
//! and whichever store comes first in it is seen by the other thread's load. Under
//! Release/Acquire (and Relaxed), yes: nothing orders a store before a *later load of
//! another location*, and on x86-64 the store buffer does exactly that reordering: each
//! core's store waits in its buffer while its load reads the old value from the cache.
//!
//! Each trial uses fresh locations (`x[i]`, `y[i]`), which both threads read before the
//! trial (so each core holds both lines, shared), and the two threads, pinned to two cores,
//! meet at a spin barrier before every trial so that their accesses overlap.

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering, fence};

use course_testkit::rounds::{Better, note};
use course_testkit::team::run_team;
use crossbeam_utils::CachePadded;

use crate::chart;
use crate::ctx::Ctx;
use crate::util::{percent, spin_until};

/// Runs `trials` store-buffering trials; returns the percentage where both loads read 0.
fn trials(trials: usize, store: Ordering, load: Ordering, sc_fence: bool) -> f64 {
    let x: Vec<AtomicU32> = (0..trials).map(|_| AtomicU32::new(0)).collect();
    let y: Vec<AtomicU32> = (0..trials).map(|_| AtomicU32::new(0)).collect();
    let seen: [Vec<AtomicU32>; 2] = [
        (0..trials).map(|_| AtomicU32::new(9)).collect(),
        (0..trials).map(|_| AtomicU32::new(9)).collect(),
    ];
    let arrived = [
        CachePadded::new(AtomicUsize::new(0)),
        CachePadded::new(AtomicUsize::new(0)),
    ];
    run_team(2, true, |t| {
        let (mine, theirs) = if t == 0 { (&x, &y) } else { (&y, &x) };
        let out = &seen[t];
        let mut rng = 0x9E37_79B9_7F4A_7C15u64 ^ (t as u64 + 1);
        for i in 0..trials {
            // Bring both locations into this core's cache (shared) first: then the load
            // below hits locally at once, while the store must first invalidate the other
            // core's copy. That is the window in which the store waits in the buffer.
            // Relaxed: the values are discarded; these loads only warm the cache.
            std::hint::black_box(theirs[i].load(Ordering::Relaxed));
            std::hint::black_box(mine[i].load(Ordering::Relaxed));
            // The barrier: announce trial i, wait for the other thread to announce it too.
            // Release/Acquire: only keeps the trials apart; it orders nothing inside one.
            arrived[t].store(i + 1, Ordering::Release);
            spin_until(|| arrived[1 - t].load(Ordering::Acquire) > i);
            // The threads leave the barrier up to one line transfer apart. A small random
            // delay on each side makes many trials line up closely (litmus tools do the
            // same); the delay is not part of the test.
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            for _ in 0..rng % 128 {
                std::hint::spin_loop();
            }
            mine[i].store(1, store);
            if sc_fence {
                // SeqCst: the fence variant (see `run`); with a fence between store and load
                // on both threads, the two fences are ordered and both loads cannot read 0.
                fence(Ordering::SeqCst);
            }
            let r = theirs[i].load(load);
            // Relaxed: the result is read only after run_team has joined the threads.
            out[i].store(r, Ordering::Relaxed);
        }
    });
    // Relaxed (in both counts): run_team has joined the threads, and the join orders
    // their result stores before these loads.
    let both_zero = (0..trials)
        .filter(|&i| {
            seen[0][i].load(Ordering::Relaxed) == 0 && seen[1][i].load(Ordering::Relaxed) == 0
        })
        .count();
    let one_zero = (0..trials)
        .filter(|&i| {
            (seen[0][i].load(Ordering::Relaxed) == 0) != (seen[1][i].load(Ordering::Relaxed) == 0)
        })
        .count();
    // How often the trials really overlapped: only one thread read 0 (the other thread's
    // store had landed). With no overlap at all, a 0% result would prove nothing.
    note("one load read 0 (%)", percent(one_zero, trials));
    percent(both_zero, trials)
}

pub fn run(ctx: &Ctx) {
    let n = ctx.size(100_000, 2_000);
    use Ordering::*;
    let report = ctx
        .experiment(
            "store buffering: both loads read 0",
            "% of trials",
            Better::Lower,
        )
        // The orderings below are the experiment's variants for the litmus test's store and
        // load; Relaxed and Release/Acquire are the ones that allow both loads to read 0
        // (the module docs explain).
        .case("Relaxed store, Relaxed load", move || {
            trials(n, Relaxed, Relaxed, false)
        })
        .case("Release store, Acquire load", move || {
            trials(n, Release, Acquire, false)
        })
        .case("SeqCst store, SeqCst load", move || {
            trials(n, SeqCst, SeqCst, false)
        })
        .case("Release, fence(SeqCst), Acquire", move || {
            trials(n, Release, Acquire, true)
        })
        .run();
    if let Some(r) = report {
        println!("{n} trials per round.");
        chart::bars(
            ctx,
            "store-buffering.svg",
            "Store buffering: trials where both loads read 0",
            "% of trials (higher = the reordering happened more often)",
            &chart::bars_of(&r),
        );
    }
}
