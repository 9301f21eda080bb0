//! Loom models: two producers and one consumer in every interleaving loom explores (up to
//! the preemption bound), and the ABA interleaving on a free list.
//!
//! Reclamation under loom: crossbeam-epoch can run under loom itself (`--cfg
//! crossbeam_loom`, as in crossbeam's CI), but with three threads its own bookkeeping
//! (thread registration, bags, the global garbage queue) did not finish in ten minutes. So
//! the crate under test reclaims through `course_sync::reclaim`, which under `--cfg loom` is
//! a small model of the same contract (a count of live guards; retired nodes are freed when
//! the last guard goes). It frees for real, and the poisoning allocator below overwrites
//! and quarantines every freed block: a producer that follows a pointer to a node freed
//! too early (or retired while `tail` still pointed at it) reads poison, and the model
//! fails, often inside loom, which finds a garbage atomic where the node's `next` was. If a
//! model here fails with an error from loom's internals, suspect a node freed while another
//! thread could still reach it.
//!
//! Compiled only under `--cfg loom` (`cargo xtask check` builds it that way).
#![cfg(loom)]

use course_sync::atomic::{AtomicPtr, Ordering};
use course_sync::sync::Arc;
use course_sync::{model, thread};
use course_testkit::alloc::PoisoningAllocator;
use course_testkit::drops::DropTracker;
use mpsc_queue_grader::imp::{AtomicTaggedPtr, TaggedPtr, queue};

#[global_allocator]
static ALLOC: PoisoningAllocator = PoisoningAllocator;

#[test]
fn two_producers_one_consumer_lose_nothing_and_keep_order() {
    model(|| {
        let (tx, mut rx) = queue::<(u8, u8)>();
        let p0 = {
            let tx = tx.clone();
            thread::spawn(move || {
                tx.push((0, 0));
                tx.push((0, 1));
            })
        };
        let p1 = thread::spawn(move || tx.push((1, 0)));
        // Pop while the producers push (no spinning: every attempt is a step loom explores),
        // then take the rest once they are done.
        let mut got = Vec::new();
        for _ in 0..3 {
            got.extend(rx.pop());
        }
        p0.join().unwrap();
        p1.join().unwrap();
        got.extend(std::iter::from_fn(|| rx.pop()));
        assert_eq!(got.len(), 3, "items lost or invented: {got:?}");
        let from0: Vec<u8> = got.iter().filter(|v| v.0 == 0).map(|v| v.1).collect();
        assert_eq!(
            from0,
            [0, 1],
            "producer 0's items out of order or lost: {got:?}"
        );
        assert_eq!(got.iter().filter(|v| **v == (1, 0)).count(), 1, "{got:?}");
        assert_eq!(rx.pop(), None, "an item came out twice");
    });
}

#[test]
fn a_popped_value_is_fully_written() {
    // The value lives in a `course_sync::cell::UnsafeCell`: loom reports a read that is not
    // ordered after the producer's write ("Causality violation"). A heap value adds a
    // second publication to check.
    model(|| {
        let (tx, mut rx) = queue::<Box<[u64; 2]>>();
        let tx2 = tx.clone();
        let p0 = thread::spawn(move || tx.push(Box::new([1, 2])));
        let p1 = thread::spawn(move || tx2.push(Box::new([3, 4])));
        let mut sums = Vec::new();
        for _ in 0..3 {
            if let Some(b) = rx.pop() {
                sums.push(b[0] + b[1]);
            }
        }
        p0.join().unwrap();
        p1.join().unwrap();
        while let Some(b) = rx.pop() {
            sums.push(b[0] + b[1]);
        }
        sums.sort();
        assert_eq!(sums, [3, 7]);
    });
}

#[test]
fn dropping_the_consumer_during_pushes_drops_every_item_once() {
    model(|| {
        let tracker = DropTracker::new(3);
        let (tx, mut rx) = queue();
        let tx2 = tx.clone();
        let (t0, t1) = (tracker.clone(), tracker.clone());
        let p0 = thread::spawn(move || {
            tx.push(t0.track(0u8));
            tx.push(t0.track(1u8));
        });
        let p1 = thread::spawn(move || tx2.push(t1.track(2u8)));
        // Take at most one item, then go away while the producers may still be pushing.
        drop(rx.pop());
        drop(rx);
        p0.join().unwrap();
        p1.join().unwrap();
        tracker.assert_all_dropped();
    });
}

// ---------------------------------------------------------------------------------------
// ABA on a free list: where tags are needed.

/// A free-list slot: never freed while the model runs, so reading a stale slot's `next`
/// is not a use-after-free, just stale. 8-aligned: 3 tag bits.
#[repr(align(8))]
struct Slot {
    next: AtomicPtr<Slot>,
    id: usize,
}

/// A Treiber stack of slots whose head is the learner's `AtomicTaggedPtr`: every
/// successful CAS bumps the tag.
struct TaggedFreeList {
    head: AtomicTaggedPtr<Slot>,
}

impl TaggedFreeList {
    fn pop(&self) -> Option<*mut Slot> {
        loop {
            // Acquire: pairs with the Release CAS that installed this head, so its `next`
            // (written before) is visible.
            let head = self.head.load(Ordering::Acquire);
            if head.is_null() {
                return None;
            }
            // SAFETY: slots are never freed during the model.
            let next = unsafe { (*head.ptr()).next.load(Ordering::Relaxed) };
            let new = TaggedPtr::new(next, head.tag().wrapping_add(1));
            if self
                .head
                .compare_exchange(head, new, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                return Some(head.ptr());
            }
            thread::yield_now();
        }
    }

    fn push(&self, slot: *mut Slot) {
        loop {
            let head = self.head.load(Ordering::Acquire);
            // SAFETY: we own `slot` until the CAS publishes it.
            unsafe { (*slot).next.store(head.ptr(), Ordering::Relaxed) };
            let new = TaggedPtr::new(slot, head.tag().wrapping_add(1));
            if self
                .head
                .compare_exchange(head, new, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                return;
            }
            thread::yield_now();
        }
    }
}

/// The same stack with a plain `AtomicPtr` head: the ABA victim.
struct PlainFreeList {
    head: AtomicPtr<Slot>,
}

impl PlainFreeList {
    fn pop(&self) -> Option<*mut Slot> {
        loop {
            let head = self.head.load(Ordering::Acquire);
            if head.is_null() {
                return None;
            }
            // SAFETY: slots are never freed during the model.
            let next = unsafe { (*head).next.load(Ordering::Relaxed) };
            if self
                .head
                .compare_exchange(head, next, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                return Some(head);
            }
            thread::yield_now();
        }
    }

    fn push(&self, slot: *mut Slot) {
        loop {
            let head = self.head.load(Ordering::Acquire);
            // SAFETY: we own `slot` until the CAS publishes it.
            unsafe { (*slot).next.store(head, Ordering::Relaxed) };
            if self
                .head
                .compare_exchange(head, slot, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                return;
            }
            thread::yield_now();
        }
    }
}

trait FreeList: Send + Sync + 'static {
    fn with_slots(slots: &[*mut Slot]) -> Self;
    fn pop(&self) -> Option<*mut Slot>;
    fn push(&self, slot: *mut Slot);
}

impl FreeList for TaggedFreeList {
    fn with_slots(slots: &[*mut Slot]) -> Self {
        let list = TaggedFreeList {
            head: AtomicTaggedPtr::new(TaggedPtr::null()),
        };
        for &s in slots.iter().rev() {
            list.push(s);
        }
        list
    }
    fn pop(&self) -> Option<*mut Slot> {
        TaggedFreeList::pop(self)
    }
    fn push(&self, slot: *mut Slot) {
        TaggedFreeList::push(self, slot);
    }
}

impl FreeList for PlainFreeList {
    fn with_slots(slots: &[*mut Slot]) -> Self {
        let list = PlainFreeList {
            head: AtomicPtr::new(std::ptr::null_mut()),
        };
        for &s in slots.iter().rev() {
            list.push(s);
        }
        list
    }
    fn pop(&self) -> Option<*mut Slot> {
        PlainFreeList::pop(self)
    }
    fn push(&self, slot: *mut Slot) {
        PlainFreeList::push(self, slot);
    }
}

// SAFETY: the lists hold pointers to slots that outlive the model iteration and are only
// touched through atomics.
unsafe impl Send for TaggedFreeList {}
// SAFETY: as above.
unsafe impl Sync for TaggedFreeList {}
// SAFETY: as above.
unsafe impl Send for PlainFreeList {}
// SAFETY: as above.
unsafe impl Sync for PlainFreeList {}

/// Addresses as integers, to move them between (model) threads; they are only compared and
/// turned back into the slots' own pointers by id.
fn ids(slots: &[*mut Slot]) -> Vec<usize> {
    // SAFETY: the slots are alive for the whole model iteration.
    slots.iter().map(|&s| unsafe { (*s).id }).collect()
}

/// The chapter's ABA interleaving: thread 1 pops once; thread 2 pops A, pops B and pushes A
/// back. Afterwards every slot must be in exactly one place: held by a thread or in the
/// list. Panics with "handed out twice" when a slot is both.
fn aba_model<L: FreeList>() {
    model(|| {
        let slots: Vec<*mut Slot> = (0..3)
            .map(|id| {
                Box::into_raw(Box::new(Slot {
                    next: AtomicPtr::new(std::ptr::null_mut()),
                    id,
                }))
            })
            .collect();
        let list = Arc::new(L::with_slots(&slots));
        let (l1, l2) = (list.clone(), list.clone());
        struct Held(Vec<*mut Slot>);
        // SAFETY: the pointers are only dereferenced while the slots are alive.
        unsafe impl Send for Held {}
        let t1 = thread::spawn(move || Held(l1.pop().into_iter().collect()));
        let t2 = thread::spawn(move || {
            let a = l2.pop();
            let b = l2.pop();
            if let Some(a) = a {
                l2.push(a);
            }
            Held(b.into_iter().collect())
        });
        let mut held = ids(&t1.join().unwrap().0);
        held.extend(ids(&t2.join().unwrap().0));
        let mut in_list = Vec::new();
        while let Some(s) = list.pop() {
            in_list.push(s);
            assert!(in_list.len() <= 3, "the free list has a cycle");
        }
        let in_list = ids(&in_list);
        for id in &held {
            assert!(
                !in_list.contains(id),
                "slot {id} was handed out twice: held by a thread and still in the free list \
                 (held {held:?}, list {in_list:?})"
            );
        }
        let mut all: Vec<usize> = held.iter().chain(&in_list).copied().collect();
        all.sort();
        assert_eq!(all, [0, 1, 2], "slots lost or duplicated");
        for s in slots {
            // SAFETY: every thread is done; the slots were boxed above.
            drop(unsafe { Box::from_raw(s) });
        }
    });
}

#[test]
fn tags_defeat_aba_on_a_free_list_that_breaks_without_them() {
    // First, the control: the untagged list *must* fail this model, or the model does not
    // reach the ABA interleaving and the next line would prove nothing. Run in a thread of
    // its own so that its failure cannot disturb loom's state for the real model.
    let untagged = std::thread::spawn(aba_model::<PlainFreeList>).join();
    let message = match untagged {
        Ok(()) => panic!("the model failed to find ABA on the untagged free list"),
        Err(payload) => course_testkit::panic_message(&*payload),
    };
    assert!(
        message.contains("handed out twice") || message.contains("lost or duplicated"),
        "the untagged list failed for another reason: {message}"
    );
    eprintln!("(expected) the untagged free list fails: {message}");

    // Now the learner's AtomicTaggedPtr: the same interleavings must all pass.
    aba_model::<TaggedFreeList>();
}
