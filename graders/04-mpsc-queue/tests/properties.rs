//! Property tests.
//!
//! - Random sequences of pushes (through several producer handles), pops, clones and drops
//!   of handles, run on one thread, must behave exactly like a `VecDeque`.
//! - Items queued when the consumer is dropped, and pushed after it, are dropped exactly
//!   once, whatever the order in which the handles go away.
//! - Concurrent producers: every item comes out exactly once, in per-producer order.
//! - `TaggedPtr`: packing, wrapping, alignment, provenance, and a scripted ABA sequence that
//!   a tagged compare-and-swap must refuse.

use std::collections::VecDeque;
use std::sync::atomic::Ordering::SeqCst;

use course_testkit::conservation::{Fifo, Item, check};
use course_testkit::drops::DropTracker;
use mpsc_queue_grader::imp::{AtomicTaggedPtr, Consumer, Producer, TaggedPtr, queue};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    /// Push the value through producer handle `handle % handles`.
    Push {
        handle: usize,
        value: u32,
    },
    Pop,
    /// Clone producer handle `handle % handles`.
    CloneProducer {
        handle: usize,
    },
    /// Drop producer handle `handle % handles` (if more than one is left).
    DropProducer {
        handle: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (any::<usize>(), any::<u32>()).prop_map(|(handle, value)| Op::Push { handle, value }),
        5 => Just(Op::Pop),
        1 => any::<usize>().prop_map(|handle| Op::CloneProducer { handle }),
        1 => any::<usize>().prop_map(|handle| Op::DropProducer { handle }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 128,
        // Never write regression files into the grader: it must stay pristine.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn behaves_like_a_vecdeque(ops in prop::collection::vec(op(), 0..400)) {
        let (tx, mut rx) = queue::<u32>();
        let mut handles: Vec<Producer<u32>> = vec![tx];
        let mut model = VecDeque::new();
        for (step, op) in ops.iter().enumerate() {
            match *op {
                Op::Push { handle, value } => {
                    handles[handle % handles.len()].push(value);
                    model.push_back(value);
                }
                Op::Pop => {
                    let got = rx.pop();
                    let want = model.pop_front();
                    prop_assert_eq!(got, want, "step {}: pop() returned {:?}, the model says {:?}", step, got, want);
                }
                Op::CloneProducer { handle } => {
                    let clone = handles[handle % handles.len()].clone();
                    handles.push(clone);
                }
                Op::DropProducer { handle } => {
                    if handles.len() > 1 {
                        handles.swap_remove(handle % handles.len());
                    }
                }
            }
        }
        // Whatever is left comes out in order, then the queue is empty.
        while let Some(want) = model.pop_front() {
            prop_assert_eq!(rx.pop(), Some(want));
        }
        prop_assert_eq!(rx.pop(), None);
    }

    #[test]
    fn every_value_is_dropped_exactly_once(
        before in 0usize..40,
        popped in 0usize..40,
        after in 0usize..40,
        consumer_first in any::<bool>(),
    ) {
        let tracker = DropTracker::new(before + after);
        let (tx, mut rx) = queue();
        for i in 0..before {
            tx.push(tracker.track(i));
        }
        for _ in 0..popped.min(before) {
            let v = rx.pop().expect("pushed before");
            drop(v);
        }
        let second = tx.clone();
        if consumer_first {
            // Items still queued go when the consumer goes; later pushes must not leak.
            drop(rx);
            for i in 0..after {
                second.push(tracker.track(before + i));
            }
            drop(tx);
            drop(second);
        } else {
            for i in 0..after {
                second.push(tracker.track(before + i));
            }
            drop(tx);
            drop(second);
            // The producers are gone; the consumer still gets everything, then drops the rest.
            let mut left = before - popped.min(before) + after;
            while left > 0 && rx.pop().is_some() {
                left -= 1;
            }
            prop_assert_eq!(left, 0, "items were lost");
            drop(rx);
        }
        tracker.assert_all_dropped();
    }

    #[test]
    fn concurrent_producers_keep_their_order(per_producer in prop::collection::vec(0u64..300, 1..5)) {
        let (tx, mut rx) = queue::<u64>();
        let log = std::thread::scope(|s| {
            for (p, &n) in per_producer.iter().enumerate() {
                let tx = tx.clone();
                s.spawn(move || {
                    for seq in 0..n {
                        tx.push(Item::new(p, seq).to_bits());
                    }
                });
            }
            // Pop concurrently with the pushes, then drain after they finish.
            let mut log = Vec::new();
            for _ in 0..200 {
                if let Some(bits) = rx.pop() {
                    log.push(Item::from_bits(bits));
                }
            }
            log
        });
        let mut log = log;
        while let Some(bits) = rx.pop() {
            log.push(Item::from_bits(bits));
        }
        if let Err(e) = check(&per_producer, &[log], Fifo::PerProducer) {
            return Err(TestCaseError::fail(e));
        }
    }
}

/// Producer must be `Clone + Send + Sync`, Consumer `Send`, for `T: Send`.
fn assert_send<T: Send>() {}
fn assert_sync<T: Sync>() {}

/// Whether a type is `Send`, decided at compile time for a concrete type: the inherent
/// constant wins when its bound holds, the trait's default otherwise.
struct SendProbe<T>(std::marker::PhantomData<T>);
trait NotSend {
    const SEND: bool = false;
}
impl<T> NotSend for SendProbe<T> {}
impl<T: Send> SendProbe<T> {
    const SEND: bool = true;
}

#[test]
fn the_ends_are_send_and_sync_and_work_across_threads() {
    assert_send::<Producer<String>>();
    assert_sync::<Producer<String>>();
    assert_send::<Consumer<String>>();
    // Checked at run time (through `black_box`) rather than in a `const` block, so that a
    // queue that gets this wrong fails this test instead of breaking the grader's build.
    use std::hint::black_box;
    assert!(
        black_box(SendProbe::<Producer<String>>::SEND),
        "the probe itself works"
    );
    // `AtomicPtr<T>` is `Send + Sync` for every `T`; the queue must not inherit that for a
    // `T` that may not cross threads.
    assert!(
        !black_box(SendProbe::<Producer<std::rc::Rc<u8>>>::SEND),
        "Producer<Rc<u8>> must not be Send: an Rc pushed on one thread would be dropped on another"
    );
    assert!(!black_box(SendProbe::<Consumer<std::rc::Rc<u8>>>::SEND));

    let (tx, rx) = queue::<String>();
    let shared = &tx;
    let mut rx = std::thread::scope(|s| {
        // One producer shared by reference (Sync), one clone moved (Send).
        s.spawn(move || shared.push("by reference".to_string()));
        let clone = tx.clone();
        s.spawn(move || clone.push("by clone".to_string()));
        // The consumer moves to another thread and back (Send).
        s.spawn(move || rx).join().unwrap()
    });
    let mut got = vec![rx.pop().unwrap(), rx.pop().unwrap()];
    got.sort();
    assert_eq!(got, ["by clone", "by reference"]);
    assert_eq!(rx.pop(), None);
}

#[test]
fn the_consumer_can_outlive_every_producer() {
    let (tx, mut rx) = queue();
    tx.push(vec![1u8; 100]);
    tx.clone().push(vec![2u8; 100]);
    drop(tx);
    assert_eq!(rx.pop().map(|v| v[0]), Some(1));
    assert_eq!(rx.pop().map(|v| v[0]), Some(2));
    assert_eq!(rx.pop(), None);
}

// ---------------------------------------------------------------------------------------
// TaggedPtr

/// A type with 64-byte alignment: 6 tag bits.
#[repr(align(64))]
struct Wide(#[allow(dead_code)] u8);

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn tags_round_trip_and_wrap(tag in any::<usize>(), other in any::<usize>()) {
        let mut x = 7u64;
        let p: *mut u64 = &mut x;
        let t = TaggedPtr::new(p, tag);
        prop_assert_eq!(TaggedPtr::<u64>::TAG_BITS, 3);
        prop_assert_eq!(t.ptr(), p, "ptr() must give back the pointer without the tag");
        prop_assert_eq!(t.tag(), tag % 8, "the tag is taken modulo 2^TAG_BITS");
        prop_assert!(!t.is_null());
        let u = t.with_tag(other);
        prop_assert_eq!((u.ptr(), u.tag()), (p, other % 8));
        prop_assert_eq!(TaggedPtr::from_raw(u.into_raw()), u);
        prop_assert_eq!(t == u, tag % 8 == other % 8, "equality compares pointer and tag");

        let mut w = Wide(1);
        let q: *mut Wide = &mut w;
        let t = TaggedPtr::new(q, tag);
        prop_assert_eq!(TaggedPtr::<Wide>::TAG_BITS, 6);
        prop_assert_eq!((t.ptr(), t.tag()), (q, tag % 64));
    }

    #[test]
    fn null_carries_a_tag_too(tag in any::<usize>()) {
        let n = TaggedPtr::<u32>::null();
        prop_assert!(n.is_null());
        prop_assert_eq!(n.tag(), 0);
        let t = n.with_tag(tag);
        prop_assert!(t.is_null(), "a tagged null is still null");
        prop_assert_eq!(t.tag(), tag % 4);
        prop_assert!(t.ptr().is_null());
    }
}

#[test]
fn the_untagged_pointer_can_be_dereferenced() {
    // Strict provenance: `ptr()` must carry the original pointer's provenance, so reading
    // and writing through it is allowed (what `map_addr` guarantees and an integer
    // round-trip does not).
    let b = Box::into_raw(Box::new([10u64, 20, 30]));
    let t = TaggedPtr::new(b, 3);
    // SAFETY: `t.ptr()` is `b`, a live allocation we own.
    unsafe {
        (*t.ptr())[1] += 1;
        assert_eq!(*t.ptr(), [10, 21, 30]);
        drop(Box::from_raw(t.ptr()));
    }
}

#[test]
fn types_without_spare_bits_take_no_tag() {
    let mut b = [0u8; 2];
    let p = b.as_mut_ptr();
    assert_eq!(TaggedPtr::<u8>::TAG_BITS, 0);
    assert_eq!(TaggedPtr::<u8>::TAG_MASK, 0);
    // Any address is aligned for `u8`; the tag is always 0.
    let t = TaggedPtr::new(p.wrapping_add(1), 5);
    assert_eq!((t.ptr(), t.tag()), (p.wrapping_add(1), 0));
}

#[test]
fn a_misaligned_pointer_is_refused() {
    let mut words = [0u64; 2];
    let p: *mut u64 = words.as_mut_ptr();
    // A pointer one byte into a u64: its low bits are not free.
    let misaligned = p.cast::<u8>().wrapping_add(1).cast::<u64>();
    let aligned = TaggedPtr::new(p, 1);
    assert_eq!(aligned.tag(), 1);
    let refused = std::panic::catch_unwind(|| TaggedPtr::new(misaligned, 1));
    assert!(
        refused.is_err(),
        "TaggedPtr::new accepted a pointer that is not aligned for its type"
    );
}

#[test]
fn atomic_tagged_ptr_compares_pointer_and_tag() {
    let mut a = 1u64;
    let mut b = 2u64;
    let (pa, pb): (*mut u64, *mut u64) = (&mut a, &mut b);
    let cell = AtomicTaggedPtr::new(TaggedPtr::new(pa, 0));
    assert_eq!(cell.load(SeqCst), TaggedPtr::new(pa, 0));
    cell.store(TaggedPtr::new(pb, 2), SeqCst);
    assert_eq!(cell.load(SeqCst), TaggedPtr::new(pb, 2));
    // Same pointer, other tag: refused, and the value found is returned.
    assert_eq!(
        cell.compare_exchange(TaggedPtr::new(pb, 1), TaggedPtr::new(pa, 3), SeqCst, SeqCst),
        Err(TaggedPtr::new(pb, 2))
    );
    assert_eq!(
        cell.compare_exchange(TaggedPtr::new(pb, 2), TaggedPtr::new(pa, 3), SeqCst, SeqCst),
        Ok(TaggedPtr::new(pb, 2))
    );
    assert_eq!(cell.load(SeqCst), TaggedPtr::new(pa, 3));
}

/// The ABA sequence of the chapter, scripted on one thread: a popper reads head = A (and
/// A's next, B); meanwhile A is popped, B is popped, A is pushed back. The popper's CAS
/// "A -> B" must fail: the list now starts with A -> C, and B is in use.
#[test]
fn a_tagged_cas_refuses_the_aba_sequence() {
    let mut nodes = [0u64; 3];
    let [a, b, c] = nodes.each_mut().map(|n| n as *mut u64);

    // Untagged, the stale CAS succeeds: that is the bug.
    let plain = std::sync::atomic::AtomicPtr::new(a);
    let seen = plain.load(SeqCst);
    plain.store(b, SeqCst); // pop A
    plain.store(c, SeqCst); // pop B
    plain.store(a, SeqCst); // push A back
    assert!(plain.compare_exchange(seen, b, SeqCst, SeqCst).is_ok());

    // Tagged, every change bumps the tag: the stale CAS fails.
    let head = AtomicTaggedPtr::new(TaggedPtr::new(a, 0));
    let seen = head.load(SeqCst);
    for next in [b, c, a] {
        let now = head.load(SeqCst);
        head.compare_exchange(now, TaggedPtr::new(next, now.tag() + 1), SeqCst, SeqCst)
            .expect("uncontended");
    }
    assert_eq!(head.load(SeqCst).ptr(), a, "the pointer is A again");
    assert!(
        head.compare_exchange(seen, TaggedPtr::new(b, seen.tag() + 1), SeqCst, SeqCst)
            .is_err(),
        "a compare-and-swap with the stale (A, tag 0) succeeded although the tag moved on"
    );
}
