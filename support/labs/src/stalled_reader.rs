//! Epoch-based reclamation and a stalled reader: garbage that cannot be freed.
//!
//! One thread retires objects (`defer_destroy`) under its own short pins, as a lock-free
//! structure does on every pop. With no other thread pinned, the global epoch advances and
//! the garbage is freed as it goes. With one other thread pinned the whole time (a reader
//! that was preempted, or stuck in a long operation), the epoch cannot advance past it, and
//! *nothing* retired after it pinned can be freed. The figure is how many retired objects
//! are still unfreed at the end. Hazard pointers bound this number (by threads × hazards
//! plus a threshold) at the price of a fence per protected pointer: the same experiment with
//! haphazard's hazard pointers, the stalled reader holding one protected pointer, shows it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};

use course_testkit::rounds::Better;
use crossbeam_epoch::{self as epoch, Owned};
use haphazard::{Domain, HazardPointer};

use crate::chart;
use crate::ctx::Ctx;

struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        // Relaxed: a count of frees that publishes nothing (see the load in `retire`).
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Epoch,
    Hazard,
}

fn retire(scheme: Scheme, objects: usize, stalled_reader: bool) -> f64 {
    let freed = Arc::new(AtomicUsize::new(0));
    let release = Arc::new(AtomicBool::new(false));
    let pinned = Arc::new(Barrier::new(2));
    // What the stalled hazard-pointer reader protects: one published object.
    let published = Arc::new(haphazard::AtomicPtr::from(Box::new(Counted(Arc::new(
        AtomicUsize::new(0),
    )))));
    let reader = stalled_reader.then(|| {
        let (release, pinned, published) = (release.clone(), pinned.clone(), published.clone());
        std::thread::spawn(move || {
            // Stalled in the middle of a read: an epoch pin, or one protected pointer.
            let _guard = (scheme == Scheme::Epoch).then(epoch::pin);
            let mut hazard = HazardPointer::new();
            let _protected = (scheme == Scheme::Hazard).then(|| published.safe_load(&mut hazard));
            pinned.wait();
            // Acquire: pairs with the Release store in `retire` that ends the stall. The
            // flag publishes no data (the join orders the rest), so Relaxed would also do.
            while !release.load(Ordering::Acquire) {
                std::thread::yield_now();
            }
        })
    });
    if stalled_reader {
        pinned.wait();
    }
    for _ in 0..objects {
        match scheme {
            Scheme::Epoch => {
                let guard = epoch::pin();
                let shared = Owned::new(Counted(freed.clone())).into_shared(&guard);
                // SAFETY: the object was never published, so no other thread can hold a
                // reference to it; destroying it after the current epoch's readers is (more
                // than) safe.
                unsafe { guard.defer_destroy(shared) };
            }
            Scheme::Hazard => {
                let p = Box::into_raw(Box::new(Counted(freed.clone())));
                // SAFETY: the object was never published, so no hazard pointer can protect
                // it; it came from Box::into_raw and is retired once.
                unsafe { Domain::global().retire_ptr::<Counted, Box<Counted>>(p) };
            }
        }
    }
    // Relaxed: this round's objects are freed on this thread (the collectors free garbage
    // on the thread that pins or retires; the reader pinned before any existed), so
    // program order alone makes the frees counted so far visible here.
    let unfreed = objects - freed.load(Ordering::Relaxed).min(objects);
    // Release: pairs with the stalled reader's Acquire load of `release`.
    release.store(true, Ordering::Release);
    if let Some(r) = reader {
        r.join().unwrap();
    }
    // Let the collectors catch up before the next round (not measured).
    for _ in 0..4 {
        epoch::pin().flush();
    }
    Domain::global().eager_reclaim();
    match Arc::try_unwrap(published) {
        // SAFETY: the reader is gone, so nothing protects the object, and it is retired once.
        Ok(p) => unsafe {
            p.retire();
        },
        Err(_) => unreachable!("the reader thread was joined"),
    }
    unfreed as f64
}

pub fn run(ctx: &Ctx) {
    let n = ctx.size(200_000, 2_000);
    let report = ctx
        .experiment(
            "retired objects not yet freed (crossbeam-epoch, haphazard)",
            "objects still unfreed after retiring all",
            Better::Lower,
        )
        .case("epochs: no other thread pinned", move || {
            retire(Scheme::Epoch, n, false)
        })
        .case(
            "epochs: one reader pinned throughout (stalled)",
            move || retire(Scheme::Epoch, n, true),
        )
        .case("hazard pointers: no other reader", move || {
            retire(Scheme::Hazard, n, false)
        })
        .case(
            "hazard pointers: one reader stalled holding a hazard",
            move || retire(Scheme::Hazard, n, true),
        )
        .run();
    if let Some(r) = report {
        println!("{n} objects retired per round.");
        chart::bars_log(
            ctx,
            "stalled-reader.svg",
            "Garbage left unfreed, with and without a stalled reader",
            &format!("objects unfreed after retiring {n}"),
            &chart::bars_of(&r),
        );
    }
}
