//! Timing a team of threads that start together, for multi-threaded benchmarks.
//!
//! [`run_team`] spawns `threads` workers (optionally pinned round-robin over the cores),
//! releases them at once from a spin barrier, and returns the wall time from the first
//! worker's start to the last worker's end, as the workers themselves measured it.
//!
//! Two traps it avoids (both measured on the course's 2-vCPU machines):
//! - the timestamps are taken by the workers after the barrier, never by the spawning
//!   thread: when pinned workers spin, the unpinned main thread may not be scheduled for a
//!   while, and its clock readings then say more about the scheduler than the code;
//! - the barrier spins, then yields: with more threads than cores, a pure spin barrier
//!   burns the time slices of the threads it is waiting for.
//!
//! With criterion, use it from `iter_custom`:
//!
//! ```
//! use course_testkit::team::run_team;
//! use std::sync::atomic::{AtomicU64, Ordering};
//!
//! let counter = AtomicU64::new(0);
//! let iters = 1000u64;
//! let elapsed = run_team(2, false, |_thread| {
//!     for _ in 0..iters / 2 {
//!         counter.fetch_add(1, Ordering::Relaxed);
//!     }
//! });
//! assert!(elapsed.as_nanos() > 0);
//! assert_eq!(counter.load(Ordering::Relaxed), iters);
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::pin;

/// Runs `work(i)` on threads `i = 0..threads` at once and returns the span from the
/// earliest start to the latest end.
pub fn run_team(threads: usize, pinned: bool, work: impl Fn(usize) + Sync) -> Duration {
    assert!(threads > 0);
    // Read the core list before any worker is pinned (see `pin`'s module docs).
    let cores = if pinned { pin::cores() } else { Vec::new() };
    let arrived = AtomicUsize::new(0);
    let spans: Vec<(Instant, Instant)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let (work, arrived, cores) = (&work, &arrived, &cores);
                s.spawn(move || {
                    if !cores.is_empty() {
                        // A refused pin is not fatal for a benchmark; it is reported.
                        if let Err(e) = pin::pin_current(cores[i % cores.len()]) {
                            eprintln!("team: {e}");
                        }
                    }
                    // AcqRel/Acquire: arriving publishes nothing; the ordering only keeps
                    // the barrier's reads current. Relaxed would also be correct.
                    arrived.fetch_add(1, Ordering::AcqRel);
                    let mut spins = 0u32;
                    while arrived.load(Ordering::Acquire) < threads {
                        spins += 1;
                        if spins < 1_000 {
                            std::hint::spin_loop();
                        } else {
                            std::thread::yield_now();
                        }
                    }
                    let start = Instant::now();
                    work(i);
                    (start, Instant::now())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a benchmark worker panicked"))
            .collect()
    });
    let first = spans
        .iter()
        .map(|s| s.0)
        .min()
        .expect("at least one worker");
    let last = spans
        .iter()
        .map(|s| s.1)
        .max()
        .expect("at least one worker");
    last - first
}
