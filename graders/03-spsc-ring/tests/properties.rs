//! Property tests: random single-threaded sequences of ring operations must behave exactly
//! like a `VecDeque` bounded at the ring's capacity; refused values come back unchanged;
//! every value is dropped exactly once, whichever half is dropped first; blocking calls
//! stop waiting when the other half is gone.

use std::collections::VecDeque;

use course_testkit::drops::{DropTracker, Tracked};
use proptest::prelude::*;
use spsc_ring_grader::imp::{Wait, channel};

#[derive(Debug, Clone)]
enum Op {
    Push(u32),
    Pop,
    PushSlice(Vec<u32>),
    PopSlice(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => any::<u32>().prop_map(Op::Push),
        4 => Just(Op::Pop),
        1 => prop::collection::vec(any::<u32>(), 0..12).prop_map(Op::PushSlice),
        1 => (0usize..12).prop_map(Op::PopSlice),
    ]
}

/// What the ring must report about its contents, from either half, after every operation.
fn check_len<T>(
    p: &spsc_ring_grader::imp::Producer<T>,
    c: &spsc_ring_grader::imp::Consumer<T>,
    model_len: usize,
    cap: usize,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(p.len(), model_len, "Producer::len");
    prop_assert_eq!(c.len(), model_len, "Consumer::len");
    prop_assert_eq!(p.is_empty(), model_len == 0, "Producer::is_empty");
    prop_assert_eq!(c.is_empty(), model_len == 0, "Consumer::is_empty");
    prop_assert_eq!(p.is_full(), model_len == cap, "Producer::is_full");
    prop_assert_eq!(c.is_full(), model_len == cap, "Consumer::is_full");
    Ok(())
}

/// `channel(requested)` may round up, but holds at least `requested` and less than twice
/// as many (a power of two, or exactly what was asked).
fn check_capacity(requested: usize, cap: usize) -> Result<(), TestCaseError> {
    prop_assert!(
        cap >= requested,
        "channel({}) reports capacity {}: it must hold at least what was asked",
        requested,
        cap
    );
    prop_assert!(
        cap < 2 * requested,
        "channel({}) reports capacity {}: round up by less than a factor of two",
        requested,
        cap
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        // Never write regression files into the grader: it must stay pristine.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn behaves_like_a_bounded_vecdeque(requested in 1usize..20, ops in prop::collection::vec(op(), 0..200)) {
        let (mut p, mut c) = channel::<u32>(requested);
        let cap = p.capacity();
        check_capacity(requested, cap)?;
        prop_assert_eq!(c.capacity(), cap, "both halves must report the same capacity");
        let mut model: VecDeque<u32> = VecDeque::new();
        check_len(&p, &c, 0, cap)?;
        for op in ops {
            match op {
                Op::Push(v) => {
                    let got = p.push(v);
                    if model.len() < cap {
                        prop_assert_eq!(got, Ok(()), "push into a ring holding {} of {}", model.len(), cap);
                        model.push_back(v);
                    } else {
                        prop_assert_eq!(got, Err(v), "push into a full ring must give the same value back");
                    }
                }
                Op::Pop => {
                    prop_assert_eq!(c.pop(), model.pop_front(), "pop");
                }
                Op::PushSlice(items) => {
                    let expected = items.len().min(cap - model.len());
                    let n = p.push_slice(&items);
                    prop_assert_eq!(n, expected, "push_slice of {} items into a ring with {} free slots", items.len(), cap - model.len());
                    model.extend(&items[..expected]);
                }
                Op::PopSlice(len) => {
                    let mut out = vec![u32::MAX; len];
                    let n = c.pop_slice(&mut out);
                    let expected: Vec<u32> = model.drain(..len.min(model.len())).collect();
                    prop_assert_eq!(n, expected.len(), "pop_slice into {} places", len);
                    prop_assert_eq!(&out[..n], &expected[..], "pop_slice returned the wrong items");
                    prop_assert!(out[n..].iter().all(|&v| v == u32::MAX), "pop_slice wrote past the items it returned");
                }
            }
            check_len(&p, &c, model.len(), cap)?;
        }
        // Whatever is left comes out in order.
        while let Some(v) = model.pop_front() {
            prop_assert_eq!(c.pop(), Some(v));
        }
        prop_assert_eq!(c.pop(), None);
    }

    #[test]
    fn every_value_is_dropped_exactly_once(
        requested in 1usize..9,
        ops in prop::collection::vec(prop::bool::weighted(0.6), 0..60),
        producer_first in any::<bool>(),
    ) {
        let tracker = DropTracker::new(ops.len());
        let (mut p, mut c) = channel::<Tracked<usize>>(requested);
        let cap = p.capacity();
        let mut model: VecDeque<usize> = VecDeque::new();
        for (i, push) in ops.iter().enumerate() {
            if *push {
                let value = tracker.track(i);
                match p.push(value) {
                    Ok(()) => model.push_back(i),
                    Err(back) => {
                        prop_assert_eq!(model.len(), cap, "push refused while the ring was not full");
                        prop_assert_eq!(*back.get(), i, "a refused push must give back the value it was given");
                        drop(back);
                    }
                }
            } else {
                let got = c.pop().map(|v| *v.get());
                prop_assert_eq!(got, model.pop_front(), "pop");
            }
        }
        // The values still in the ring are dropped when the second half goes, not before.
        tracker.assert_alive(model.len());
        if producer_first {
            drop(p);
            tracker.assert_alive(model.len());
            drop(c);
        } else {
            drop(c);
            tracker.assert_alive(model.len());
            drop(p);
        }
        tracker.assert_all_dropped();
    }
}

#[test]
fn zero_sized_items_count_like_any_other() {
    let (mut p, mut c) = channel::<()>(3);
    let cap = p.capacity();
    assert!(cap >= 3);
    for _ in 0..cap {
        p.push(()).unwrap();
    }
    assert_eq!(
        p.push(()),
        Err(()),
        "a ring of {cap} units is full after {cap} pushes"
    );
    assert_eq!(c.len(), cap);
    for _ in 0..cap {
        assert_eq!(c.pop(), Some(()));
    }
    assert_eq!(c.pop(), None);
}

#[test]
fn large_items_survive_the_trip() {
    let (mut p, mut c) = channel::<[u64; 32]>(2);
    for round in 0..10u64 {
        let item = std::array::from_fn(|i| round * 100 + i as u64);
        p.push(item).unwrap();
        assert_eq!(c.pop(), Some(item));
    }
}

#[test]
fn a_zero_capacity_is_refused() {
    let refused = std::panic::catch_unwind(|| channel::<u8>(0)).is_err();
    assert!(
        refused,
        "channel(0) must panic: a ring that can hold nothing is a bug"
    );
    // And capacity 1 is a working ring.
    let (mut p, mut c) = channel::<u8>(1);
    assert_eq!(p.capacity(), 1);
    p.push(7).unwrap();
    assert_eq!(p.push(8), Err(8));
    assert_eq!(c.pop(), Some(7));
}

#[test]
fn pop_blocking_drains_then_stops_when_the_producer_is_gone() {
    let (mut p, mut c) = channel::<u32>(4);
    assert!(!c.is_abandoned());
    p.push(1).unwrap();
    p.push(2).unwrap();
    drop(p);
    assert!(c.is_abandoned(), "the producer was dropped");
    assert_eq!(c.pop_blocking(Wait::Spin), Some(1));
    assert_eq!(c.pop_blocking(Wait::Yield), Some(2));
    assert_eq!(
        c.pop_blocking(Wait::SpinThenYield { spins: 3 }),
        None,
        "nothing more can come: pop_blocking must return None, not wait forever"
    );
}

#[test]
fn push_blocking_gives_up_when_the_consumer_is_gone() {
    let (mut p, c) = channel::<String>(1);
    assert!(!p.is_abandoned());
    p.push_blocking("first".to_string(), Wait::Spin).unwrap();
    drop(c);
    assert!(p.is_abandoned(), "the consumer was dropped");
    assert_eq!(
        p.push_blocking("second".to_string(), Wait::default()),
        Err("second".to_string()),
        "the ring is full and nobody will pop: push_blocking must give the value back"
    );
}

#[test]
fn halves_can_be_sent_to_other_threads() {
    fn assert_send<T: Send>(_: &T) {}
    let (mut p, mut c) = channel::<Box<u32>>(2);
    assert_send(&p);
    assert_send(&c);
    let t = std::thread::spawn(move || {
        p.push(Box::new(5)).unwrap();
        p
    });
    let p = t.join().unwrap();
    let t = std::thread::spawn(move || c.pop());
    assert_eq!(t.join().unwrap(), Some(Box::new(5)));
    assert!(p.is_empty());
}
