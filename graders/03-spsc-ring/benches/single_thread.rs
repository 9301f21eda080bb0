//! Bench: the code-path cost of the ring on one thread, where no cache line moves between
//! cores and timings are stable (about ±10% from run to run).
//!
//! - "push+pop pair": one push then one pop, on a ring of capacity 1024, for this ring,
//!   rtrb, crossbeam `ArrayQueue` and std `sync_channel` (`try_send`/`try_recv`).
//! - "64 items, one at a time vs batched": 64 pushes then 64 pops, against one
//!   `push_slice` of 64 then one `pop_slice` of 64 (and rtrb's `push_partial_slice` /
//!   `pop_partial_slice`). Times are per item.
//!
//! Run with `cargo xtask bench 03-spsc-ring [--solution] --filter "1 thread"` (criterion
//! runs the benchmarks whose name contains the filter). The instruction counts of the same
//! operations come from `examples/push_pop_instructions.rs` under valgrind (see its
//! docs).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use crossbeam_queue::ArrayQueue;
use spsc_ring_grader::drivers::{BatchRx, BatchTx, Rx, Tx};
use spsc_ring_grader::{UNDER_TEST, imp};

const CAPACITY: usize = 1024;
const BATCH: usize = 64;

fn pair(tx: &mut impl Tx, rx: &mut impl Rx) -> Option<u64> {
    let _ = tx.push(black_box(1));
    rx.pop()
}

fn pairs(c: &mut Criterion) {
    let mut g = c.benchmark_group("push+pop pair, 1 thread");
    g.throughput(Throughput::Elements(1));
    {
        let (mut tx, mut rx) = rtrb::RingBuffer::<u64>::new(CAPACITY);
        g.bench_function("rtrb", |b| b.iter(|| pair(&mut tx, &mut rx)));
    }
    {
        let (mut tx, mut rx) = imp::channel::<u64>(CAPACITY);
        g.bench_function(UNDER_TEST, |b| b.iter(|| pair(&mut tx, &mut rx)));
    }
    #[cfg(all(feature = "reference", not(feature = "solution")))]
    {
        let (mut tx, mut rx) = spsc_ring_grader::reference::channel::<u64>(CAPACITY);
        g.bench_function("reference", |b| b.iter(|| pair(&mut tx, &mut rx)));
    }
    {
        let q = ArrayQueue::<u64>::new(CAPACITY);
        g.bench_function("crossbeam ArrayQueue", |b| {
            b.iter(|| {
                let _ = q.push(black_box(1));
                q.pop()
            })
        });
    }
    {
        let (tx, rx) = std::sync::mpsc::sync_channel::<u64>(CAPACITY);
        g.bench_function("std sync_channel", |b| {
            b.iter(|| {
                let _ = tx.try_send(black_box(1));
                rx.try_recv().ok()
            })
        });
    }
    g.finish();
}

fn one_at_a_time(tx: &mut impl Tx, rx: &mut impl Rx) -> u64 {
    let mut sum = 0u64;
    for i in 0..BATCH as u64 {
        let _ = tx.push(black_box(i));
    }
    for _ in 0..BATCH {
        sum = sum.wrapping_add(rx.pop().unwrap_or(0));
    }
    sum
}

fn batched(tx: &mut impl BatchTx, rx: &mut impl BatchRx, input: &[u64], out: &mut [u64]) -> u64 {
    let n = tx.push_slice(black_box(input));
    let k = rx.pop_slice(out);
    debug_assert_eq!(n, k);
    out[..k].iter().fold(0u64, |s, &v| s.wrapping_add(v))
}

fn batches(c: &mut Criterion) {
    let mut g = c.benchmark_group(format!("{BATCH} items, one at a time vs batched, 1 thread"));
    g.throughput(Throughput::Elements(BATCH as u64));
    let input: Vec<u64> = (0..BATCH as u64).collect();
    let mut out = vec![0u64; BATCH];
    {
        let (mut tx, mut rx) = rtrb::RingBuffer::<u64>::new(CAPACITY);
        g.bench_function("rtrb: push/pop", |b| {
            b.iter(|| one_at_a_time(&mut tx, &mut rx))
        });
        g.bench_function("rtrb: push/pop_partial_slice", |b| {
            b.iter(|| batched(&mut tx, &mut rx, &input, &mut out))
        });
    }
    {
        let (mut tx, mut rx) = imp::channel::<u64>(CAPACITY);
        g.bench_function(format!("{UNDER_TEST}: push/pop"), |b| {
            b.iter(|| one_at_a_time(&mut tx, &mut rx))
        });
        g.bench_function(format!("{UNDER_TEST}: push/pop_slice"), |b| {
            b.iter(|| batched(&mut tx, &mut rx, &input, &mut out))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30);
    targets = pairs, batches
}
criterion_main!(benches);
