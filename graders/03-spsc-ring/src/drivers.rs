//! The measurement drivers the benches and diagnostics share (feature `bench`).
//!
//! Every queue under comparison is driven by the *same* loops: a producer that pushes
//! sequence numbers and spins (one `spin_loop` per refused push), a consumer that pops and
//! checks them. Only the queue differs, through the small [`Tx`]/[`Rx`] traits (statically
//! dispatched, so they cost nothing). Blocking channels implement them with their blocking
//! calls, which then never "fail".
//!
//! Timing follows the course's rules for cross-core figures: the two threads are pinned to
//! different cores (unless `COURSE_BENCH_NO_PIN` is set), start together from a spin
//! barrier and take their own timestamps ([`course_testkit::team::run_team`]).

use std::hint::{black_box, spin_loop};
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use course_testkit::team::run_team;
use crossbeam_queue::ArrayQueue;

/// The sending side of a queue of `u64`s.
pub trait Tx: Send {
    /// Tries to push; gives the value back if the queue is full.
    fn push(&mut self, v: u64) -> Result<(), u64>;
    /// Items in the queue as the producer sees them, for occupancy sampling (`None` if
    /// the queue cannot tell).
    fn occupancy(&self) -> Option<usize> {
        None
    }
}

/// The receiving side of a queue of `u64`s.
pub trait Rx: Send {
    /// Tries to pop.
    fn pop(&mut self) -> Option<u64>;
}

/// Batch operations, for the queues that have them.
pub trait BatchTx: Send {
    /// Pushes a prefix of `items`; returns its length.
    fn push_slice(&mut self, items: &[u64]) -> usize;
}

/// Batch operations, for the queues that have them.
pub trait BatchRx: Send {
    /// Pops into a prefix of `out`; returns its length.
    fn pop_slice(&mut self, out: &mut [u64]) -> usize;
}

/// Implements the traits for a ring crate with this exercise's API.
macro_rules! course_ring {
    ($krate:path) => {
        const _: () = {
            use $krate as ring;
            impl Tx for ring::Producer<u64> {
                #[inline(always)]
                fn push(&mut self, v: u64) -> Result<(), u64> {
                    ring::Producer::push(self, v)
                }
                fn occupancy(&self) -> Option<usize> {
                    Some(self.len())
                }
            }
            impl Rx for ring::Consumer<u64> {
                #[inline(always)]
                fn pop(&mut self) -> Option<u64> {
                    ring::Consumer::pop(self)
                }
            }
            impl BatchTx for ring::Producer<u64> {
                #[inline(always)]
                fn push_slice(&mut self, items: &[u64]) -> usize {
                    ring::Producer::push_slice(self, items)
                }
            }
            impl BatchRx for ring::Consumer<u64> {
                #[inline(always)]
                fn pop_slice(&mut self, out: &mut [u64]) -> usize {
                    ring::Consumer::pop_slice(self, out)
                }
            }
        };
    };
}

course_ring!(crate::imp);
#[cfg(all(feature = "reference", not(feature = "solution")))]
course_ring!(crate::reference);

impl Tx for rtrb::Producer<u64> {
    #[inline(always)]
    fn push(&mut self, v: u64) -> Result<(), u64> {
        rtrb::Producer::push(self, v).map_err(|rtrb::PushError::Full(v)| v)
    }
    fn occupancy(&self) -> Option<usize> {
        Some(self.buffer().capacity() - self.slots())
    }
}

impl Rx for rtrb::Consumer<u64> {
    #[inline(always)]
    fn pop(&mut self) -> Option<u64> {
        rtrb::Consumer::pop(self).ok()
    }
}

impl BatchTx for rtrb::Producer<u64> {
    #[inline(always)]
    fn push_slice(&mut self, items: &[u64]) -> usize {
        self.push_partial_slice(items).0.len()
    }
}

impl BatchRx for rtrb::Consumer<u64> {
    #[inline(always)]
    fn pop_slice(&mut self, out: &mut [u64]) -> usize {
        self.pop_partial_slice(out).0.len()
    }
}

/// crossbeam's bounded MPMC queue, used by one producer and one consumer.
#[derive(Debug, Clone)]
pub struct ArrayQueueHalf(pub Arc<ArrayQueue<u64>>);

/// Both halves of a crossbeam `ArrayQueue` of capacity `cap`.
pub fn array_queue(cap: usize) -> (ArrayQueueHalf, ArrayQueueHalf) {
    let q = ArrayQueueHalf(Arc::new(ArrayQueue::new(cap)));
    (q.clone(), q)
}

impl Tx for ArrayQueueHalf {
    #[inline(always)]
    fn push(&mut self, v: u64) -> Result<(), u64> {
        self.0.push(v)
    }
    fn occupancy(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

impl Rx for ArrayQueueHalf {
    #[inline(always)]
    fn pop(&mut self) -> Option<u64> {
        self.0.pop()
    }
}

/// std's bounded channel: `push` blocks while full, so it never gives the value back.
impl Tx for SyncSender<u64> {
    #[inline(always)]
    fn push(&mut self, v: u64) -> Result<(), u64> {
        self.send(v).map_err(|e| e.0)
    }
}

/// std's bounded channel: `pop` blocks while empty.
impl Rx for Receiver<u64> {
    #[inline(always)]
    fn pop(&mut self) -> Option<u64> {
        self.recv().ok()
    }
}

/// Whether the drivers pin their threads (`COURSE_BENCH_NO_PIN` unset).
pub fn pinned() -> bool {
    std::env::var_os("COURSE_BENCH_NO_PIN").is_none()
}

/// Pushes `v`, spinning while the queue is full.
#[inline(always)]
pub fn push_spin(tx: &mut impl Tx, mut v: u64) {
    while let Err(back) = tx.push(v) {
        v = back;
        spin_loop();
    }
}

/// Pops, spinning while the queue is empty.
#[inline(always)]
pub fn pop_spin(rx: &mut impl Rx) -> u64 {
    loop {
        if let Some(v) = rx.pop() {
            return v;
        }
        spin_loop();
    }
}

#[track_caller]
fn check_seq(got: u64, expected: u64) {
    assert_eq!(got, expected, "the queue delivered out of order");
}

/// Runs `produce` on thread 0 and `consume` on thread 1 (pinned to different cores when
/// there are two) and returns the span from the first start to the last end, and what the
/// threads returned.
pub fn pair<P: Send, C: Send, A: Send, B: Send>(
    (p, c): (P, C),
    produce: impl Fn(P) -> A + Sync,
    consume: impl Fn(C) -> B + Sync,
) -> (Duration, A, B) {
    let halves = (Mutex::new(Some(p)), Mutex::new(Some(c)));
    let results = (Mutex::new(None), Mutex::new(None));
    let d = run_team(2, pinned(), |i| {
        if i == 0 {
            let p = halves.0.lock().unwrap().take().expect("one producer");
            let a = produce(p);
            *results.0.lock().unwrap() = Some(a);
        } else {
            let c = halves.1.lock().unwrap().take().expect("one consumer");
            let b = consume(c);
            *results.1.lock().unwrap() = Some(b);
        }
    });
    let a = results.0.into_inner().unwrap().expect("the producer ran");
    let b = results.1.into_inner().unwrap().expect("the consumer ran");
    (d, a, b)
}

/// Millions of items per second.
pub fn mops(items: u64, d: Duration) -> f64 {
    items as f64 / d.as_secs_f64() / 1e6
}

/// What one throughput run measured.
#[derive(Debug, Clone, Copy)]
pub struct Throughput {
    /// Millions of items per second.
    pub mops: f64,
    /// The median of the producer's occupancy samples (items in the queue, one sample
    /// every 1024 pushes), as a fraction of the capacity; NaN if the queue cannot tell.
    pub fill: f64,
}

/// Sends `0..items` one at a time from a pinned producer to a pinned consumer, both
/// spinning on failure, and checks the order.
pub fn throughput(halves: (impl Tx, impl Rx), items: u64, capacity: usize) -> Throughput {
    throughput_with_work(halves, items, capacity, 0)
}

/// Like [`throughput`], with `work` extra steps of a dependent computation in the
/// consumer after each item (a few tenths of a nanosecond each): a slower consumer, to
/// show how the pair's steady state depends on which side is faster.
pub fn throughput_with_work(
    halves: (impl Tx, impl Rx),
    items: u64,
    capacity: usize,
    work: u32,
) -> Throughput {
    let (d, mut fills, ()) = pair(
        halves,
        |mut tx| {
            let mut fills = Vec::with_capacity((items / 1024) as usize + 1);
            for i in 0..items {
                push_spin(&mut tx, i);
                if i % 1024 == 1023
                    && let Some(f) = tx.occupancy()
                {
                    fills.push(f);
                }
            }
            fills
        },
        |mut rx| {
            for i in 0..items {
                let v = pop_spin(&mut rx);
                check_seq(v, i);
                let mut x = v;
                for _ in 0..work {
                    x = black_box(x.wrapping_mul(3));
                }
            }
        },
    );
    fills.sort_unstable();
    let fill = fills
        .get(fills.len() / 2)
        .map_or(f64::NAN, |&f| f as f64 / capacity as f64);
    Throughput {
        mops: mops(items, d),
        fill,
    }
}

/// Like [`throughput`], in batches of up to `batch` items (at most 1024): the producer
/// offers `batch` sequence numbers at a time and spins while none fit; the consumer takes
/// up to `batch` at a time.
pub fn batched_throughput(halves: (impl BatchTx, impl BatchRx), items: u64, batch: usize) -> f64 {
    assert!(batch <= 1024);
    let (d, (), ()) = pair(
        halves,
        |mut tx| {
            let mut chunk = [0u64; 1024];
            let mut next = 0;
            while next < items {
                let len = (items - next).min(batch as u64) as usize;
                for (k, slot) in chunk[..len].iter_mut().enumerate() {
                    *slot = next + k as u64;
                }
                let mut sent = 0;
                while sent < len {
                    let n = tx.push_slice(&chunk[sent..len]);
                    if n == 0 {
                        spin_loop();
                    }
                    sent += n;
                }
                next += len as u64;
            }
        },
        |mut rx| {
            let mut buf = [0u64; 1024];
            let mut expected = 0;
            while expected < items {
                let n = rx.pop_slice(&mut buf[..batch]);
                if n == 0 {
                    spin_loop();
                }
                for &v in &buf[..n] {
                    check_seq(v, expected);
                    expected += 1;
                }
            }
        },
    );
    mops(items, d)
}

/// Thread 0 sends a number through queue A and waits for it to come back through queue B,
/// `trips` times; thread 1 echoes. Returns nanoseconds per round trip.
pub fn round_trip<T: Tx, R: Rx>(make: impl Fn() -> (T, R), trips: u64) -> f64 {
    let (ping_tx, ping_rx) = make();
    let (pong_tx, pong_rx) = make();
    let (d, (), ()) = pair(
        ((ping_tx, pong_rx), (ping_rx, pong_tx)),
        |(mut tx, mut rx)| {
            for i in 0..trips {
                push_spin(&mut tx, i);
                check_seq(pop_spin(&mut rx), i);
            }
        },
        |(mut rx, mut tx)| {
            for _ in 0..trips {
                let v = pop_spin(&mut rx);
                push_spin(&mut tx, v);
            }
        },
    );
    d.as_nanos() as f64 / trips as f64
}
