//! Loom scenarios for a hazard-pointer domain, generic over the implementation so that the
//! same scenario judges the crate under test (`tests/loom.rs`) and proves, on a deliberately
//! broken domain (`src/broken.rs`), that it can fail.

use course_sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use course_sync::cell::UnsafeCell;
use course_sync::sync::Arc;
use course_sync::thread;

/// What a scenario needs from a hazard-pointer domain.
pub trait Domain: Send + Sync + 'static {
    /// One claimed slot.
    type Hazard<'a>: Hazard
    where
        Self: 'a;
    /// A domain whose slots scan when their retired list reaches `threshold`.
    fn with_threshold(threshold: usize) -> Self;
    /// Claims a slot.
    fn hazard(&self) -> Self::Hazard<'_>;
}

/// What a scenario needs from one claimed slot.
pub trait Hazard {
    /// Publish, fence, re-validate.
    fn protect<T>(&mut self, src: &AtomicPtr<T>) -> *mut T;
    /// Hands an unlinked `Box<T>` to the domain.
    ///
    /// # Safety
    ///
    /// As `Hazard::retire` of the exercise.
    unsafe fn retire<T>(&mut self, ptr: *mut T);
}

impl Domain for crate::imp::HazardDomain {
    type Hazard<'a> = crate::imp::Hazard<'a>;
    fn with_threshold(threshold: usize) -> Self {
        crate::imp::HazardDomain::with_threshold(threshold)
    }
    fn hazard(&self) -> Self::Hazard<'_> {
        crate::imp::HazardDomain::hazard(self)
    }
}

impl Hazard for crate::imp::Hazard<'_> {
    fn protect<T>(&mut self, src: &AtomicPtr<T>) -> *mut T {
        crate::imp::Hazard::protect(self, src)
    }
    unsafe fn retire<T>(&mut self, ptr: *mut T) {
        // SAFETY: the caller's contract is the exercise's.
        unsafe { crate::imp::Hazard::retire(self, ptr) }
    }
}

/// The state of the scenario's two objects, kept outside the objects themselves so that
/// checking it never touches freed memory.
#[derive(Debug)]
pub struct Witness {
    /// Written by an object's drop; read by the reader after protecting the object. A read
    /// that is not ordered before the drop's write (or a write not ordered before the read)
    /// is a loom "Causality violation": the reader used an object that was being freed.
    payload: [UnsafeCell<u64>; 2],
    /// Raised by an object's drop.
    freed: [AtomicBool; 2],
}

// SAFETY: the cells are loom's, and every access to them is checked by the model; the
// flags are atomics.
unsafe impl Sync for Witness {}
// SAFETY: as above.
unsafe impl Send for Witness {}

/// An object whose death loom can see: its drop writes its witness payload and raises its
/// flag.
#[derive(Debug)]
pub struct Tracked {
    id: usize,
    witness: Arc<Witness>,
}

impl Tracked {
    fn boxed(id: usize, witness: &Arc<Witness>) -> *mut Tracked {
        Box::into_raw(Box::new(Tracked {
            id,
            witness: witness.clone(),
        }))
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.witness.payload[self.id].with_mut(|p| {
            // SAFETY: loom checks this access; under std the scenario never runs.
            unsafe { *p = 0xDEAD }
        });
        // Release: a reader that sees the flag also sees the overwritten payload.
        let was_freed = self.witness.freed[self.id].swap(true, Ordering::Release);
        assert!(!was_freed, "object {} was freed twice", self.id);
    }
}

/// A raw pointer that may cross to a model thread (the scenario owns what it points to).
#[derive(Debug)]
pub struct SendPtr<T>(pub *mut T);
// SAFETY: the pointee is only touched under the protocol the scenario checks.
unsafe impl<T> Send for SendPtr<T> {}

/// A reader protects the shared pointer and uses the object while a writer swaps in a new
/// object and retires the old one with threshold 1 (so the retire scans at once). In every
/// interleaving the object the reader protected must not be freed before the reader is done
/// with it, and every object must be freed exactly once by the end. The reader never
/// dereferences the pointer (a broken domain would make that a real use after free, which
/// crashes instead of failing cleanly): the objects' state lives in a [`Witness`].
pub fn protect_vs_scan<D: Domain>() {
    course_sync::model(|| {
        let domain = Arc::new(D::with_threshold(1));
        let witness = Arc::new(Witness {
            payload: [UnsafeCell::new(7), UnsafeCell::new(8)],
            freed: [AtomicBool::new(false), AtomicBool::new(false)],
        });
        let first = Tracked::boxed(0, &witness);
        let second = Tracked::boxed(1, &witness);
        let shared = Arc::new(AtomicPtr::new(first));

        let reader = {
            let (domain, witness, shared) = (domain.clone(), witness.clone(), shared.clone());
            let first = SendPtr(first);
            thread::spawn(move || {
                let first = first;
                let mut hazard = domain.hazard();
                let p = hazard.protect(&shared);
                // Which object we hold, found without dereferencing it: if the domain is
                // wrong, `p` may already be freed.
                let id = if p == first.0 { 0 } else { 1 };
                // Acquire: pairs with the drop's Release swap.
                assert!(
                    !witness.freed[id].load(Ordering::Acquire),
                    "use after free: protect returned object {id}, which a scan has freed"
                );
                // "Use" the object: a read that its drop must come after.
                let payload = witness.payload[id].with(|v| {
                    // SAFETY: loom checks this access.
                    unsafe { *v }
                });
                assert!(
                    payload == 7 || payload == 8,
                    "use after free: read {payload:#x} from protected object {id}"
                );
                drop(hazard);
            })
        };

        let old = shared.swap(second, Ordering::AcqRel);
        {
            let mut hazard = domain.hazard();
            // SAFETY: `old` came from `Box::into_raw`, is unlinked and retired once.
            unsafe { hazard.retire(old) };
        }
        reader.join().unwrap();
        {
            // The second object leaves the structure too.
            let last = shared.swap(std::ptr::null_mut(), Ordering::AcqRel);
            let mut hazard = domain.hazard();
            // SAFETY: as above.
            unsafe { hazard.retire(last) };
        }
        drop(domain);
        assert!(
            witness.freed.iter().all(|f| f.load(Ordering::Acquire)),
            "a retired object was never freed (not even when the domain was dropped)"
        );
    });
}
