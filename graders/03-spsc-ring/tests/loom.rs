//! Loom models (capacity 2–4, two threads, a few items): in every interleaving loom
//! explores (up to the preemption bound), items arrive in order and exactly once, no slot
//! is read while it is being written or written while it is being read (loom checks every
//! `UnsafeCell` access against happens-before), items left in the ring are dropped exactly
//! once, and `pop_blocking` does not miss the last item of a producer that is dropped.
//!
//! Compiled only under `--cfg loom` (`cargo xtask check` builds it that way).
#![cfg(loom)]

use course_sync::{model, thread};
use course_testkit::drops::DropTracker;
use spsc_ring_grader::imp::{Consumer, Producer, Wait, channel};

/// Pushes `v`, yielding to the model while the ring is full.
fn push(p: &mut Producer<u32>, mut v: u32) {
    while let Err(back) = p.push(v) {
        v = back;
        thread::yield_now();
    }
}

/// Pops one item, yielding to the model while the ring is empty.
fn pop(c: &mut Consumer<u32>) -> u32 {
    loop {
        if let Some(v) = c.pop() {
            return v;
        }
        thread::yield_now();
    }
}

#[test]
fn items_arrive_in_order_across_the_wrap_around() {
    model(|| {
        // Capacity 2 and three items: the third goes into the first slot again, after the
        // consumer has handed it back.
        let (mut p, mut c) = channel::<u32>(2);
        let items = p.capacity() as u32 + 1;
        let producer = thread::spawn(move || {
            for i in 0..items {
                push(&mut p, 10 + i);
            }
        });
        for i in 0..items {
            assert_eq!(
                pop(&mut c),
                10 + i,
                "items must come out in the order pushed"
            );
        }
        assert_eq!(c.pop(), None);
        producer.join().unwrap();
    });
}

#[test]
fn len_never_leaves_its_bounds() {
    model(|| {
        let (mut p, mut c) = channel::<u32>(2);
        let cap = p.capacity();
        let producer = thread::spawn(move || {
            push(&mut p, 1);
            let seen = p.len();
            assert!(seen <= cap, "Producer::len() = {seen} with capacity {cap}");
            push(&mut p, 2);
        });
        let seen = c.len();
        assert!(
            seen <= 2,
            "Consumer::len() = {seen}, but at most 2 items were pushed"
        );
        assert_eq!(pop(&mut c), 1);
        assert_eq!(pop(&mut c), 2);
        producer.join().unwrap();
    });
}

#[test]
fn batches_arrive_in_order_across_the_wrap_around() {
    model(|| {
        let (mut p, mut c) = channel::<u32>(4);
        let cap = p.capacity();
        // Two batches of 3 through 4 slots: the second wraps around.
        let producer = thread::spawn(move || {
            for batch in [[1, 2, 3], [4, 5, 6]] {
                let mut sent = 0;
                while sent < batch.len() {
                    let n = p.push_slice(&batch[sent..]);
                    assert!(n <= cap);
                    sent += n;
                    if n == 0 {
                        thread::yield_now();
                    }
                }
            }
        });
        let mut got = Vec::new();
        let mut buf = [0u32; 4];
        while got.len() < 6 {
            let n = c.pop_slice(&mut buf);
            got.extend_from_slice(&buf[..n]);
            if n == 0 {
                thread::yield_now();
            }
        }
        assert_eq!(got, [1, 2, 3, 4, 5, 6]);
        producer.join().unwrap();
    });
}

#[test]
fn items_left_in_the_ring_are_dropped_exactly_once() {
    model(|| {
        // A fresh tracker per execution: each interleaving is checked on its own.
        let tracker = DropTracker::new(2);
        let (mut p, mut c) = channel(2);
        let values = [tracker.track(1u32), tracker.track(2u32)];
        let producer = thread::spawn(move || {
            for v in values {
                // Capacity 2: both fit, whatever the consumer does.
                assert!(
                    p.push(v).is_ok(),
                    "a ring of capacity 2 refused its second item"
                );
            }
            // `p` is dropped here, racing with the consumer's drop.
        });
        // The consumer takes at most one item and leaves.
        if let Some(v) = c.pop() {
            assert_eq!(*v.get(), 1);
        }
        drop(c);
        producer.join().unwrap();
        tracker.assert_all_dropped();
    });
}

#[test]
fn pop_blocking_does_not_miss_the_last_item() {
    model(|| {
        let (mut p, mut c) = channel::<u32>(2);
        let producer = thread::spawn(move || {
            push(&mut p, 7);
            // Dropped right after the push: a consumer that sees the drop must still see 7.
        });
        assert_eq!(
            c.pop_blocking(Wait::Spin),
            Some(7),
            "the item pushed before the producer was dropped was lost"
        );
        assert_eq!(c.pop_blocking(Wait::Spin), None);
        producer.join().unwrap();
    });
}

#[test]
fn push_blocking_waits_for_room() {
    model(|| {
        let (mut p, mut c) = channel::<u32>(1);
        let cap = p.capacity() as u32;
        let producer = thread::spawn(move || {
            for i in 0..=cap {
                p.push_blocking(i, Wait::Yield)
                    .expect("the consumer is alive: push_blocking must wait, not fail");
            }
        });
        for i in 0..=cap {
            assert_eq!(c.pop_blocking(Wait::Yield), Some(i));
        }
        producer.join().unwrap();
        assert_eq!(c.pop_blocking(Wait::Yield), None);
    });
}
