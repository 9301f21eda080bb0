//! Batching: paying for a shared cache line once per batch instead of once per item.
//!
//! Two threads on two cores count events into one shared counter. With batch size 1, every
//! event is a `fetch_add` on the contended line. With batch size b, a thread counts b
//! events in a local variable and then adds b with one `fetch_add`: the line moves at most
//! once per b events. The figure is the time per *event* for the whole team. (The price of
//! batching is staleness: the shared total lags by up to b − 1 events per thread.)

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use course_testkit::rounds::Better;
use course_testkit::team::run_team;
use crossbeam_utils::CachePadded;

use crate::chart;
use crate::ctx::Ctx;

const BATCHES: [u64; 6] = [1, 2, 8, 32, 128, 1024];

fn count(events_per_thread: u64, batch: u64) -> f64 {
    let total = CachePadded::new(AtomicU64::new(0));
    let t = run_team(2, true, |_| {
        let mut local = 0u64;
        for _ in 0..events_per_thread {
            local += black_box(1);
            if local == batch {
                // Relaxed: a counter publishes nothing.
                total.fetch_add(local, Ordering::Relaxed);
                local = 0;
            }
        }
        // Relaxed: as above; this adds the last, partial batch.
        total.fetch_add(local, Ordering::Relaxed);
    });
    // Relaxed: run_team has joined the threads, and the join orders their adds before
    // this load.
    assert_eq!(total.load(Ordering::Relaxed), 2 * events_per_thread);
    t.as_nanos() as f64 / (2 * events_per_thread) as f64
}

pub fn run(ctx: &Ctx) {
    let n = ctx.size(2_000_000, 20_000) as u64;
    let mut e = ctx.experiment(
        "batching: two cores count into one counter",
        "ns per event (whole team)",
        Better::Lower,
    );
    for b in BATCHES {
        e = e.case(format!("batch of {b}"), move || count(n, b));
    }
    if let Some(r) = e.run() {
        println!("{n} events per thread per round.");
        chart::bars(
            ctx,
            "batching.svg",
            "Two cores counting into one shared counter, by batch size",
            "ns per event, whole team",
            &chart::bars_of(&r),
        );
    }
}
