//! Hazard pointers: a [`HazardDomain`] of slots, each slot one published pointer ("I am
//! reading this object: do not free it") and a private list of retired objects.
//!
//! The shape is given: an append-only linked list of `Slot`s that are never freed before
//! the domain (so walking it needs no protection), each padded to 128 bytes. A [`Hazard`]
//! is the exclusive use of one slot. You write how a slot is claimed and released, the
//! publish-fence-validate loop of `protect`, `retire`, and the scan.
//!
//! The promise the tests check: `retired()` never exceeds
//! `slots() × (threshold() + slots())`. A scan keeps at most one object per slot (the one
//! that slot protects), so a list that scans when it reaches `threshold` objects never
//! holds more than `threshold + slots` of them.

use std::ptr;

// Use the course's facade, not `std::sync::atomic`: it is std's atomics normally and
// loom's when the grader model-checks your code.
use course_sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering, fence};
use course_sync::cell::UnsafeCell;

/// The retire threshold of [`HazardDomain::new`]: a slot scans its retired list when the
/// list reaches this many objects.
pub const DEFAULT_THRESHOLD: usize = 64;

/// One retired object: its address, and the function that frees it with its real type.
/// Given.
struct Retired {
    ptr: *mut (),
    free: unsafe fn(*mut ()),
}

/// Frees an object that was allocated as a `Box<T>`. Given: store `free_box::<T>` in a
/// [`Retired`] and call `(r.free)(r.ptr)` when the scan decides to free it.
///
/// # Safety
///
/// `ptr` came from `Box::<T>::into_raw` and is freed once.
unsafe fn free_box<T>(ptr: *mut ()) {
    // SAFETY: the caller passes a pointer from `Box::<T>::into_raw`, exactly once.
    drop(unsafe { Box::from_raw(ptr.cast::<T>()) });
}

/// One hazard slot, alone on a 128-byte block (its owner writes `hazard` on every
/// protect; scanners on other cores read it). Given.
#[repr(align(128))]
struct Slot {
    /// The pointer this slot protects, or null.
    hazard: AtomicPtr<()>,
    /// Whether a [`Hazard`] holds this slot.
    in_use: AtomicBool,
    /// Objects retired by this slot's holders and not yet freed. Only the holder of the
    /// slot may access it (through `with_mut`), or the domain's `Drop`.
    retired: UnsafeCell<Vec<Retired>>,
    /// `retired.len()`, published for [`HazardDomain::retired`], which must not touch the
    /// list itself (it belongs to the slot's holder).
    retired_len: AtomicUsize,
    /// The next slot in the domain's list. Written once, before the slot is published.
    next: *const Slot,
}

/// A set of hazard slots and the retired objects they guard.
///
/// Every object whose address may be protected through this domain must be retired
/// through this domain: a hazard only holds back the scans of its own domain.
pub struct HazardDomain {
    /// Head of the append-only list of slots (newest first).
    slots: AtomicPtr<Slot>,
    /// A slot scans its retired list when it reaches this length.
    threshold: usize,
}

impl HazardDomain {
    /// A domain with [`DEFAULT_THRESHOLD`].
    pub fn new() -> Self {
        Self::with_threshold(DEFAULT_THRESHOLD)
    }

    /// A domain whose slots scan their retired lists when they reach `threshold` objects
    /// (1 scans on every retire: useful in tests and models).
    ///
    /// # Panics
    ///
    /// If `threshold` is 0.
    pub fn with_threshold(threshold: usize) -> Self {
        // TODO: an empty list of slots (`AtomicPtr::new(ptr::null_mut())`); refuse 0.
        let _ = (threshold, ptr::null_mut::<Slot>);
        todo!("HazardDomain::with_threshold")
    }

    /// The retire threshold.
    pub fn threshold(&self) -> usize {
        self.threshold
    }

    /// Claims a slot: a released one if there is any, otherwise a new one.
    pub fn hazard(&self) -> Hazard<'_> {
        // TODO: walk the slots (`self.iter()`); claim the first whose `in_use` you can flip
        // from false to true. Which ordering must a successful claim have, given that the
        // slot's retired list was last written by its previous holder?
        //
        // If every slot is busy, allocate a new `Slot` (already in use), and push it on
        // the list with a CAS loop: set its `next` first, then publish it. What must the
        // publishing CAS order before it?
        todo!("HazardDomain::hazard")
    }

    /// How many slots the domain has created. Slots are reused, never freed, so this is the
    /// largest number of [`Hazard`]s that were ever alive at once.
    pub fn slots(&self) -> usize {
        // TODO
        todo!("HazardDomain::slots")
    }

    /// How many retired objects are not freed yet.
    ///
    /// While other threads retire and scan this is a moment's estimate, but it never
    /// exceeds `slots() × (threshold() + slots())`. With no thread inside the domain it is
    /// exact.
    pub fn retired(&self) -> usize {
        // TODO: add up the slots' `retired_len`.
        todo!("HazardDomain::retired")
    }

    /// Scans the retired list of every slot that no [`Hazard`] holds now, and frees what is
    /// no longer protected. Returns how many objects it freed. Call it when threads have
    /// finished, to free a backlog that no further retire would trigger a scan for.
    pub fn reclaim(&self) -> usize {
        // TODO: for each slot you can claim (as `hazard()` does): scan it, release it.
        todo!("HazardDomain::reclaim")
    }

    /// Frees every object on `slot`'s retired list that no slot protects. The caller holds
    /// `slot`. Returns how many it freed.
    fn scan(&self, slot: &Slot) -> usize {
        // TODO, in this order:
        // 1. a fence. Which one, and which fence in `Hazard::protect` does it pair with?
        // 2. collect every slot's `hazard` (non-null ones). Which ordering makes a reader's
        //    last use of an object happen before you free it?
        // 3. split the retired list into protected (keep) and the rest; update
        //    `retired_len`; free the rest with `(r.free)(r.ptr)`.
        let _ = (slot, fence);
        todo!("HazardDomain::scan")
    }

    /// The slots, newest first. Given.
    fn iter(&self) -> impl Iterator<Item = &Slot> {
        // Acquire: pairs with the Release CAS that published each slot, so that its fields
        // (and its `next`) are initialised when we read them.
        let mut cur = self.slots.load(Ordering::Acquire).cast_const();
        std::iter::from_fn(move || {
            // SAFETY: slots live as long as the domain, which `&self` borrows.
            let slot = unsafe { cur.as_ref()? };
            cur = slot.next;
            Some(slot)
        })
    }
}

impl Default for HazardDomain {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for HazardDomain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HazardDomain")
            .field("threshold", &self.threshold)
            .field("slots", &self.slots())
            .field("retired", &self.retired())
            .finish()
    }
}

impl Drop for HazardDomain {
    fn drop(&mut self) {
        // TODO: free every slot (they came from `Box::into_raw`) and every object still on
        // a retired list. With `&mut self` no `Hazard` is alive, so nothing is protected.
        // Until you write this, a dropped domain leaks.
    }
}

/// The exclusive use of one slot of a [`HazardDomain`]: publish a pointer with
/// [`protect`](Hazard::protect), retire objects with [`retire`](Hazard::retire). Dropping
/// it clears the hazard and hands the slot (and its retired list) back to the domain.
///
/// A `Hazard` stays on the thread that claimed it (it is not `Send`).
pub struct Hazard<'domain> {
    domain: &'domain HazardDomain,
    slot: &'domain Slot,
}

impl Hazard<'_> {
    /// Loads `src` and protects the pointer it holds: until this hazard protects something
    /// else, is [`reset`](Hazard::reset) or is dropped, no scan of this domain frees the
    /// object it points to. Returns the pointer (null if `src` holds null).
    ///
    /// The protection covers objects retired through this hazard's domain only: every
    /// object that `src` ever points to must be retired through the same domain.
    pub fn protect<T>(&mut self, src: &AtomicPtr<T>) -> *mut T {
        // TODO: load `src`; then loop: publish the pointer in the slot, fence, load `src`
        // again; if it still holds the same pointer, it is protected. Otherwise try again
        // with the new value. The chapter's "Hazard pointers step by step" says why each
        // step and each ordering is there.
        let _ = src;
        todo!("Hazard::protect")
    }

    /// Stops protecting anything.
    pub fn reset(&mut self) {
        // TODO
        todo!("Hazard::reset")
    }

    /// Hands `ptr` to the domain, to be freed (as a `Box<T>`) by a scan once no slot
    /// protects it. A scan of this slot's retired list runs when it reaches the domain's
    /// threshold.
    ///
    /// # Safety
    ///
    /// - `ptr` came from `Box::<T>::into_raw` and nothing else will free it;
    /// - it is no longer reachable from the shared structure (unlinked), so no new
    ///   [`protect`](Hazard::protect) can return it;
    /// - it is retired once;
    /// - every thread that could have read it protects it through this domain;
    /// - the `Box<T>` may be dropped on any thread at any time until the domain is dropped
    ///   (`T: Send`, and whatever `T` borrows outlives the domain).
    pub unsafe fn retire<T>(&mut self, ptr: *mut T) {
        // TODO: push `Retired { ptr, free: free_box::<T> }` on this slot's list (you hold
        // the slot, so no other thread touches it), publish the new length, and scan when
        // the list reaches the threshold.
        let _ = (ptr, free_box::<T>);
        todo!("Hazard::retire")
    }
}

impl Drop for Hazard<'_> {
    fn drop(&mut self) {
        // TODO: clear the hazard and release the slot. Which ordering must the release
        // have, for the next holder who inherits the retired list?
    }
}

impl std::fmt::Debug for Hazard<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hazard")
            .field("protects", &self.slot.hazard.load(Ordering::Relaxed))
            .finish()
    }
}
