//! Bench, cross-core throughput: 1 producer → 1 consumer, and 2 producers → 1 consumer,
//! for the queue under test, the reference solution and the peers.
//!
//! Cross-core figures on a shared 2-core machine drift from second to second and from
//! process to process, so this is not criterion: `course_testkit::rounds::Experiment` runs
//! the cases interleaved, round after round, in several processes, and reports medians,
//! spread and per-round ratios to crossbeam's `SegQueue`.
//!
//! Every case moves the same number of `u64`s; the consumer spins on an empty queue with
//! the same backoff for every case (the channels use `try_recv`, so none of them parks: the
//! comparison is between the queues, not between blocking strategies). Unit: million items
//! per second from the first thread's start to the last one's end; higher is better.
//!
//! Run with `cargo xtask bench 04-mpsc-queue --solution` (both benches) or
//! `cargo bench -p mpsc-queue-grader --no-default-features --features bench,solution,reference --bench mpsc_threads`.
//! `COURSE_ROUNDS` and `COURSE_PROCESSES` override the counts.

use std::hint::black_box;
use std::sync::{Arc, Mutex};

use course_sync::Backoff;
use course_testkit::rounds::{Better, Experiment};
use course_testkit::team::run_team;
use crossbeam_queue::SegQueue;
use mpsc_queue_grader::{UNDER_TEST, imp};

/// One queue kind, seen as "producer handles" and "consumer handle".
trait Mpsc {
    type Tx: Send;
    type Rx: Send;
    fn make(producers: usize) -> (Vec<Self::Tx>, Self::Rx);
    fn push(tx: &Self::Tx, value: u64);
    fn pop(rx: &mut Self::Rx) -> Option<u64>;
}

struct Ours;
impl Mpsc for Ours {
    type Tx = imp::Producer<u64>;
    type Rx = imp::Consumer<u64>;
    fn make(producers: usize) -> (Vec<Self::Tx>, Self::Rx) {
        let (tx, rx) = imp::queue();
        (vec![tx; producers], rx)
    }
    fn push(tx: &Self::Tx, value: u64) {
        tx.push(value);
    }
    fn pop(rx: &mut Self::Rx) -> Option<u64> {
        rx.pop()
    }
}

#[cfg(feature = "reference")]
struct Reference;
#[cfg(feature = "reference")]
impl Mpsc for Reference {
    type Tx = mpsc_queue_grader::reference::Producer<u64>;
    type Rx = mpsc_queue_grader::reference::Consumer<u64>;
    fn make(producers: usize) -> (Vec<Self::Tx>, Self::Rx) {
        let (tx, rx) = mpsc_queue_grader::reference::queue();
        (vec![tx; producers], rx)
    }
    fn push(tx: &Self::Tx, value: u64) {
        tx.push(value);
    }
    fn pop(rx: &mut Self::Rx) -> Option<u64> {
        rx.pop()
    }
}

struct Seg;
impl Mpsc for Seg {
    type Tx = Arc<SegQueue<u64>>;
    type Rx = Arc<SegQueue<u64>>;
    fn make(producers: usize) -> (Vec<Self::Tx>, Self::Rx) {
        let q = Arc::new(SegQueue::new());
        (vec![q.clone(); producers], q)
    }
    fn push(tx: &Self::Tx, value: u64) {
        tx.push(value);
    }
    fn pop(rx: &mut Self::Rx) -> Option<u64> {
        rx.pop()
    }
}

struct StdMpsc;
impl Mpsc for StdMpsc {
    type Tx = std::sync::mpsc::Sender<u64>;
    type Rx = std::sync::mpsc::Receiver<u64>;
    fn make(producers: usize) -> (Vec<Self::Tx>, Self::Rx) {
        let (tx, rx) = std::sync::mpsc::channel();
        (vec![tx; producers], rx)
    }
    fn push(tx: &Self::Tx, value: u64) {
        tx.send(value).unwrap();
    }
    fn pop(rx: &mut Self::Rx) -> Option<u64> {
        rx.try_recv().ok()
    }
}

struct CbChannel;
impl Mpsc for CbChannel {
    type Tx = crossbeam_channel::Sender<u64>;
    type Rx = crossbeam_channel::Receiver<u64>;
    fn make(producers: usize) -> (Vec<Self::Tx>, Self::Rx) {
        let (tx, rx) = crossbeam_channel::unbounded();
        (vec![tx; producers], rx)
    }
    fn push(tx: &Self::Tx, value: u64) {
        tx.send(value).unwrap();
    }
    fn pop(rx: &mut Self::Rx) -> Option<u64> {
        rx.try_recv().ok()
    }
}

/// Moves `producers × per_producer` items through a fresh queue; thread 0 consumes, threads
/// 1..=producers produce. Returns million items per second.
fn throughput<Q: Mpsc>(producers: usize, per_producer: u64, pinned: bool) -> f64 {
    let (txs, rx) = Q::make(producers);
    // The handles move to their threads through these slots (the queues' ends need not be
    // `Sync`); taking them is outside the timed work.
    let txs: Vec<Mutex<Option<Q::Tx>>> = txs.into_iter().map(|t| Mutex::new(Some(t))).collect();
    let rx = Mutex::new(Some(rx));
    let total = producers as u64 * per_producer;
    let span = run_team(producers + 1, pinned, |i| {
        if i == 0 {
            let mut rx = rx.lock().unwrap().take().expect("one consumer");
            let backoff = Backoff::new();
            let (mut got, mut sum) = (0u64, 0u64);
            while got < total {
                match Q::pop(&mut rx) {
                    Some(v) => {
                        sum = sum.wrapping_add(v);
                        got += 1;
                        backoff.reset();
                    }
                    None => backoff.snooze(),
                }
            }
            black_box(sum);
        } else {
            let tx = txs[i - 1]
                .lock()
                .unwrap()
                .take()
                .expect("one producer each");
            for v in 0..per_producer {
                Q::push(&tx, v);
            }
        }
    });
    total as f64 / span.as_secs_f64() / 1e6
}

fn experiment(name: &str, producers: usize, per_producer: u64, pinned: bool) {
    let exp = Experiment::new(name, "M items/s", Better::Higher)
        .rounds(15)
        .processes(3)
        .case("crossbeam SegQueue", move || {
            throughput::<Seg>(producers, per_producer, pinned)
        })
        .case("std::sync::mpsc channel", move || {
            throughput::<StdMpsc>(producers, per_producer, pinned)
        })
        .case("crossbeam-channel unbounded", move || {
            throughput::<CbChannel>(producers, per_producer, pinned)
        })
        .case(format!("{UNDER_TEST}: queue"), move || {
            throughput::<Ours>(producers, per_producer, pinned)
        });
    #[cfg(feature = "reference")]
    let exp = exp.case("reference: queue", move || {
        throughput::<Reference>(producers, per_producer, pinned)
    });
    exp.baseline("crossbeam SegQueue").run();
}

fn main() {
    // Two threads, one per core, pinned.
    experiment(
        "1 producer → 1 consumer (pinned, 1 per core)",
        1,
        1_000_000,
        true,
    );
    // Three threads on two cores: oversubscribed, so unpinned and left to the scheduler.
    experiment(
        "2 producers → 1 consumer (3 threads on 2 cores)",
        2,
        500_000,
        false,
    );
}
