//! Stress tests: many producers, one consumer, within a deadline.
//!
//! - Conservation with per-producer FIFO: every item pushed comes out exactly once, and
//!   each producer's items in the order it pushed them. The consumer pops concurrently, so
//!   it keeps catching up with `tail`: the lagging-tail window in which an early free would
//!   be a use-after-free is hit over and over.
//! - Drop counting: values carry a drop tracker; the consumer stops half-way and is dropped
//!   while producers keep pushing; at the end every value was dropped exactly once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use course_testkit::conservation::{Fifo, Item, check};
use course_testkit::drops::DropTracker;
use course_testkit::stress::{Stress, scaled};
use mpsc_queue_grader::imp::queue;

fn conservation(name: &str, producers: usize, per_producer: u64) {
    let (tx, rx) = queue::<u64>();
    // The consumer runs on a stress thread; the Mutex only moves it there.
    let rx = Arc::new(Mutex::new(Some(rx)));
    let total = producers as u64 * per_producer;
    let logs = Stress::new(name)
        .deadline(Duration::from_secs(60))
        .stall_after(Duration::from_secs(20))
        .threads(producers, "producer", move |p, progress| {
            for seq in 0..per_producer {
                tx.push(Item::new(p, seq).to_bits());
                progress.tick();
            }
            Vec::new()
        })
        .thread("consumer", move |progress| {
            let mut rx = rx.lock().unwrap().take().expect("one consumer");
            let mut log = Vec::with_capacity(total as usize);
            while (log.len() as u64) < total {
                match rx.pop() {
                    Some(bits) => {
                        log.push(Item::from_bits(bits));
                        progress.tick();
                    }
                    None => std::hint::spin_loop(),
                }
            }
            assert_eq!(rx.pop(), None, "more items came out than were pushed");
            log
        })
        .run();
    let log = logs.into_iter().last().expect("the consumer's log");
    let pushed = vec![per_producer; producers];
    if let Err(e) = check(&pushed, &[log], Fifo::PerProducer) {
        panic!("{name}: {e}");
    }
}

#[test]
fn two_producers_one_consumer() {
    conservation("2 producers, 1 consumer", 2, scaled(300_000));
}

#[test]
fn six_producers_one_consumer_oversubscribed() {
    // 7 threads on a 2-core machine: producers are preempted between loading `tail` and
    // using it, which is exactly when a node they hold may be retired.
    conservation("6 producers, 1 consumer", 6, scaled(100_000));
}

#[test]
fn values_are_dropped_exactly_once_when_the_consumer_leaves_early() {
    const PRODUCERS: usize = 4;
    let per_producer = scaled(50_000) as usize;
    let tracker = DropTracker::new(PRODUCERS * per_producer);
    let (tx, rx) = queue();
    let rx = Arc::new(Mutex::new(Some(rx)));
    let consumer_gone = Arc::new(AtomicBool::new(false));
    {
        let tracker = tracker.clone();
        let gone = consumer_gone.clone();
        Stress::new("consumer dropped mid-stream")
            .deadline(Duration::from_secs(60))
            .threads(PRODUCERS, "producer", move |_, progress| {
                for _ in 0..per_producer {
                    tx.push(tracker.track(0u64));
                    progress.tick();
                }
            })
            .thread("consumer", move |progress| {
                let mut rx = rx.lock().unwrap().take().expect("one consumer");
                let mut popped = 0;
                while popped < PRODUCERS * per_producer / 3 {
                    if let Some(v) = rx.pop() {
                        // Read it: a value dropped (or freed) too early fails here.
                        assert_eq!(*v.get(), 0);
                        popped += 1;
                        progress.tick();
                    }
                }
                // Leave while the producers are still pushing.
                drop(rx);
                gone.store(true, Ordering::Relaxed);
            })
            .run();
    }
    assert!(consumer_gone.load(Ordering::Relaxed));
    // Every handle is gone now (the stress closures owned them).
    tracker.assert_all_dropped();
}
