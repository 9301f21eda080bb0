//! Exercise 01: a shared event counter, three ways.
//!
//! Read the chapter first: `cargo xtask book --open`, then "01 Atomic counter".
//!
//! You build:
//!
//! 1. [`AtomicCounter`]: one `AtomicU64` that every thread adds to, padded so that it has
//!    a 128-byte block of memory to itself.
//! 2. [`ShardedCounter`]: one padded [`Shard`] per thread; each thread adds to its own
//!    shard, and [`Counter::sum`] adds the shards up.
//!
//! Check your work with `cargo xtask check 01-atomic-counter`; ask for a hint with
//! `cargo xtask hint 01-atomic-counter`.

#![warn(missing_docs)]
// The stub compiles before you have written anything; this keeps the compiler quiet about
// the fields you have not used yet. Delete it when you are done.
#![allow(dead_code)]

// Use the course's facade, not `std::sync::atomic`: it is std's atomics normally and
// loom's when the grader model-checks your code.
use course_sync::atomic::{AtomicU64, Ordering};

/// Something many threads can count with.
///
/// All three operations take `&self`: the counter is shared (`Sync`), typically through an
/// `Arc` or a scoped borrow.
pub trait Counter: Send + Sync {
    /// Adds one.
    fn increment(&self);
    /// Adds `n` (wrapping on overflow, like `u64::wrapping_add`).
    fn add(&self, n: u64);
    /// The total so far.
    fn sum(&self) -> u64;
}

/// The padding that keeps two hot values apart: 128 bytes on x86-64 and AArch64 (the
/// chapter explains why not 64).
pub const CACHE_PAD: usize = 128;

/// One `AtomicU64` that every thread adds to, alone on a 128-byte block.
// TODO: make this struct start on a 128-byte boundary and fill 128 bytes, so that nothing
// else can share its cache lines. One attribute does it.
#[derive(Debug, Default)]
pub struct AtomicCounter {
    value: AtomicU64,
}

impl AtomicCounter {
    /// A counter at zero.
    pub fn new() -> Self {
        // TODO
        todo!("AtomicCounter::new")
    }
}

impl Counter for AtomicCounter {
    fn increment(&self) {
        // TODO
        todo!("AtomicCounter::increment")
    }

    fn add(&self, n: u64) {
        // TODO: one atomic read-modify-write. Which ordering does a counter need, and why?
        let _ = (n, Ordering::Relaxed);
        todo!("AtomicCounter::add")
    }

    fn sum(&self) -> u64 {
        // TODO
        todo!("AtomicCounter::sum")
    }
}

/// One shard of a [`ShardedCounter`]: a counter on a 128-byte block of its own.
// TODO: the same padding as `AtomicCounter`.
#[derive(Debug, Default)]
pub struct Shard {
    value: AtomicU64,
}

impl Shard {
    /// This shard's part of the total.
    pub fn load(&self) -> u64 {
        // TODO
        todo!("Shard::load")
    }
}

/// A counter split into per-thread shards, each on a 128-byte block of its own.
#[derive(Debug)]
pub struct ShardedCounter {
    // TODO: keep this layout: one allocation holding the shards side by side, so that the
    // padding of `Shard` is what keeps them apart.
    shards: Box<[Shard]>,
}

impl ShardedCounter {
    /// A counter with at least `shards` shards (you may round the count up, e.g. to a
    /// power of two). Use at least as many shards as threads that will increment it.
    ///
    /// # Panics
    ///
    /// If `shards` is 0.
    pub fn new(shards: usize) -> Self {
        // TODO
        let _ = shards;
        todo!("ShardedCounter::new")
    }

    /// The shards, in order. Their [`Shard::load`]s add up to [`sum`](Counter::sum).
    pub fn shards(&self) -> &[Shard] {
        // TODO
        todo!("ShardedCounter::shards")
    }
}

impl Default for ShardedCounter {
    /// One shard per core this process may use (at least 1).
    fn default() -> Self {
        Self::new(std::thread::available_parallelism().map_or(1, |n| n.get()))
    }
}

impl Counter for ShardedCounter {
    fn increment(&self) {
        // TODO
        todo!("ShardedCounter::increment")
    }

    fn add(&self, n: u64) {
        // TODO: add to the calling thread's shard; `thread_slot()` tells you which.
        let _ = n;
        todo!("ShardedCounter::add")
    }

    fn sum(&self) -> u64 {
        // TODO: add up the shards (wrapping).
        todo!("ShardedCounter::sum")
    }
}

/// A small number that identifies the calling thread: 0 for the first thread that asks, 1
/// for the next, and so on. Given: you do not need to change it.
///
/// It is handed out once per thread from a global counter and kept in a thread-local, so
/// the common path is a thread-local read. Any assignment of slots is *correct* (threads
/// that share a slot share a shard); the counter only spreads threads out.
pub fn thread_slot() -> usize {
    // Relaxed: only uniqueness of the returned numbers matters, which any RMW gives.
    static NEXT_SLOT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    course_sync::thread_local! {
        static SLOT: usize = NEXT_SLOT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    SLOT.with(|slot| *slot)
}
