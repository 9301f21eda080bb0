//! Why ABA is not a theoretical problem: the allocator hands a freed address straight back.
//!
//! A lock-free pop reads `head`, then `head.next`, then CASes `head` from the first to the
//! second. If, in between, another thread pops that node, frees it and pushes a *new* node
//! that the allocator placed at the *same address*, the CAS succeeds on a stale `next`.
//! How likely is the same address? Each case frees a 32-byte block and allocates another
//! of the same size, and counts how often the new block has the old address.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;

use course_testkit::rounds::Better;

use crate::chart;
use crate::ctx::Ctx;
use crate::util::percent;

/// A 32-byte node, as a linked structure would allocate.
const NODE: Layout = Layout::new::<[u64; 4]>();

/// The system allocator behind an opaque reference: the compiler knows `Box::new` and
/// `drop` are malloc and free and may remove or reorder them; calls through a `dyn` it
/// cannot see into stay exactly where the program puts them.
fn allocator() -> &'static dyn GlobalAlloc {
    black_box(&System)
}

fn alloc(a: &dyn GlobalAlloc, layout: Layout) -> usize {
    // SAFETY: the layout has a non-zero size.
    let p = unsafe { a.alloc(layout) };
    assert!(!p.is_null(), "out of memory");
    p as usize
}

fn free(a: &dyn GlobalAlloc, p: usize, layout: Layout) {
    // SAFETY: `p` came from `alloc` on the same allocator with the same layout, and is
    // freed once.
    unsafe { a.dealloc(p as *mut u8, layout) }
}

/// Free a node, then (optionally after other allocations) allocate a node; % reused.
fn same_thread(trials: usize, allocations_between: usize) -> f64 {
    let a = allocator();
    let other = Layout::new::<[u64; 8]>();
    let mut reused = 0;
    for _ in 0..trials {
        let old = alloc(a, NODE);
        free(a, old, NODE);
        let between: Vec<usize> = (0..allocations_between).map(|_| alloc(a, other)).collect();
        let new = alloc(a, NODE);
        reused += usize::from(new == old);
        free(a, new, NODE);
        for p in between {
            free(a, p, other);
        }
    }
    percent(reused, trials)
}

/// The node is freed by another thread (which then exits), then this thread allocates.
fn freed_elsewhere(trials: usize) -> f64 {
    let a = allocator();
    let trials = trials.min(2_000);
    let mut reused = 0;
    for _ in 0..trials {
        let old = alloc(a, NODE);
        std::thread::spawn(move || free(allocator(), old, NODE))
            .join()
            .unwrap();
        let new = alloc(a, NODE);
        reused += usize::from(new == old);
        free(a, new, NODE);
    }
    percent(reused, trials)
}

pub fn run(ctx: &Ctx) {
    let n = ctx.size(100_000, 1_000);
    let report = ctx
        .experiment(
            "address reuse: new block at the freed block's address",
            "% of allocations",
            Better::Lower,
        )
        .case("free, then allocate the same size", move || {
            same_thread(n, 0)
        })
        .case(
            "free, 3 other-size allocations, then the same size",
            move || same_thread(n, 3),
        )
        .case("freed by another thread, allocated here", move || {
            freed_elsewhere(n)
        })
        .run();
    if let Some(r) = report {
        println!("{n} trials per round (2,000 for the cross-thread case); the system allocator.");
        chart::bars(
            ctx,
            "address-reuse.svg",
            "How often a new allocation gets the address just freed",
            "% of allocations",
            &chart::bars_of(&r),
        );
    }
}
