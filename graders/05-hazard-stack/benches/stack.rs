//! Bench, one thread (criterion): a push+pop pair on a stack that stays (nearly) empty, so
//! every pop unlinks the node just pushed and hands it to the reclamation scheme.
//!
//! Run with `cargo xtask bench 05-hazard-stack` (your code) or `... --solution`. Cases:
//! `Mutex<Vec<u64>>` (std), the Treiber stack on crossbeam-epoch, the Treiber stack on
//! haphazard's hazard pointers, the stack under test, and the reference solution. Time is
//! per pair; `cargo xtask bench` prints the ratios at the end. `benches/stack_rounds.rs`
//! measures the same pairs interleaved, on one and two threads.

use std::hint::black_box;
use std::sync::Mutex;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hazard_stack_grader::peers::BenchStack;
use hazard_stack_grader::peers::epoch::EpochStack;
use hazard_stack_grader::peers::haphazard_stack::HaphazardStack;
use hazard_stack_grader::{UNDER_TEST, imp};

fn pairs<S: BenchStack>(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
) {
    c.bench_function(name, |b| {
        let stack = S::new_stack();
        let mut i = 0u64;
        b.iter(|| {
            i += 1;
            stack.push_value(i);
            black_box(stack.pop_value())
        })
    });
}

fn one_thread(c: &mut Criterion) {
    let mut g = c.benchmark_group("push+pop pair, 1 thread");
    g.throughput(Throughput::Elements(1));
    pairs::<Mutex<Vec<u64>>>(&mut g, "Mutex<Vec>");
    pairs::<EpochStack<u64>>(&mut g, "crossbeam-epoch");
    pairs::<HaphazardStack<u64>>(&mut g, "haphazard");
    pairs::<imp::Stack<u64>>(&mut g, &format!("{UNDER_TEST}: Stack"));
    #[cfg(all(feature = "reference", not(feature = "solution")))]
    pairs::<hazard_stack_grader::peers::Reference>(&mut g, "reference: Stack");
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30);
    targets = one_thread
}
criterion_main!(benches);
