//! What a reader pays to read one shared, replaceable object safely, by reclamation scheme.
//!
//! A writer may replace the object at any time and must not free the old one while a
//! reader still uses it. Each case reads one field of the current object, many times, with
//! the protection its scheme needs:
//!
//! - plain `Acquire` load: no protection at all. It is what a reader pays under QSBR or
//!   kernel-style RCU, where protection costs nothing per read (the price is paid elsewhere:
//!   every thread must announce quiescent states);
//! - crossbeam-epoch: pin, load, read, unpin (a `SeqCst` fence per outermost pin);
//! - hazard pointer (haphazard): protect (publish, fence, re-check), read, reset;
//! - arc-swap: `load()` (a debt slot in thread-local storage, a fence);
//! - `Arc` clone and drop: two locked read-modify-writes on a count that every reader shares;
//! - `RwLock` read guard: two locked read-modify-writes on the lock word, shared likewise.
//!
//! With one thread every scheme pays its fixed cost. With two threads on two cores reading
//! the same object, the schemes that write a shared word (reference counts, the read lock)
//! move its cache line between the cores on every read; the others write only per-thread
//! state.

use std::hint::black_box;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use arc_swap::ArcSwap;
use course_testkit::rounds::{Better, Report};
use course_testkit::team::run_team;
use crossbeam_epoch::{self as epoch, Atomic};
use crossbeam_utils::CachePadded;
use haphazard::HazardPointer;

use crate::chart;
use crate::ctx::Ctx;

/// The shared object: one cache line of data.
#[derive(Debug, Default)]
struct Config {
    words: [u64; 8],
}

#[derive(Clone, Copy)]
enum Scheme {
    Plain,
    Epoch,
    Hazard,
    ArcSwap,
    ArcClone,
    RwLock,
}

/// Every scheme's handle on one shared `Config`.
struct Shared {
    plain: CachePadded<AtomicPtr<Config>>,
    epoch: CachePadded<Atomic<Config>>,
    hazard: CachePadded<haphazard::AtomicPtr<Config>>,
    arc_swap: CachePadded<ArcSwap<Config>>,
    arc: CachePadded<Arc<Config>>,
    rwlock: CachePadded<RwLock<Config>>,
}

impl Shared {
    fn new() -> Self {
        Self {
            plain: CachePadded::new(AtomicPtr::new(Box::into_raw(Box::default()))),
            epoch: CachePadded::new(Atomic::new(Config::default())),
            hazard: CachePadded::new(haphazard::AtomicPtr::from(Box::new(Config::default()))),
            arc_swap: CachePadded::new(ArcSwap::from_pointee(Config::default())),
            arc: CachePadded::new(Arc::new(Config::default())),
            rwlock: CachePadded::new(RwLock::new(Config::default())),
        }
    }

    /// `n` protected reads by the calling thread.
    fn reads(&self, scheme: Scheme, n: usize) {
        match scheme {
            Scheme::Plain => {
                for _ in 0..n {
                    // Acquire: would pair with a writer's Release publication of a new
                    // version; this reader relies on the writer never freeing a version
                    // that a reader may hold (QSBR's grace period).
                    let p = self.plain.load(Ordering::Acquire);
                    // SAFETY: the object is freed only in `Drop`, after every reader ended.
                    black_box(unsafe { (*p).words[3] });
                }
            }
            Scheme::Epoch => {
                for _ in 0..n {
                    let guard = epoch::pin();
                    // Acquire: as in the plain case, would pair with a writer's Release
                    // publication of a new version (this lab has none); the pin, not the
                    // ordering, is what keeps a replaced object from being freed.
                    let p = self.epoch.load(Ordering::Acquire, &guard);
                    // SAFETY: the pointer is non-null (set in `new`) and, while `guard` pins
                    // this thread, a replaced object would not be freed.
                    black_box(unsafe { p.deref() }.words[3]);
                }
            }
            Scheme::Hazard => {
                // One hazard slot per thread, reused for every read, as a real reader would.
                let mut h = HazardPointer::new();
                for _ in 0..n {
                    let c = self.hazard.safe_load(&mut h).expect("set in new");
                    black_box(c.words[3]);
                    h.reset_protection();
                }
            }
            Scheme::ArcSwap => {
                for _ in 0..n {
                    black_box(self.arc_swap.load().words[3]);
                }
            }
            Scheme::ArcClone => {
                for _ in 0..n {
                    let c = Arc::clone(&self.arc);
                    black_box(c.words[3]);
                }
            }
            Scheme::RwLock => {
                for _ in 0..n {
                    black_box(self.rwlock.read().unwrap().words[3]);
                }
            }
        }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        // Relaxed (both loads below): `&mut self` means no other thread can reach the
        // pointers; the reader threads were joined before the drop, and the join orders
        // everything they did before these loads.
        // SAFETY: no reader is left; the pointer came from Box::into_raw in `new`.
        drop(unsafe { Box::from_raw(self.plain.load(Ordering::Relaxed)) });
        // SAFETY: no reader is left (we have `&mut self`), so the object can go at once.
        drop(unsafe {
            self.epoch
                .load(Ordering::Relaxed, epoch::unprotected())
                .into_owned()
        });
        // SAFETY: a null pointer is allowed, and it is never retired (see `retire`).
        let empty = unsafe { haphazard::AtomicPtr::new(std::ptr::null_mut()) };
        let hazard = std::mem::replace(&mut *self.hazard, empty);
        // SAFETY: no reader is left, so no hazard pointer will protect the object again, and
        // it is retired once. (Dropping the empty `AtomicPtr` does nothing.)
        unsafe { hazard.retire() };
    }
}

fn measure(threads: usize, n: usize, scheme: Scheme) -> f64 {
    let shared = Shared::new();
    if threads == 1 {
        let t = Instant::now();
        shared.reads(scheme, n);
        return t.elapsed().as_nanos() as f64 / n as f64;
    }
    // Every thread does `n` reads at the same time: wall time ÷ n is the time per read as
    // each thread sees it (equal to the one-thread figure if the scheme scales).
    let t = run_team(threads, true, |_| shared.reads(scheme, n));
    t.as_nanos() as f64 / n as f64
}

fn experiment(ctx: &Ctx, threads: usize, n: usize) -> Option<Report> {
    let cases = [
        ("plain Acquire load (QSBR/RCU reader)", Scheme::Plain),
        ("crossbeam-epoch: pin + load", Scheme::Epoch),
        ("hazard pointer (haphazard): protect", Scheme::Hazard),
        ("arc-swap: load", Scheme::ArcSwap),
        ("Arc: clone + drop", Scheme::ArcClone),
        ("std RwLock: read guard", Scheme::RwLock),
    ];
    let title = if threads == 1 {
        "safe read of a shared object, 1 thread".to_string()
    } else {
        format!("safe read of one shared object, {threads} threads on {threads} cores")
    };
    let unit = if threads == 1 {
        "ns per read"
    } else {
        "ns per read, per thread"
    };
    let mut e = ctx.experiment(&title, unit, Better::Lower);
    for (name, scheme) in cases {
        e = e.case(name, move || measure(threads, n, scheme));
    }
    e.run()
}

pub fn run(ctx: &Ctx) {
    let n = ctx.size(1_000_000, 10_000);
    let one = experiment(ctx, 1, n);
    let two = experiment(ctx, 2, n);
    if let (Some(_), Some(two)) = (one, two) {
        println!("{n} reads per thread per round.");
        chart::bars_log(
            ctx,
            "read-side.svg",
            "Reading one shared object from 2 cores, by reclamation scheme",
            "ns per read, per thread",
            &chart::bars_of(&two),
        );
    }
}
