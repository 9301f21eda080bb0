//! Bench: a shared `AtomicU64` vs shards without padding vs padded shards, at 1, 2 and 4
//! threads (4 threads on a 2-core machine is oversubscribed, and says so).
//!
//! Run with `cargo xtask bench 01-atomic-counter` (your code) or `... --solution`. Each
//! benchmark's time is per increment, for the whole team: lower is better, and 1/time is
//! the aggregate throughput. `cargo xtask bench` prints the ratios at the end.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use atomic_counter_grader::{UNDER_TEST, imp};
use course_testkit::team::run_team;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use imp::Counter;

/// Peer 1: the naive counter, one `AtomicU64` (no padding, no sharding).
struct SharedU64(AtomicU64);

/// Peer 2: per-thread shards packed side by side: 8 bytes apart, so up to 8 share a line.
struct UnpaddedShards(Box<[AtomicU64]>);

fn peer_slot() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local!(static SLOT: usize = NEXT.fetch_add(1, Ordering::Relaxed));
    SLOT.with(|s| *s)
}

impl UnpaddedShards {
    fn new(n: usize) -> Self {
        Self((0..n).map(|_| AtomicU64::new(0)).collect())
    }
    fn increment(&self) {
        self.0[peer_slot() % self.0.len()].fetch_add(1, Ordering::Relaxed);
    }
}

fn pinned() -> bool {
    std::env::var_os("COURSE_BENCH_NO_PIN").is_none()
}

/// Times `iters` increments split evenly over `threads` threads.
fn time_increments(threads: usize, iters: u64, increment: impl Fn() + Sync) -> Duration {
    let per_thread = iters.div_ceil(threads as u64);
    run_team(threads, pinned(), |_| {
        for _ in 0..per_thread {
            increment();
        }
    })
}

fn counters(c: &mut Criterion) {
    for threads in [1usize, 2, 4] {
        let mut g = c.benchmark_group(format!("increment, {threads} thread(s)"));
        g.throughput(Throughput::Elements(1));
        g.bench_function("shared AtomicU64", |b| {
            b.iter_custom(|iters| {
                let counter = SharedU64(AtomicU64::new(0));
                let t = time_increments(threads, iters, || {
                    counter.0.fetch_add(1, Ordering::Relaxed);
                });
                black_box(counter.0.load(Ordering::Relaxed));
                t
            })
        });
        g.bench_function("unpadded shards", |b| {
            b.iter_custom(|iters| {
                let counter = UnpaddedShards::new(threads);
                time_increments(threads, iters, || counter.increment())
            })
        });
        g.bench_function(format!("{UNDER_TEST}: AtomicCounter"), |b| {
            b.iter_custom(|iters| {
                let counter = imp::AtomicCounter::new();
                let t = time_increments(threads, iters, || counter.increment());
                black_box(counter.sum());
                t
            })
        });
        g.bench_function(format!("{UNDER_TEST}: ShardedCounter"), |b| {
            b.iter_custom(|iters| {
                let counter = imp::ShardedCounter::new(threads);
                let t = time_increments(threads, iters, || counter.increment());
                black_box(counter.sum());
                t
            })
        });
        #[cfg(feature = "reference")]
        g.bench_function("reference: ShardedCounter", |b| {
            use atomic_counter_grader::reference::{self, Counter as _};
            b.iter_custom(|iters| {
                let counter = reference::ShardedCounter::new(threads);
                let t = time_increments(threads, iters, || counter.increment());
                black_box(counter.sum());
                t
            })
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20);
    targets = counters
}
criterion_main!(benches);
