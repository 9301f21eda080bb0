//! Exercise 03: a bounded single-producer single-consumer (SPSC) ring buffer.
//!
//! Read the chapter first: `cargo xtask book --open`, then "03 SPSC ring buffer".
//!
//! You build a fixed-size queue between exactly two threads: [`channel`] returns a
//! [`Producer`] (the only handle that pushes) and a [`Consumer`] (the only handle that
//! pops). Each index has a single writer, so no operation needs `compare_exchange` or
//! `fetch_add`; what it does need is atomic indices with the right orderings, which the
//! chapter explains.
//!
//! The plan, with the shared state already declared below:
//!
//! 1. `tail` counts items pushed, `head` items popped; both only grow. Item `n` lives in
//!    slot `n % capacity`. `tail - head` is the number of items: 0 is empty, `capacity` is
//!    full, and no slot is wasted.
//! 2. `push` writes the slot, then publishes `tail + 1`; `pop` reads the slot, then
//!    publishes `head + 1`. Which orderings make the slot's contents travel with the
//!    index?
//! 3. Each half keeps a cached copy of the other half's index (`limit`) and loads the real
//!    one only when the copy says "full" or "empty".
//! 4. Batches (`push_slice`, `pop_slice`) publish one index store for many items.
//! 5. Blocking variants wait as a [`Wait`] says; dropping a half lets the other stop
//!    waiting.
//!
//! Check your work with `cargo xtask check 03-spsc-ring`; ask for a hint with
//! `cargo xtask hint 03-spsc-ring`.

#![warn(missing_docs)]
// The stub compiles before you have written anything; this keeps the compiler quiet about
// the fields you have not used yet. Delete it when you are done.
#![allow(dead_code)]

use std::fmt;
use std::mem::MaybeUninit;

// Use the course's facade, not `std`: it is std's types normally and loom's when the
// grader model-checks your code. Access an `UnsafeCell` through `.with(|ptr| ...)` (read)
// and `.with_mut(|ptr| ...)` (write), so that loom can see every access.
use course_sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use course_sync::cell::UnsafeCell;
use course_sync::sync::Arc;

/// One slot of the ring: a `T` that is there or not, as the indices say.
type Slot<T> = UnsafeCell<MaybeUninit<T>>;

/// What the two halves share.
// TODO: put `head` and `tail` on separate 128-byte blocks, so that the producer's stores
// to `tail` and the consumer's stores to `head` do not fight over one cache line.
// `crossbeam_utils::CachePadded` (a dependency of this crate) does it; so does a
// `#[repr(align(128))]` wrapper of your own.
struct Shared<T> {
    /// Items popped so far. Written by the consumer only.
    head: AtomicUsize,
    /// Items pushed so far. Written by the producer only.
    tail: AtomicUsize,
    /// Set when either half is dropped.
    closed: AtomicBool,
    /// The slots.
    slots: Box<[Slot<T>]>,
}

impl<T> Drop for Shared<T> {
    /// Runs when both halves are gone.
    fn drop(&mut self) {
        // TODO: drop the items still in the ring (items `head .. tail`), each exactly once.
        // Nothing else can touch the ring now.
    }
}

/// Creates a ring that holds at least `capacity` items and returns its two halves.
///
/// You may round the capacity up (to a power of two, say, so that a slot index is a mask
/// rather than a division); [`Producer::capacity`] must then report the rounded value, and
/// every one of those slots must be usable.
///
/// # Panics
///
/// If `capacity` is 0.
pub fn channel<T>(capacity: usize) -> (Producer<T>, Consumer<T>) {
    // TODO: allocate the slots (`MaybeUninit::uninit()` in each), build the `Shared`, and
    // give each half an `Arc` of it.
    let _ = (capacity, Ordering::Relaxed);
    todo!("channel")
}

/// How a blocking call ([`Producer::push_blocking`], [`Consumer::pop_blocking`]) waits
/// while the ring is full or empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Retry at once, with `course_sync::hint::spin_loop()` between tries.
    Spin,
    /// Call `course_sync::thread::yield_now()` between tries.
    Yield,
    /// Spin for the first `spins` tries, then yield between tries.
    SpinThenYield {
        /// How many tries spin before the waiting starts to yield.
        spins: u32,
    },
}

impl Default for Wait {
    /// Spin for 100 tries, then yield.
    fn default() -> Self {
        Wait::SpinThenYield { spins: 100 }
    }
}

/// The sending half of a ring made by [`channel`].
pub struct Producer<T> {
    shared: Arc<Shared<T>>,
    /// Items pushed so far (this half's own copy of `shared.tail`).
    tail: usize,
    /// Cached: the first item number we may not write yet, `head + capacity` for the last
    /// `head` loaded. `tail == limit` means "full, as far as we know".
    limit: usize,
}

// SAFETY: a `Producer` is the only handle that writes slots and `tail`; moving it to another
// thread moves that role with it. The values it sends go to the consumer's thread, hence
// `T: Send`. (Given: you do not need to change it.)
unsafe impl<T: Send> Send for Producer<T> {}

impl<T> Producer<T> {
    /// Appends `value` to the ring, or gives it back in `Err` if the ring is full.
    pub fn push(&mut self, value: T) -> Result<(), T> {
        // TODO: if the cached `limit` says full, load `head` (which ordering?) and
        // recompute it; write the slot; publish the new `tail` (which ordering?).
        let _ = value;
        todo!("Producer::push")
    }

    /// Like [`push`](Self::push), but if the ring is full, waits as `wait` says until there
    /// is room. Returns `Err(value)` only when the ring is full and the consumer has been
    /// dropped.
    pub fn push_blocking(&mut self, value: T, wait: Wait) -> Result<(), T> {
        // TODO
        let _ = (value, wait);
        todo!("Producer::push_blocking")
    }

    /// The number of items in the ring (an upper bound: the consumer may pop at any time).
    pub fn len(&self) -> usize {
        // TODO
        todo!("Producer::len")
    }

    /// Whether the ring holds no items.
    pub fn is_empty(&self) -> bool {
        // TODO
        todo!("Producer::is_empty")
    }

    /// Whether the ring is full: a `push` now would fail unless the consumer pops first.
    pub fn is_full(&self) -> bool {
        // TODO
        todo!("Producer::is_full")
    }

    /// How many items the ring holds when full (at least what [`channel`] was asked for).
    pub fn capacity(&self) -> usize {
        // TODO
        todo!("Producer::capacity")
    }

    /// Whether the [`Consumer`] has been dropped.
    pub fn is_abandoned(&self) -> bool {
        // TODO
        todo!("Producer::is_abandoned")
    }
}

impl<T: Copy> Producer<T> {
    /// Appends as many items from the front of `items` as fit, in order, and returns how
    /// many that was (0 if the ring is full). One index store for the whole batch.
    pub fn push_slice(&mut self, items: &[T]) -> usize {
        // TODO
        let _ = items;
        todo!("Producer::push_slice")
    }
}

impl<T> Drop for Producer<T> {
    fn drop(&mut self) {
        // TODO: tell the consumer that no more items will come (`closed`; which ordering
        // makes every item pushed before the drop visible to a consumer that sees it?).
    }
}

impl<T> fmt::Debug for Producer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Producer").finish_non_exhaustive()
    }
}

/// The receiving half of a ring made by [`channel`].
pub struct Consumer<T> {
    shared: Arc<Shared<T>>,
    /// Items popped so far (this half's own copy of `shared.head`).
    head: usize,
    /// Cached: the value of `tail` last loaded. `head == limit` means "empty, as far as we
    /// know".
    limit: usize,
}

// SAFETY: as for `Producer`: the one handle that reads slots and writes `head`. (Given.)
unsafe impl<T: Send> Send for Consumer<T> {}

impl<T> Consumer<T> {
    /// Removes the oldest item from the ring, or returns `None` if the ring is empty.
    pub fn pop(&mut self) -> Option<T> {
        // TODO: if the cached `limit` says empty, load `tail` (which ordering?); move the
        // value out of the slot; publish the new `head` (which ordering?).
        todo!("Consumer::pop")
    }

    /// Like [`pop`](Self::pop), but if the ring is empty, waits as `wait` says until an item
    /// arrives. Returns `None` only when the ring is empty and the producer has been
    /// dropped.
    pub fn pop_blocking(&mut self, wait: Wait) -> Option<T> {
        // TODO: careful: the producer may push its last item and then be dropped between
        // your failed `pop` and your look at `closed`.
        let _ = wait;
        todo!("Consumer::pop_blocking")
    }

    /// The number of items in the ring (a lower bound: the producer may push at any time).
    pub fn len(&self) -> usize {
        // TODO
        todo!("Consumer::len")
    }

    /// Whether the ring holds no items: a `pop` now would return `None` unless the
    /// producer pushes first.
    pub fn is_empty(&self) -> bool {
        // TODO
        todo!("Consumer::is_empty")
    }

    /// Whether the ring is full.
    pub fn is_full(&self) -> bool {
        // TODO
        todo!("Consumer::is_full")
    }

    /// How many items the ring holds when full.
    pub fn capacity(&self) -> usize {
        // TODO
        todo!("Consumer::capacity")
    }

    /// Whether the [`Producer`] has been dropped.
    pub fn is_abandoned(&self) -> bool {
        // TODO
        todo!("Consumer::is_abandoned")
    }
}

impl<T: Copy> Consumer<T> {
    /// Removes up to `out.len()` of the oldest items into the front of `out`, in order, and
    /// returns how many that was (0 if the ring is empty). One index store for the whole
    /// batch.
    pub fn pop_slice(&mut self, out: &mut [T]) -> usize {
        // TODO
        let _ = out;
        todo!("Consumer::pop_slice")
    }
}

impl<T> Drop for Consumer<T> {
    fn drop(&mut self) {
        // TODO: tell the producer that nobody will pop any more.
    }
}

impl<T> fmt::Debug for Consumer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Consumer").finish_non_exhaustive()
    }
}
