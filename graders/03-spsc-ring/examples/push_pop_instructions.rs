//! A fixed number of single-threaded push+pop pairs, for instruction counts under
//! valgrind's callgrind (deterministic, unlike timings on a shared machine).
//!
//! ```console
//! $ cargo build --release -p spsc-ring-grader --no-default-features \
//!       --features solution,bench --example push_pop_instructions
//! $ valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!       --toggle-collect='*pairs_*' \
//!       target/release/examples/push_pop_instructions ours 1000000
//! ```
//!
//! `--toggle-collect` counts only the instructions executed inside the `pairs_*`
//! functions, so setup and teardown are left out; divide the total (`Collected : N`) by the
//! number of pairs. The first argument picks the queue: `ours` (the crate under test),
//! `rtrb`, `ours-batch` / `rtrb-batch` (64 items per `push_slice`/`pop_slice`, counted
//! per item).

use std::hint::black_box;

use spsc_ring_grader::imp;

const CAPACITY: usize = 1024;
const BATCH: usize = 64;

#[inline(never)]
fn pairs_ours(p: &mut imp::Producer<u64>, c: &mut imp::Consumer<u64>, n: u64) -> u64 {
    let mut sum = 0u64;
    for i in 0..n {
        let _ = p.push(black_box(i));
        sum = sum.wrapping_add(black_box(c.pop()).unwrap_or(0));
    }
    sum
}

#[inline(never)]
fn pairs_rtrb(p: &mut rtrb::Producer<u64>, c: &mut rtrb::Consumer<u64>, n: u64) -> u64 {
    let mut sum = 0u64;
    for i in 0..n {
        let _ = p.push(black_box(i));
        sum = sum.wrapping_add(black_box(c.pop()).unwrap_or(0));
    }
    sum
}

#[inline(never)]
fn pairs_ours_batch(p: &mut imp::Producer<u64>, c: &mut imp::Consumer<u64>, n: u64) -> u64 {
    let input = [1u64; BATCH];
    let mut out = [0u64; BATCH];
    let mut sum = 0u64;
    for _ in 0..n / BATCH as u64 {
        black_box(p.push_slice(black_box(&input)));
        let k = c.pop_slice(black_box(&mut out));
        sum = sum.wrapping_add(black_box(&out)[..k].iter().sum::<u64>());
    }
    sum
}

#[inline(never)]
fn pairs_rtrb_batch(p: &mut rtrb::Producer<u64>, c: &mut rtrb::Consumer<u64>, n: u64) -> u64 {
    let input = [1u64; BATCH];
    let mut out = [0u64; BATCH];
    let mut sum = 0u64;
    for _ in 0..n / BATCH as u64 {
        black_box(p.push_partial_slice(black_box(&input)));
        let k = c.pop_partial_slice(black_box(&mut out)).0.len();
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
        "ours" | "ours-batch" => {
            let (mut p, mut c) = imp::channel(CAPACITY);
            if which == "ours" {
                pairs_ours(&mut p, &mut c, n)
            } else {
                pairs_ours_batch(&mut p, &mut c, n)
            }
        }
        "rtrb" | "rtrb-batch" => {
            let (mut p, mut c) = rtrb::RingBuffer::new(CAPACITY);
            if which == "rtrb" {
                pairs_rtrb(&mut p, &mut c, n)
            } else {
                pairs_rtrb_batch(&mut p, &mut c, n)
            }
        }
        other => panic!("unknown queue `{other}`: use ours, rtrb, ours-batch or rtrb-batch"),
    };
    println!("{which}: {n} items, checksum {sum}");
}
