//! Stress tests: millions of sequence numbers between two pinned threads, in order and
//! exactly once; batches of random sizes; blocking calls with each waiting strategy; drop
//! counting when a half leaves early. Every run has a deadline.
//!
//! The item counts scale with `COURSE_STRESS_SCALE` (`course_testkit::stress::scaled`). A
//! release build (`cargo xtask check 03-spsc-ring --release`) sends 10 million items
//! through each capacity; a debug build sends a fifth of that, which takes about as long.

use std::time::Duration;

use course_sync::Backoff;
use course_testkit::drops::DropTracker;
use course_testkit::stress::{Stress, scaled};
use spsc_ring_grader::imp::{Wait, channel};

/// Sequence numbers per run: 10 M optimised, 2 M unoptimised.
fn items() -> u64 {
    scaled(if cfg!(debug_assertions) {
        2_000_000
    } else {
        10_000_000
    })
}

/// The producer pushes `0..n` with `push`, backing off while full; the consumer pops and
/// checks that it receives exactly `0, 1, 2, ...`. Producer and consumer are pinned to
/// different cores when there are two.
///
/// Both back off by spinning briefly and then yielding (`course_sync::Backoff::snooze`),
/// so that a run on a busy machine, where the other thread is often descheduled, does not
/// burn its time slices spinning for it.
fn sequence_numbers(capacity: usize) {
    let n = items();
    let (mut tx, mut rx) = channel::<u64>(capacity);
    Stress::new(format!("{n} sequence numbers through capacity {capacity}"))
        .deadline(Duration::from_secs(200))
        .stall_after(Duration::from_secs(30))
        .pinned()
        .thread("producer", move |progress| {
            let backoff = Backoff::new();
            for i in 0..n {
                let mut v = i;
                while let Err(back) = tx.push(v) {
                    assert_eq!(back, v, "a refused push must give back the same value");
                    v = back;
                    backoff.snooze();
                }
                backoff.reset();
                if i % 1024 == 0 {
                    progress.add(1024);
                }
            }
        })
        .thread("consumer", move |progress| {
            let backoff = Backoff::new();
            for expected in 0..n {
                let got = loop {
                    match rx.pop() {
                        Some(v) => break v,
                        None => backoff.snooze(),
                    }
                };
                backoff.reset();
                assert_eq!(
                    got, expected,
                    "item {expected} came out as {got}: lost, duplicated or reordered"
                );
                if expected % 1024 == 0 {
                    progress.add(1024);
                }
            }
            assert_eq!(rx.pop(), None, "more items came out than went in");
        })
        .run();
}

#[test]
fn sequence_numbers_through_capacity_1() {
    sequence_numbers(1);
}

#[test]
fn sequence_numbers_through_capacity_2() {
    sequence_numbers(2);
}

#[test]
fn sequence_numbers_through_capacity_1024() {
    sequence_numbers(1024);
}

/// Tiny deterministic generator for batch sizes (xorshift64*).
fn sizes(seed: u64) -> impl FnMut() -> usize {
    let mut s = seed;
    move || {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        (s.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 58) as usize // 0..64
    }
}

#[test]
fn batches_of_random_sizes_arrive_in_order() {
    let n = items() / 2;
    let (mut tx, mut rx) = channel::<u64>(100);
    Stress::new(format!("{n} items in random batches through capacity 100"))
        .deadline(Duration::from_secs(200))
        .stall_after(Duration::from_secs(30))
        .pinned()
        .thread("producer", move |progress| {
            let backoff = Backoff::new();
            let mut next_size = sizes(0x9E37_79B9_7F4A_7C15);
            let mut buf = [0u64; 64];
            let mut next = 0u64;
            while next < n {
                let len = next_size().min((n - next) as usize);
                for (k, slot) in buf[..len].iter_mut().enumerate() {
                    *slot = next + k as u64;
                }
                let mut sent = 0;
                while sent < len {
                    let k = tx.push_slice(&buf[sent..len]);
                    assert!(k <= len - sent, "push_slice claims more than it was given");
                    if k == 0 {
                        backoff.snooze();
                    } else {
                        backoff.reset();
                    }
                    sent += k;
                }
                next += len as u64;
                progress.add(len as u64);
            }
        })
        .thread("consumer", move |progress| {
            let backoff = Backoff::new();
            let mut next_size = sizes(0xD1B5_4A32_D192_ED03);
            let mut buf = [u64::MAX; 64];
            let mut expected = 0u64;
            while expected < n {
                let want = next_size();
                let k = rx.pop_slice(&mut buf[..want]);
                assert!(k <= want, "pop_slice claims more than fits");
                for &v in &buf[..k] {
                    assert_eq!(
                        v, expected,
                        "batched items out of order, lost or duplicated"
                    );
                    expected += 1;
                }
                if k == 0 {
                    backoff.snooze();
                } else {
                    backoff.reset();
                }
                progress.add(k as u64);
            }
            assert_eq!(rx.pop(), None, "more items came out than went in");
        })
        .run();
}

fn blocking(wait: Wait, capacity: usize) {
    let n = items() / 10;
    let (mut tx, mut rx) = channel::<u64>(capacity);
    let received = Stress::new(format!(
        "{n} items with push_blocking/pop_blocking({wait:?}), capacity {capacity}"
    ))
    .deadline(Duration::from_secs(200))
    .pinned()
    .thread("producer", move |progress| {
        for i in 0..n {
            tx.push_blocking(i, wait)
                .expect("the consumer is alive: push_blocking must not fail");
            progress.tick();
        }
        // Dropping the producer ends the consumer's loop.
        0
    })
    .thread("consumer", move |progress| {
        let mut expected = 0u64;
        while let Some(v) = rx.pop_blocking(wait) {
            assert_eq!(v, expected, "blocking pops out of order");
            expected += 1;
            progress.tick();
        }
        expected
    })
    .run();
    assert_eq!(
        received[1], n,
        "pop_blocking returned None before every item had arrived"
    );
}

#[test]
fn blocking_calls_spinning_then_yielding() {
    blocking(Wait::default(), 8);
}

#[test]
fn blocking_calls_yielding() {
    blocking(Wait::Yield, 8);
}

#[test]
fn blocking_calls_spinning_then_yielding_oversubscribed() {
    // Four threads on (typically) two cores: two rings, each with its own pair, so that a
    // waiting thread often shares its core with the thread it waits for.
    let n = items() / 20;
    let mut stress = Stress::new(format!("two rings, four threads, {n} items each"))
        .deadline(Duration::from_secs(200))
        .pinned();
    for ring in 0..2 {
        let (mut tx, mut rx) = channel::<u64>(4);
        let wait = Wait::SpinThenYield { spins: 50 };
        stress = stress
            .thread(format!("producer-{ring}"), move |_| {
                for i in 0..n {
                    tx.push_blocking(i, wait).unwrap();
                }
            })
            .thread(format!("consumer-{ring}"), move |_| {
                let mut expected = 0;
                while let Some(v) = rx.pop_blocking(wait) {
                    assert_eq!(v, expected);
                    expected += 1;
                }
                assert_eq!(expected, n);
            });
    }
    stress.run();
}

#[test]
fn drops_are_exact_when_the_consumer_leaves_early() {
    // The consumer pops half of the items and drops its half; the producer keeps pushing
    // until the ring is full and abandoned. Every value must then be dropped exactly once:
    // the popped ones by the consumer, the refused ones by the producer, the rest with the
    // ring.
    let n = (items() / 20) as usize;
    let tracker = DropTracker::new(n);
    let (mut tx, mut rx) = channel(16);
    let values: Vec<_> = (0..n).map(|i| tracker.track(i)).collect();
    let results = Stress::new(format!("{n} tracked values, consumer leaves at {}", n / 2))
        .deadline(Duration::from_secs(60))
        .pinned()
        .thread("producer", move |_| {
            let mut pushed = 0usize;
            for v in values {
                match tx.push_blocking(v, Wait::default()) {
                    Ok(()) => pushed += 1,
                    Err(back) => {
                        assert!(tx.is_abandoned());
                        drop(back);
                    }
                }
            }
            pushed
        })
        .thread("consumer", move |_| {
            for expected in 0..n / 2 {
                let v = rx
                    .pop_blocking(Wait::default())
                    .expect("the producer is alive");
                assert_eq!(*v.get(), expected, "tracked values out of order");
            }
            n / 2
        })
        .run();
    let (pushed, popped) = (results[0], results[1]);
    assert!(pushed >= popped);
    tracker.assert_all_dropped();
}
