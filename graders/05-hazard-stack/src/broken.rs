//! A small hazard-pointer domain with switchable fences, to prove that the loom scenario
//! `models::protect_vs_scan` catches a missing fence on either side. With both fences it
//! must pass (so the failures below are the fences' doing, not this domain's).
//!
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 CARGO_TARGET_DIR=target/loom cargo
//! test -p hazard-stack-grader --no-default-features --features solution --lib --release`.

use std::panic::{AssertUnwindSafe, catch_unwind};

use course_sync::atomic::{AtomicBool, AtomicPtr, Ordering, fence};
use course_sync::sync::Mutex;

use crate::models::{self, Domain, Hazard};

type Retired = (*mut (), unsafe fn(*mut ()));

/// Two fixed slots, one shared retired list behind a lock: the smallest domain that
/// exercises protect against scan.
struct Fences<const PROTECT: bool, const SCAN: bool> {
    hazards: [AtomicPtr<()>; 2],
    in_use: [AtomicBool; 2],
    retired: Mutex<Vec<Retired>>,
}

// SAFETY: the raw pointers are retired objects, freed by whichever thread scans, which
// the `retire` contract allows.
unsafe impl<const P: bool, const S: bool> Send for Fences<P, S> {}
// SAFETY: as above; everything else is atomics and a mutex.
unsafe impl<const P: bool, const S: bool> Sync for Fences<P, S> {}

struct Slot<'a, const P: bool, const S: bool> {
    domain: &'a Fences<P, S>,
    index: usize,
}

unsafe fn free_box<T>(ptr: *mut ()) {
    // SAFETY: retired as a `Box<T>`, freed once.
    drop(unsafe { Box::from_raw(ptr.cast::<T>()) });
}

impl<const P: bool, const S: bool> Fences<P, S> {
    fn scan(&self) {
        if S {
            fence(Ordering::SeqCst);
        }
        let protected: Vec<*mut ()> = self
            .hazards
            .iter()
            .map(|h| h.load(Ordering::Acquire))
            .collect();
        let doomed: Vec<Retired> = {
            let mut list = self.retired.lock().unwrap();
            let (keep, doomed) = std::mem::take(&mut *list)
                .into_iter()
                .partition(|r| protected.contains(&r.0));
            *list = keep;
            doomed
        };
        for (ptr, free) in doomed {
            // SAFETY: unprotected at the scan (if the fences are there).
            unsafe { free(ptr) };
        }
    }
}

impl<const P: bool, const S: bool> Domain for Fences<P, S> {
    type Hazard<'a> = Slot<'a, P, S>;
    fn with_threshold(_: usize) -> Self {
        Self {
            hazards: [
                AtomicPtr::new(std::ptr::null_mut()),
                AtomicPtr::new(std::ptr::null_mut()),
            ],
            in_use: [AtomicBool::new(false), AtomicBool::new(false)],
            retired: Mutex::new(Vec::new()),
        }
    }
    fn hazard(&self) -> Slot<'_, P, S> {
        let index = (0..2)
            .find(|&i| {
                self.in_use[i]
                    .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
            })
            .expect("the scenario never holds more than two slots");
        Slot {
            domain: self,
            index,
        }
    }
}

impl<const P: bool, const S: bool> Hazard for Slot<'_, P, S> {
    fn protect<T>(&mut self, src: &AtomicPtr<T>) -> *mut T {
        let slot = &self.domain.hazards[self.index];
        let mut ptr = src.load(Ordering::Relaxed);
        loop {
            slot.store(ptr.cast(), Ordering::Release);
            if P {
                fence(Ordering::SeqCst);
            }
            let now = src.load(Ordering::Acquire);
            if now == ptr {
                return ptr;
            }
            ptr = now;
        }
    }
    unsafe fn retire<T>(&mut self, ptr: *mut T) {
        self.domain
            .retired
            .lock()
            .unwrap()
            .push((ptr.cast(), free_box::<T>));
        self.domain.scan();
    }
}

impl<const P: bool, const S: bool> Drop for Slot<'_, P, S> {
    fn drop(&mut self) {
        self.domain.hazards[self.index].store(std::ptr::null_mut(), Ordering::Release);
        self.domain.in_use[self.index].store(false, Ordering::Release);
    }
}

impl<const P: bool, const S: bool> Drop for Fences<P, S> {
    fn drop(&mut self) {
        for (ptr, free) in self.retired.lock().unwrap().drain(..) {
            // SAFETY: no slot is held any more.
            unsafe { free(ptr) };
        }
    }
}

fn fails(scenario: fn()) -> bool {
    catch_unwind(AssertUnwindSafe(scenario)).is_err()
}

#[test]
fn with_both_fences_the_scenario_passes() {
    models::protect_vs_scan::<Fences<true, true>>();
}

#[test]
fn without_the_fence_in_protect_the_scenario_fails() {
    assert!(
        fails(models::protect_vs_scan::<Fences<false, true>>),
        "loom found no use after free although protect has no SeqCst fence"
    );
}

#[test]
fn without_the_fence_in_scan_the_scenario_fails() {
    assert!(
        fails(models::protect_vs_scan::<Fences<true, false>>),
        "loom found no use after free although the scan has no SeqCst fence"
    );
}
