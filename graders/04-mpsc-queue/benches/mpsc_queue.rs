//! Bench: reading a published value, vs `std::sync::OnceLock` (the peer).

use std::hint::black_box;
use std::sync::OnceLock;
use std::time::Duration;

use mpsc_queue_grader::{UNDER_TEST, imp};
use criterion::{Criterion, criterion_group, criterion_main};

fn reads(c: &mut Criterion) {
    let mut g = c.benchmark_group("read a published value");
    let once = OnceLock::new();
    once.set(7u64).unwrap();
    g.bench_function("OnceLock", |b| b.iter(|| black_box(&once).get().copied()));
    let m = imp::Mailbox::new();
    m.publish(7);
    g.bench_function(format!("{UNDER_TEST}: Mailbox"), |b| b.iter(|| black_box(&m).read()));
    #[cfg(feature = "reference")]
    {
        let r = mpsc_queue_grader::reference::Mailbox::new();
        r.publish(7);
        g.bench_function("reference: Mailbox", |b| b.iter(|| black_box(&r).read()));
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(1));
    targets = reads
}
criterion_main!(benches);
