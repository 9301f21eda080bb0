//! The price of moving a cache line between cores: a ping-pong.
//!
//! Two threads on two cores take turns. In "one line", both write the same word (odd =
//! ping, even = pong), so each turn moves one line. In "two lines", each thread writes its
//! own flag on its own 128-byte block and reads the other's: each turn moves the writer's
//! line to the reader, so a round trip moves two lines. "Two flags in one line" packs both
//! flags into one line: it behaves like one line, because it is one.

use std::sync::atomic::{AtomicU64, Ordering};

use course_testkit::rounds::Better;
use course_testkit::team::run_team;
use crossbeam_utils::CachePadded;

use crate::chart;
use crate::ctx::Ctx;
use crate::util::spin_until;

/// Round trips through one shared word, with the two threads pinned to two cores or left
/// to the scheduler; returns ns per round trip. (Also the labs' placement probe.)
pub fn one_word(rtts: u64, pinned: bool) -> f64 {
    let word = CachePadded::new(AtomicU64::new(0));
    let t = run_team(2, pinned, |t| {
        for i in 0..rtts {
            // Thread 0 waits for 2i and writes 2i+1; thread 1 waits for 2i+1, writes 2i+2.
            // Acquire/Release: each turn hands the "ball" over; nothing else is published,
            // so this is the pattern's cost, not an ordering's. (spin_until yields after a
            // while, so two unpinned threads on one core still make progress.)
            let want = 2 * i + t as u64;
            spin_until(|| word.load(Ordering::Acquire) == want);
            word.store(want + 1, Ordering::Release);
        }
    });
    t.as_nanos() as f64 / rtts as f64
}

/// Round trips with one flag per thread: on separate lines (`padded`) or in one line.
fn two_flags(rtts: u64, padded: bool) -> f64 {
    #[repr(C, align(128))]
    struct Packed {
        f: [AtomicU64; 2],
    }
    let packed = Packed {
        f: [AtomicU64::new(0), AtomicU64::new(0)],
    };
    let apart = [
        CachePadded::new(AtomicU64::new(0)),
        CachePadded::new(AtomicU64::new(0)),
    ];
    let flag = |i: usize| -> &AtomicU64 { if padded { &apart[i] } else { &packed.f[i] } };
    let t = run_team(2, true, |t| {
        for i in 1..=rtts {
            // Release/Acquire pairs: each store publishes "round i" to the other thread's
            // Acquire load of the same flag. Nothing else is published, so Relaxed would
            // measure the same on x86-64; the pair keeps the lab correct on weaker CPUs.
            if t == 0 {
                flag(0).store(i, Ordering::Release);
                spin_until(|| flag(1).load(Ordering::Acquire) == i);
            } else {
                spin_until(|| flag(0).load(Ordering::Acquire) == i);
                flag(1).store(i, Ordering::Release);
            }
        }
    });
    t.as_nanos() as f64 / rtts as f64
}

pub fn run(ctx: &Ctx) {
    let n = ctx.size(50_000, 1_000) as u64;
    let report = ctx
        .experiment("ping-pong round trip", "ns per round trip", Better::Lower)
        .case("one line (one shared word)", move || one_word(n, true))
        .case("two lines (a flag each, padded)", move || {
            two_flags(n, true)
        })
        .case("two flags in one line", move || two_flags(n, false))
        .run();
    if let Some(r) = report {
        println!("{n} round trips per round. A round trip of one line is two line transfers.");
        chart::bars(
            ctx,
            "ping-pong.svg",
            "Cross-core ping-pong: round-trip time",
            "ns per round trip",
            &chart::bars_of(&r),
        );
    }
}
