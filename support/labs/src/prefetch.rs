//! Software prefetching with a stable intrinsic: `core::arch::x86_64::_mm_prefetch`.
//!
//! A gather: sum `data[idx[i]]` for random `idx` over an array larger than the last-level
//! cache. The indices are known ahead of time, so the loop can ask for `data[idx[i + d]]`
//! while it works on `data[idx[i]]`. Out-of-order execution already overlaps several of
//! these independent loads; the question is whether an explicit prefetch adds anything.
//! On targets other than x86-64 the "prefetch" cases run without a prefetch (stable Rust
//! has no prefetch intrinsic there).

use std::hint::black_box;
use std::time::Instant;

use course_testkit::rounds::Better;

use crate::chart;
use crate::ctx::Ctx;

#[inline(always)]
fn prefetch(p: *const u64) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint: it never faults, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

fn gather(data: &[u64], idx: &[u32], distance: usize) -> f64 {
    let t = Instant::now();
    let mut sum = 0u64;
    let n = idx.len();
    for i in 0..n {
        if distance > 0 && i + distance < n {
            prefetch(data[idx[i + distance] as usize..].as_ptr());
        }
        sum = sum.wrapping_add(data[idx[i] as usize]);
    }
    black_box(sum);
    t.elapsed().as_nanos() as f64 / n as f64
}

pub fn run(ctx: &Ctx) {
    let mib = ctx.size(512, 8);
    let len = mib * 1024 * 1024 / 8;
    let lookups = ctx.size(4_000_000, 50_000);
    let data: &'static [u64] = Box::leak((0..len as u64).collect::<Vec<_>>().into_boxed_slice());
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let idx: &'static [u32] = Box::leak(
        (0..lookups)
            .map(|_| {
                // xorshift64: cheap, reproducible random indices.
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x % len as u64) as u32
            })
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    );
    let mut e = ctx.experiment(
        &format!("random gather over {mib} MiB"),
        "ns per element",
        Better::Lower,
    );
    e = e.case("no prefetch", move || gather(data, idx, 0));
    for d in [4usize, 16, 64] {
        e = e.case(format!("_mm_prefetch {d} ahead"), move || {
            gather(data, idx, d)
        });
    }
    if let Some(r) = e.run() {
        println!("{lookups} random lookups per round into {mib} MiB.");
        chart::bars(
            ctx,
            "prefetch.svg",
            &format!("Random gather over {mib} MiB, with and without _mm_prefetch"),
            "ns per element",
            &chart::bars_of(&r),
        );
    }
}
