//! Diagnostic: the throughput of single-item push/pop between two pinned cores, next to
//! how full the ring was while it ran (the median of the producer's `len()` samples, one
//! every 1024 pushes). Shows which steady state, near-empty or near-full, each run settled
//! into.
//!
//! ```console
//! $ cargo build --release -p spsc-ring-grader --no-default-features \
//!       --features solution,bench --example regimes
//! $ for i in 1 2 3; do target/release/examples/regimes 1024 10; done
//! ```
//!
//! Arguments: the capacity (default 1024), the number of rounds (default 10) and the
//! consumer's extra work per item in dependent multiply steps (default 0: the bare
//! consumer of the benches); each round runs this ring and rtrb once, interleaved.
//!
//! ```console
//! $ for w in 0 1 2 4 8; do target/release/examples/regimes 1024 5 $w; done
//! ```

use spsc_ring_grader::drivers::throughput_with_work;
use spsc_ring_grader::{UNDER_TEST, imp};

const ITEMS: u64 = 2_000_000;

fn main() {
    let mut args = std::env::args().skip(1);
    let cap: usize = args.next().map_or(1024, |a| a.parse().expect("capacity"));
    let rounds: usize = args.next().map_or(10, |a| a.parse().expect("rounds"));
    let work: u32 = args.next().map_or(0, |a| a.parse().expect("consumer work"));
    let _ = course_testkit::pin::cores();
    println!("capacity {cap}, {ITEMS} items per run; fill = median items in the ring / capacity");
    println!("| round | rtrb M/s | rtrb fill | {UNDER_TEST} M/s | {UNDER_TEST} fill | ratio |");
    println!("|---:|---:|---:|---:|---:|---:|");
    for r in 0..rounds {
        let a = throughput_with_work(rtrb::RingBuffer::new(cap), ITEMS, cap, work);
        let b = throughput_with_work(imp::channel(cap), ITEMS, cap, work);
        println!(
            "| {r} | {:.1} | {:.0}% | {:.1} | {:.0}% | {:.2} |",
            a.mops,
            a.fill * 100.0,
            b.mops,
            b.fill * 100.0,
            b.mops / a.mops
        );
    }
}
