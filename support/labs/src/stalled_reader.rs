//! Epoch-based reclamation and a stalled reader: garbage that cannot be freed.
//!
//! One thread retires objects (`defer_destroy`) under its own short pins, as a lock-free
//! structure does on every pop. With no other thread pinned, the global epoch advances and
//! the garbage is freed as it goes. With one other thread pinned the whole time (a reader
//! that was preempted, or stuck in a long operation), the epoch cannot advance past it, and
//! *nothing* retired after it pinned can be freed. The figure is how many retired objects
//! are still unfreed at the end. Hazard pointers bound this number (by threads × hazards
//! plus a threshold) at the price of a fence per protected pointer.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};

use course_testkit::rounds::Better;
use crossbeam_epoch::{self as epoch, Owned};

use crate::chart;
use crate::ctx::Ctx;

struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

fn retire(objects: usize, stalled_reader: bool) -> f64 {
    let freed = Arc::new(AtomicUsize::new(0));
    let release = Arc::new(AtomicBool::new(false));
    let pinned = Arc::new(Barrier::new(2));
    let reader = stalled_reader.then(|| {
        let (release, pinned) = (release.clone(), pinned.clone());
        std::thread::spawn(move || {
            let _guard = epoch::pin();
            pinned.wait();
            while !release.load(Ordering::Acquire) {
                std::thread::yield_now();
            }
        })
    });
    if stalled_reader {
        pinned.wait();
    }
    for _ in 0..objects {
        let guard = epoch::pin();
        let shared = Owned::new(Counted(freed.clone())).into_shared(&guard);
        // SAFETY: the object was never published, so no other thread can hold a reference
        // to it; destroying it after the current epoch's readers is (more than) safe.
        unsafe { guard.defer_destroy(shared) };
    }
    let unfreed = objects - freed.load(Ordering::Relaxed).min(objects);
    release.store(true, Ordering::Release);
    if let Some(r) = reader {
        r.join().unwrap();
    }
    // Let the collector catch up before the next round (not measured).
    for _ in 0..4 {
        epoch::pin().flush();
    }
    unfreed as f64
}

pub fn run(ctx: &Ctx) {
    let n = ctx.size(200_000, 2_000);
    let report = ctx
        .experiment(
            "epochs: retired objects not yet freed",
            "objects still unfreed after retiring all",
            Better::Lower,
        )
        .case("no other thread pinned", move || retire(n, false))
        .case("one reader pinned throughout (stalled)", move || {
            retire(n, true)
        })
        .run();
    if let Some(r) = report {
        println!("{n} objects retired per round.");
        chart::bars(
            ctx,
            "stalled-reader.svg",
            "crossbeam-epoch: garbage left unfreed, with and without a stalled reader",
            &format!("objects unfreed after retiring {n}"),
            &chart::bars_of(&r),
        );
    }
}
