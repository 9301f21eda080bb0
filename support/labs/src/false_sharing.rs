//! False sharing by distance: two threads, each updating its own counter, with the two
//! counters 8 to 256 bytes apart.
//!
//! Coherence works per 64-byte line: counters closer than that share a line and every
//! update by one core invalidates the other's copy. At 64 bytes they are in adjacent lines
//! of one 128-byte pair, which the L2 spatial prefetcher of Intel cores fetches together;
//! at 128 and more they are in different pairs. Two kinds of update: `fetch_add` (a locked
//! RMW, which must own the line) and a plain load + store (which the store buffer can
//! hide).

use std::sync::atomic::{AtomicU64, Ordering};

use course_testkit::rounds::{Better, Report};
use course_testkit::team::run_team;

use crate::chart::{self, Bar, Series};
use crate::ctx::Ctx;

const DISTANCES: [usize; 6] = [8, 16, 32, 64, 128, 256];

#[repr(C, align(512))]
struct Block([AtomicU64; 64]);

/// Each of two threads does `ops` updates on its own counter; counters `distance` bytes
/// apart. Returns ns per update (per thread: the threads run in parallel).
fn updates(ops: u64, distance: usize, rmw: bool) -> f64 {
    let block = Box::new(Block(std::array::from_fn(|_| AtomicU64::new(0))));
    let t = run_team(2, true, |t| {
        let c = &block.0[t * distance / 8];
        for _ in 0..ops {
            // Relaxed: each counter is only timed; no other thread reads it, so there is
            // nothing to publish or pair with.
            if rmw {
                c.fetch_add(1, Ordering::Relaxed);
            } else {
                // Not an atomic increment (two steps), but only this thread writes `c`.
                c.store(c.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
            }
        }
    });
    t.as_nanos() as f64 / ops as f64
}

fn experiment(ctx: &Ctx, rmw: bool, ops: u64) -> Option<Report> {
    let (title, what) = if rmw {
        ("false sharing: fetch_add", "fetch_add")
    } else {
        ("false sharing: load + store", "load+store")
    };
    let mut e = ctx.experiment(title, &format!("ns per {what}, per thread"), Better::Lower);
    for d in DISTANCES {
        e = e.case(format!("{d} B apart"), move || updates(ops, d, rmw));
    }
    e.baseline("128 B apart").run()
}

pub fn run(ctx: &Ctx) {
    let ops = ctx.size(2_000_000, 20_000) as u64;
    let rmw = experiment(ctx, true, ops);
    let plain = experiment(ctx, false, ops * 4);
    if let (Some(rmw), Some(plain)) = (rmw, plain) {
        println!(
            "{ops} fetch_adds / {} load+stores per thread per round.",
            ops * 4
        );
        let xs: Vec<String> = DISTANCES.iter().map(|d| format!("{d} B")).collect();
        let series = |name: &str, r: &Report| Series {
            name: name.to_string(),
            points: r.cases.iter().map(Bar::of).collect(),
        };
        chart::lines(
            ctx,
            "false-sharing.svg",
            "False sharing: two threads, two counters, by distance",
            "distance between the two counters",
            "ns per update, per thread",
            &xs,
            &[
                series("fetch_add (locked RMW)", &rmw),
                series("load + store", &plain),
            ],
        );
    }
}
