//! Timing a team of threads that start together, for multi-threaded benchmarks, and
//! measuring read throughput under a periodic writer ([`reads_under_writer`]).
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

/// What [`reads_under_writer`] measured.
#[derive(Debug, Clone, Copy)]
pub struct ReadRate {
    /// Reads per second completed by the reader.
    pub reads_per_sec: f64,
    /// Writes per second the writer achieved (compare with the requested period: a writer
    /// that falls behind means the structure under test blocks it).
    pub writes_per_sec: f64,
}

/// Read throughput of a read-mostly structure while a writer updates it at a fixed rate.
///
/// A writer thread calls `write(n)` for `n = 1, 2, 3, ...`, one call every `period`
/// (spinning in between, so the schedule does not depend on timer slack; a write that
/// overruns its slot delays the next one rather than causing a burst), while a reader
/// thread calls `read()` in a loop for `duration`. With `pinned`, the writer runs on the
/// first core and the reader on the second (of [`pin::cores`]). Both threads start together
/// from a spin barrier and take their own timestamps (see the module docs for why).
///
/// ```
/// use course_testkit::team::reads_under_writer;
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use std::time::Duration;
///
/// let value = AtomicU64::new(0);
/// let rate = reads_under_writer(
///     Duration::from_micros(10),
///     Duration::from_millis(20),
///     false,
///     |n| value.store(n, Ordering::Release),
///     || {
///         std::hint::black_box(value.load(Ordering::Acquire));
///     },
/// );
/// assert!(rate.reads_per_sec > 0.0 && rate.writes_per_sec > 0.0);
/// ```
pub fn reads_under_writer(
    period: Duration,
    duration: Duration,
    pinned: bool,
    mut write: impl FnMut(u64) + Send,
    mut read: impl FnMut() + Send,
) -> ReadRate {
    use std::sync::atomic::AtomicBool;
    let cores = if pinned { pin::cores() } else { Vec::new() };
    let arrived = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let pin = |i: usize| {
        if !cores.is_empty()
            && let Err(e) = pin::pin_current(cores[i % cores.len()])
        {
            eprintln!("reads_under_writer: {e}");
        }
    };
    let barrier = || {
        // AcqRel/Acquire: as in `run_team`; only the count matters.
        arrived.fetch_add(1, Ordering::AcqRel);
        let mut spins = 0u32;
        while arrived.load(Ordering::Acquire) < 2 {
            spins += 1;
            if spins < 1_000 {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
    };
    std::thread::scope(|s| {
        let writer = s.spawn(|| {
            pin(0);
            barrier();
            let start = Instant::now();
            let (mut n, mut next) = (0u64, start);
            // Relaxed: the flag only ends the loop; it publishes no data.
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                write(n);
                // The next write is due one period after the previous one was due; a writer
                // that fell behind (blocked by the structure) does not catch up in a burst.
                next = (next + period).max(Instant::now());
                while Instant::now() < next && !stop.load(Ordering::Relaxed) {
                    std::hint::spin_loop();
                }
            }
            n as f64 / start.elapsed().as_secs_f64()
        });
        let reader = s.spawn(|| {
            pin(1);
            barrier();
            let start = Instant::now();
            let mut reads = 0u64;
            loop {
                for _ in 0..64 {
                    read();
                }
                reads += 64;
                if start.elapsed() >= duration {
                    break;
                }
            }
            let rate = reads as f64 / start.elapsed().as_secs_f64();
            stop.store(true, Ordering::Relaxed);
            rate
        });
        let reads_per_sec = reader.join().expect("the reader panicked");
        let writes_per_sec = writer.join().expect("the writer panicked");
        ReadRate {
            reads_per_sec,
            writes_per_sec,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;

    #[test]
    fn the_writer_keeps_its_period_and_the_reader_reads() {
        let value = AtomicU64::new(0);
        let rate = reads_under_writer(
            Duration::from_micros(100),
            Duration::from_millis(50),
            false,
            |n| value.store(n, Ordering::Relaxed),
            || {
                std::hint::black_box(value.load(Ordering::Relaxed));
            },
        );
        // 100 µs period: at most ~10k writes/s (plus one at the start), whatever the load.
        assert!(rate.writes_per_sec <= 12_000.0, "{rate:?}");
        assert!(
            rate.writes_per_sec > 0.0 && rate.reads_per_sec > 0.0,
            "{rate:?}"
        );
    }
}
