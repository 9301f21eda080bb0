//! Bench (criterion): the cost of an uncontended lock + unlock on one thread, with a
//! one-increment critical section, for your `SpinLock`, the reference, `std::sync::Mutex`
//! and `parking_lot::Mutex`.
//!
//! Run with `cargo xtask bench 02-spinlock` (your code) or `... --solution`; `cargo xtask
//! bench` prints each benchmark as a multiple of the fastest. The contended and
//! oversubscribed cases are in `benches/contended.rs` (interleaved rounds in several
//! processes), and deterministic instruction counts in `benches/instructions.rs`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use spinlock_grader::{UNDER_TEST, imp};

fn uncontended(c: &mut Criterion) {
    let mut g = c.benchmark_group("uncontended lock+unlock, 1 thread");
    g.throughput(Throughput::Elements(1));
    g.bench_function(format!("{UNDER_TEST}: SpinLock"), |b| {
        let lock = imp::SpinLock::new(0u64);
        b.iter(|| *black_box(&lock).lock() += 1);
    });
    #[cfg(feature = "reference")]
    g.bench_function("reference: SpinLock", |b| {
        let lock = spinlock_grader::reference::SpinLock::new(0u64);
        b.iter(|| *black_box(&lock).lock() += 1);
    });
    g.bench_function("std::sync::Mutex", |b| {
        let lock = std::sync::Mutex::new(0u64);
        b.iter(|| *black_box(&lock).lock().unwrap() += 1);
    });
    g.bench_function("parking_lot::Mutex", |b| {
        let lock = parking_lot::Mutex::new(0u64);
        b.iter(|| *black_box(&lock).lock() += 1);
    });
    g.bench_function("spin::Mutex", |b| {
        let lock = spin::Mutex::new(0u64);
        b.iter(|| *black_box(&lock).lock() += 1);
    });
    g.finish();

    let mut g = c.benchmark_group("uncontended try_lock+unlock, 1 thread");
    g.throughput(Throughput::Elements(1));
    g.bench_function(format!("{UNDER_TEST}: SpinLock"), |b| {
        let lock = imp::SpinLock::new(0u64);
        b.iter(|| {
            if let Some(mut g) = black_box(&lock).try_lock() {
                *g += 1;
            }
        });
    });
    g.bench_function("std::sync::Mutex", |b| {
        let lock = std::sync::Mutex::new(0u64);
        b.iter(|| {
            if let Ok(mut g) = black_box(&lock).try_lock() {
                *g += 1;
            }
        });
    });
    g.bench_function("parking_lot::Mutex", |b| {
        let lock = parking_lot::Mutex::new(0u64);
        b.iter(|| {
            if let Some(mut g) = black_box(&lock).try_lock() {
                *g += 1;
            }
        });
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30);
    targets = uncontended
}
criterion_main!(benches);
