//! 4K aliasing: a load that looks, by its low 12 address bits, like it depends on an
//! earlier store that has not completed.
//!
//! The loop is `dst[i] = src[i] + 1` over 1 KiB, with `dst` placed 4096 + δ bytes after
//! `src`. While the store to `dst[i]` waits in the store buffer, the core already loads
//! `src[j]` for later j. Intel cores first compare only address bits 11..0 of a load with
//! the pending stores; when δ is small and positive, the loads a few elements ahead match a
//! pending store in those bits (4096 + δ looks like δ), and wait for it although the full
//! addresses differ. The Intel Optimization Reference Manual calls this 4K aliasing. It is
//! why a buffer offset by "a page plus a little" from another can copy slower than one
//! offset by a random amount, and why random *unaligned* offsets are the wrong cure: the
//! offset should move the low 12 bits away, in whole cache lines.

use std::hint::black_box;
use std::time::Instant;

use course_testkit::rounds::Better;

use crate::chart;
use crate::ctx::Ctx;

const LEN: usize = 256; // u32s: 1 KiB
const DELTAS: [usize; 8] = [0, 4, 16, 32, 64, 256, 1024, 2048];

#[repr(C, align(4096))]
struct Pages([u32; 4 * 1024]);

#[inline(never)]
fn kernel(src: &[u32], dst: &mut [u32]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = s.wrapping_add(1);
    }
}

fn run_case(reps: usize, delta_bytes: usize) -> f64 {
    let mut pages = Box::new(Pages([1; 4 * 1024]));
    let (src, rest) = pages.0.split_at_mut(1024); // src: bytes 0..4096
    let src = &src[..LEN];
    let start = delta_bytes / 4; // dst begins 4096 + δ bytes after src
    let dst = &mut rest[start..start + LEN];
    let t = Instant::now();
    for _ in 0..reps {
        kernel(black_box(src), black_box(&mut *dst));
    }
    black_box(&dst[0]);
    t.elapsed().as_nanos() as f64 / (reps * LEN) as f64
}

pub fn run(ctx: &Ctx) {
    let reps = ctx.size(40_000, 500);
    let mut e = ctx.experiment(
        "4K aliasing: dst = src + 4096 + δ",
        "ns per element",
        Better::Lower,
    );
    for d in DELTAS {
        e = e.case(format!("δ = {d} B"), move || run_case(reps, d));
    }
    if let Some(r) = e.baseline("δ = 256 B").run() {
        println!("{reps} copies of 1 KiB per round.");
        chart::bars(
            ctx,
            "aliasing-4k.svg",
            "dst[i] = src[i] + 1 over 1 KiB, dst 4096 + δ bytes after src",
            "ns per element",
            &chart::bars_of(&r),
        );
    }
}
