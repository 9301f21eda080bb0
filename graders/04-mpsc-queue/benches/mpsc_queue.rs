//! Bench, single-threaded costs (criterion): what one push and one pop cost when no other
//! core is involved, for the queue under test, the reference solution and the peers.
//!
//! - "push+pop pair": push one item, pop it; the queue stays (nearly) empty, so every push
//!   allocates (or reuses) and every pop retires.
//! - "burst of 256": push 256 items, then pop 256; time per item. Block-based peers
//!   allocate once per 31 items here.
//! - "building blocks": what a linked queue with epochs pays per item, in pieces: an
//!   outermost `crossbeam_epoch::pin()` and a node-sized `Box` allocation and free.
//!
//! Run with `cargo xtask bench 04-mpsc-queue` (your code) or `... --solution`. The
//! cross-core comparison is in `benches/mpsc_threads.rs`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use crossbeam_queue::SegQueue;
use mpsc_queue_grader::{UNDER_TEST, imp};

const BURST: u64 = 256;

fn pairs(c: &mut Criterion) {
    let mut g = c.benchmark_group("push+pop pair, 1 thread");
    g.throughput(Throughput::Elements(1));

    g.bench_function(format!("{UNDER_TEST}: queue"), |b| {
        let (tx, mut rx) = imp::queue::<u64>();
        b.iter(|| {
            tx.push(black_box(1));
            black_box(rx.pop())
        });
    });
    #[cfg(feature = "reference")]
    g.bench_function("reference: queue", |b| {
        let (tx, mut rx) = mpsc_queue_grader::reference::queue::<u64>();
        b.iter(|| {
            tx.push(black_box(1));
            black_box(rx.pop())
        });
    });
    g.bench_function("crossbeam SegQueue", |b| {
        let q = SegQueue::new();
        b.iter(|| {
            q.push(black_box(1u64));
            black_box(q.pop())
        });
    });
    g.bench_function("std::sync::mpsc channel", |b| {
        let (tx, rx) = std::sync::mpsc::channel::<u64>();
        b.iter(|| {
            tx.send(black_box(1)).unwrap();
            black_box(rx.try_recv().ok())
        });
    });
    g.bench_function("crossbeam-channel unbounded", |b| {
        let (tx, rx) = crossbeam_channel::unbounded::<u64>();
        b.iter(|| {
            tx.send(black_box(1)).unwrap();
            black_box(rx.try_recv().ok())
        });
    });
    g.finish();
}

fn bursts(c: &mut Criterion) {
    let mut g = c.benchmark_group(format!("burst of {BURST}, 1 thread"));
    g.throughput(Throughput::Elements(BURST));

    g.bench_function(
        BenchmarkId::new(format!("{UNDER_TEST}: queue"), BURST),
        |b| {
            let (tx, mut rx) = imp::queue::<u64>();
            b.iter(|| {
                for i in 0..BURST {
                    tx.push(black_box(i));
                }
                for _ in 0..BURST {
                    black_box(rx.pop());
                }
            });
        },
    );
    #[cfg(feature = "reference")]
    g.bench_function(BenchmarkId::new("reference: queue", BURST), |b| {
        let (tx, mut rx) = mpsc_queue_grader::reference::queue::<u64>();
        b.iter(|| {
            for i in 0..BURST {
                tx.push(black_box(i));
            }
            for _ in 0..BURST {
                black_box(rx.pop());
            }
        });
    });
    g.bench_function(BenchmarkId::new("crossbeam SegQueue", BURST), |b| {
        let q = SegQueue::new();
        b.iter(|| {
            for i in 0..BURST {
                q.push(black_box(i));
            }
            for _ in 0..BURST {
                black_box(q.pop());
            }
        });
    });
    g.bench_function(BenchmarkId::new("std::sync::mpsc channel", BURST), |b| {
        let (tx, rx) = std::sync::mpsc::channel::<u64>();
        b.iter(|| {
            for i in 0..BURST {
                tx.send(black_box(i)).unwrap();
            }
            for _ in 0..BURST {
                black_box(rx.try_recv().ok());
            }
        });
    });
    g.bench_function(
        BenchmarkId::new("crossbeam-channel unbounded", BURST),
        |b| {
            let (tx, rx) = crossbeam_channel::unbounded::<u64>();
            b.iter(|| {
                for i in 0..BURST {
                    tx.send(black_box(i)).unwrap();
                }
                for _ in 0..BURST {
                    black_box(rx.try_recv().ok());
                }
            });
        },
    );
    g.finish();
}

fn building_blocks(c: &mut Criterion) {
    let mut g = c.benchmark_group("building blocks, 1 thread");
    g.throughput(Throughput::Elements(1));
    g.bench_function("crossbeam_epoch::pin() + unpin", |b| {
        b.iter(|| drop(black_box(crossbeam_epoch::pin())));
    });
    g.bench_function("Box::new + drop, 16 bytes (a node of u64)", |b| {
        b.iter(|| drop(black_box(Box::new([black_box(1u64), 0]))));
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20);
    targets = pairs, bursts, building_blocks
}
criterion_main!(benches);
