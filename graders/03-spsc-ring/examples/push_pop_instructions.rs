//! A fixed number of single-threaded push+pop pairs, for instruction counts under
//! valgrind's callgrind (deterministic, unlike timings on a shared machine).
//!
//! ```console
//! $ cargo build --release -p spsc-ring-grader --no-default-features \
//!       --features solution,bench --example push_pop_instructions
//! $ valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!       --toggle-collect='*pairs*' \
//!       target/release/examples/push_pop_instructions ours 1000000
//! ```
//!
//! `--toggle-collect` counts only the instructions executed inside the `pairs*`
//! functions (and what they call), so setup and teardown are left out; divide the total
//! (`Collected : N`) by the number of items. The first argument picks the queue: `ours`
//! (the crate under test), `rtrb`, `ours-batch` / `rtrb-batch` (64 items per
//! `push_slice`/`pop_slice`).

use std::hint::black_box;

use spsc_ring_grader::drivers::{BatchRx, BatchTx, Rx, Tx};
use spsc_ring_grader::imp;

const CAPACITY: usize = 1024;
const BATCH: usize = 64;

/// `n` push+pop pairs. Generic, so each queue gets its own copy
/// (`pairs::<spsc_ring_solution::Producer<u64>, ...>`), which `--toggle-collect` matches.
#[inline(never)]
fn pairs(tx: &mut impl Tx, rx: &mut impl Rx, n: u64) -> u64 {
    let mut sum = 0u64;
    for i in 0..n {
        let _ = tx.push(black_box(i));
        sum = sum.wrapping_add(black_box(rx.pop()).unwrap_or(0));
    }
    sum
}

/// `n` items in batches of `BATCH`: one `push_slice`, then one `pop_slice`.
#[inline(never)]
fn pairs_batched(tx: &mut impl BatchTx, rx: &mut impl BatchRx, n: u64) -> u64 {
    let input = [1u64; BATCH];
    let mut out = [0u64; BATCH];
    let mut sum = 0u64;
    for _ in 0..n / BATCH as u64 {
        black_box(tx.push_slice(black_box(&input)));
        let k = rx.pop_slice(black_box(&mut out));
        sum = sum.wrapping_add(black_box(&out)[..k].iter().sum::<u64>());
    }
    sum
}

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "ours".into());
    let n: u64 = args
        .next()
        .map(|s| s.parse().expect("the number of pairs"))
        .unwrap_or(1_000_000);
    let sum = match which.as_str() {
        "ours" => {
            let (mut tx, mut rx) = imp::channel(CAPACITY);
            pairs(&mut tx, &mut rx, n)
        }
        "ours-batch" => {
            let (mut tx, mut rx) = imp::channel(CAPACITY);
            pairs_batched(&mut tx, &mut rx, n)
        }
        "rtrb" => {
            let (mut tx, mut rx) = rtrb::RingBuffer::new(CAPACITY);
            pairs(&mut tx, &mut rx, n)
        }
        "rtrb-batch" => {
            let (mut tx, mut rx) = rtrb::RingBuffer::new(CAPACITY);
            pairs_batched(&mut tx, &mut rx, n)
        }
        other => panic!("unknown queue `{other}`: use ours, rtrb, ours-batch or rtrb-batch"),
    };
    println!("{which}: {n} items, checksum {sum}");
}
