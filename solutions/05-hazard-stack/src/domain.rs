//! Hazard pointers: a [`HazardDomain`] of per-thread slots, each slot one published pointer
//! ("I am reading this node: do not free it") and a private list of retired nodes.
//!
//! # Invariant
//!
//! A retired object is freed only by a scan that (1) ran after the object was unlinked,
//! (2) executed a `SeqCst` fence, and then (3) read every slot's hazard and found none
//! equal to the object's address. A reader dereferences a pointer only after it has
//! published it in its slot, executed a `SeqCst` fence, and re-read the source and found
//! the same pointer there. The two fences are ordered one way or the other in the single
//! total order of `SeqCst` operations, and either order is safe:
//!
//! - reader's fence first: the scan's hazard load sees the reader's publication (or a
//!   later value of the slot that the reader wrote after it finished), so the object is
//!   kept while the reader needs it;
//! - scan's fence first: the reader's re-load of the source sees the unlink, so the
//!   validation fails and the reader never dereferences the object.
//!
//! Everything else in this module is bookkeeping around that argument: who owns which
//! retired list, and when a scan runs.
//!
//! # Slots
//!
//! The domain keeps an append-only linked list of slots, padded to 128 bytes each so
//! that one thread's publications do not invalidate the line another thread's slot sits
//! on. A [`Hazard`] is the exclusive right to use one slot: [`HazardDomain::hazard`] claims
//! a free slot (or appends a new one) and dropping the `Hazard` clears its hazard and frees
//! the slot for the next claimant. Slots are never freed before the domain, so a scan may
//! walk the list without any protection of its own.
//!
//! # Retired lists
//!
//! Each slot owns a list of retired objects. Only the holder of the slot touches it, so
//! [`Hazard::retire`] needs no synchronisation at all: it is a `Vec::push`. When the list
//! reaches the domain's threshold `R`, the holder scans: it keeps the objects some slot
//! protects and frees the rest. A slot that is released keeps its list; the next holder
//! inherits it, so the backlog of a thread that has gone is not stranded.
//!
//! # Memory bound
//!
//! With `S` slots, a scan keeps at most `S` objects (one per published hazard). A list
//! therefore never holds more than `R + S` objects, and the domain never more than
//! `S × (R + S)`. That bound holds whatever the other threads do, even if one of them
//! stops forever while protecting a node: it pins one object, not the whole backlog.

use std::ptr;

use course_sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering, fence};
use course_sync::cell::UnsafeCell;

/// The retire threshold of [`HazardDomain::new`]: a slot scans its retired list when the
/// list reaches this many objects.
pub const DEFAULT_THRESHOLD: usize = 64;

/// One retired object: its address, and the function that frees it with its real type.
struct Retired {
    ptr: *mut (),
    free: unsafe fn(*mut ()),
}

/// Frees an object that was allocated as a `Box<T>`.
///
/// # Safety
///
/// `ptr` came from `Box::<T>::into_raw` and is freed once.
unsafe fn free_box<T>(ptr: *mut ()) {
    // SAFETY: the caller passes a pointer from `Box::<T>::into_raw`, exactly once.
    drop(unsafe { Box::from_raw(ptr.cast::<T>()) });
}

/// One hazard slot, alone on a 128-byte block (the exercise 01 padding: the owner writes
/// `hazard` on every protect; scanners on other cores read it).
#[repr(align(128))]
struct Slot {
    /// The pointer this slot protects, or null.
    hazard: AtomicPtr<()>,
    /// Whether a [`Hazard`] holds this slot.
    in_use: AtomicBool,
    /// Objects retired by this slot's holders and not yet freed. Accessed only by the
    /// holder of the slot (or by the domain's `Drop`, which has `&mut`).
    retired: UnsafeCell<Vec<Retired>>,
    /// `retired.len()`, published for [`HazardDomain::retired`] (which must not touch the
    /// list itself: it belongs to the holder).
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
        assert!(threshold > 0, "the retire threshold must be at least 1");
        Self {
            slots: AtomicPtr::new(ptr::null_mut()),
            threshold,
        }
    }

    /// The retire threshold.
    pub fn threshold(&self) -> usize {
        self.threshold
    }

    /// Claims a slot: a released one if there is any, otherwise a new one.
    pub fn hazard(&self) -> Hazard<'_> {
        // Acquire: pairs with the Release CAS that published each slot, so that its fields
        // (and its `next`) are initialised when we read them.
        let mut cur = self.slots.load(Ordering::Acquire);
        while !cur.is_null() {
            // SAFETY: slots are freed only by `Drop for HazardDomain`, which has `&mut
            // self`; we hold `&self`.
            let slot = unsafe { &*cur };
            // Acquire on success: pairs with the Release store in `Hazard::drop`, so the
            // previous holder's writes to the retired list happen before ours. The plain
            // load first keeps us from writing (and so stealing) the line of a busy slot.
            if !slot.in_use.load(Ordering::Relaxed)
                && slot
                    .in_use
                    .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
            {
                return Hazard { domain: self, slot };
            }
            cur = slot.next.cast_mut();
        }

        // Every slot is busy: append a new one, already claimed.
        let new = Box::into_raw(Box::new(Slot {
            hazard: AtomicPtr::new(ptr::null_mut()),
            in_use: AtomicBool::new(true),
            retired: UnsafeCell::new(Vec::new()),
            retired_len: AtomicUsize::new(0),
            next: ptr::null(),
        }));
        // Relaxed: only the first guess for the compare-exchange below, whose Release
        // success ordering is what publishes the slot.
        let mut head = self.slots.load(Ordering::Relaxed);
        loop {
            // SAFETY: `new` is not published yet: this thread is its only user.
            unsafe { (*new).next = head };
            // Release: publishes the slot's initialised fields and `next` to the Acquire
            // loads that walk the list. Relaxed on failure: we only retry with the value.
            match self
                .slots
                .compare_exchange_weak(head, new, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => break,
                Err(actual) => head = actual,
            }
        }
        // SAFETY: published slots live as long as the domain, which `&self` borrows.
        let slot = unsafe { &*new };
        Hazard { domain: self, slot }
    }

    /// How many slots the domain has created. Slots are reused, never freed, so this is the
    /// largest number of [`Hazard`]s that were ever alive at once.
    pub fn slots(&self) -> usize {
        self.iter().count()
    }

    /// How many retired objects are not freed yet.
    ///
    /// While other threads retire and scan this is a moment's estimate, but it never
    /// exceeds `slots() × (threshold() + slots())`. With no thread inside the domain it is
    /// exact.
    pub fn retired(&self) -> usize {
        // Relaxed: a statistic; each slot's count is written by its holder alone.
        self.iter()
            .map(|slot| slot.retired_len.load(Ordering::Relaxed))
            .sum()
    }

    /// Scans the retired list of every slot that no [`Hazard`] holds now, and frees what is
    /// no longer protected. Returns how many objects it freed. Call it when threads have
    /// finished, to free a backlog that no further retire would trigger a scan for.
    pub fn reclaim(&self) -> usize {
        let mut freed = 0;
        for slot in self.iter() {
            // Acquire/Release: we become the slot's holder for the scan, exactly as
            // `hazard()` and `Hazard::drop` would.
            if slot
                .in_use
                .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
            {
                freed += self.scan(slot);
                slot.in_use.store(false, Ordering::Release);
            }
        }
        freed
    }

    /// Frees every object on `slot`'s retired list that no slot protects. The caller holds
    /// `slot`. Returns how many it freed.
    fn scan(&self, slot: &Slot) -> usize {
        // SeqCst fence: pairs with the fence in `Hazard::protect`. Every object on our list
        // was unlinked before we got here (by us, or by an earlier holder of this slot whose
        // release we acquired). If a reader's fence comes before ours in the SeqCst order,
        // the loads below see its hazard; if ours comes first, its re-validation sees the
        // unlink and it never uses the object. Without this fence, the loads below could
        // read a slot's old null while the reader's re-load still sees the old pointer: the
        // store-buffering outcome, and a use after free.
        fence(Ordering::SeqCst);
        let mut protected: Vec<*mut ()> = self
            .iter()
            // Acquire: pairs with the Release store that ended a protection (a `reset`, or
            // the publication of the next pointer), so everything the reader did with the
            // object happens before we free it.
            .map(|s| s.hazard.load(Ordering::Acquire))
            .filter(|p| !p.is_null())
            .collect();
        protected.sort_unstable();

        slot.retired.with_mut(|list| {
            // SAFETY: the caller holds `slot`, so nobody else accesses its list.
            let list = unsafe { &mut *list };
            let mut freed = 0;
            // In place: the list keeps its buffer from scan to scan.
            for r in list.extract_if(.., |r| protected.binary_search(&r.ptr).is_err()) {
                // SAFETY: `r` was retired once (the `retire` contract), and no slot
                // protected it after it was unlinked (the argument above), so nobody can
                // still reach it.
                unsafe { (r.free)(r.ptr) };
                freed += 1;
            }
            // Relaxed: a statistic (see `retired`).
            slot.retired_len.store(list.len(), Ordering::Relaxed);
            freed
        })
    }

    /// The slots, newest first.
    fn iter(&self) -> impl Iterator<Item = &Slot> {
        // Acquire: see `hazard()`.
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
        // `&mut self`: no `Hazard` is alive (each borrows the domain), so nothing is
        // protected and every retired object can go. Relaxed: `&mut self` is exclusive, so
        // every store to the list happened-before this and there is nothing to pair with.
        let mut cur = self.slots.load(Ordering::Relaxed);
        while !cur.is_null() {
            // SAFETY: every slot was allocated by `hazard()` with `Box::new` and is freed
            // here, once.
            let slot = unsafe { Box::from_raw(cur) };
            cur = slot.next.cast_mut();
            let list = slot.retired.with_mut(|list| {
                // SAFETY: `&mut self`: nobody else can touch the list.
                std::mem::take(unsafe { &mut *list })
            });
            for r in list {
                // SAFETY: retired once, and unreachable: no reader is left.
                unsafe { (r.free)(r.ptr) };
            }
        }
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
        // Relaxed: this value is only a guess; the load that validates it is the Acquire.
        let mut ptr = src.load(Ordering::Relaxed);
        loop {
            // Release: this store also ends the slot's previous protection, so our reads of
            // the object protected before must happen before a scan that sees this value
            // and frees it (the scan's hazard load is Acquire).
            self.slot.hazard.store(ptr.cast(), Ordering::Release);
            // SeqCst fence: pairs with the fence at the start of every scan (see the module
            // docs). A Release store alone may wait in the store buffer while the load below
            // runs; without the fence a scan could miss the hazard and free the object that
            // the load below still finds in `src`.
            fence(Ordering::SeqCst);
            // Acquire: the object's contents must be visible to us. The fence above already
            // acts as an acquire fence for the load that produced `ptr`, so in the common
            // case this Acquire adds nothing. It matters when `src` changed and changed back
            // to the same address (the old object freed, a new one allocated where it was):
            // then this load reads a newer store than that one, and only its own Acquire
            // synchronises with the store that published the new object.
            let now = src.load(Ordering::Acquire);
            if now == ptr {
                return ptr;
            }
            ptr = now;
        }
    }

    /// Stops protecting anything.
    pub fn reset(&mut self) {
        // Release: everything we did with the object happens before the scan that sees the
        // null and frees it (that load is Acquire).
        self.slot.hazard.store(ptr::null_mut(), Ordering::Release);
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
        let len = self.slot.retired.with_mut(|list| {
            // SAFETY: we hold the slot, so its retired list is ours alone.
            let list = unsafe { &mut *list };
            list.push(Retired {
                ptr: ptr.cast(),
                free: free_box::<T>,
            });
            list.len()
        });
        // Relaxed: a statistic (see `HazardDomain::retired`).
        self.slot.retired_len.store(len, Ordering::Relaxed);
        if len >= self.domain.threshold {
            self.domain.scan(self.slot);
        }
    }
}

impl Drop for Hazard<'_> {
    fn drop(&mut self) {
        self.reset();
        // Release: pairs with the Acquire CAS of the slot's next holder, which inherits the
        // retired list; our pushes to it must happen before its accesses.
        self.slot.in_use.store(false, Ordering::Release);
    }
}

impl std::fmt::Debug for Hazard<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hazard")
            // Relaxed: a diagnostic snapshot; nothing is read through the pointer.
            .field("protects", &self.slot.hazard.load(Ordering::Relaxed))
            .finish()
    }
}
