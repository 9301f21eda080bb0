//! Reference solution for exercise 01: a shared event counter, three ways.
//!
//! Many threads count events (requests served, messages parsed); now and then someone
//! reads the total. The exercise builds the counter three times, each fixing the cost the
//! previous one pays:
//!
//! 1. One `AtomicU64` that every thread `fetch_add`s. Correct, and on one thread as fast as
//!    an atomic can be, but every increment needs the cache line in the Modified state in
//!    the incrementing core's cache. With two threads the line travels between cores on
//!    every operation (cache-line "ping-pong") and throughput *drops* below one thread's.
//! 2. The same counter padded to a 128-byte block of its own ([`AtomicCounter`]), so that
//!    unrelated data placed next to it cannot add *false* sharing on top of the true
//!    sharing it already has.
//! 3. A sharded counter ([`ShardedCounter`]): one padded slot per thread, written only by
//!    that thread, and a `sum()` that adds up the slots. Increments never share a line, so
//!    they scale with cores; reading the total costs one load per shard.
//!
//! # Invariant
//!
//! The counter's value is the wrapping sum of every amount ever added. No increment is
//! ever lost, because each one is a single atomic read-modify-write (`fetch_add`) on one
//! slot. That is the whole correctness argument: atomicity, not ordering.
//!
//! # Why `Relaxed` is right here
//!
//! Every operation uses `Ordering::Relaxed`. A counter publishes no other data: nobody
//! reads a count and then dereferences something the counted thread wrote. Relaxed
//! read-modify-writes on one location are still totally ordered (the location's
//! *modification order*), so no increment is lost, and a `Relaxed` load still returns a
//! value from that order, never a torn or invented one. Acquire/Release would only add
//! ordering with *other* memory that nobody relies on. (On x86-64 it would not even change
//! the instructions: every `fetch_add` is a `lock xadd`. On AArch64 it would.)
//!
//! If a count *did* guard data (say, "items ready" in a queue), the writer would need a
//! `Release` increment and the reader an `Acquire` load: that is exercise 03.
//!
//! # `sum()` is not a snapshot
//!
//! [`ShardedCounter::sum`] reads the shards one after another while other threads keep
//! adding. The result is at least every increment that happened before the call began and
//! at most every increment that finished before it returned, and successive sums seen by
//! one thread never decrease (each shard only grows, and one thread's loads of one location
//! never go back in its modification order). But it may correspond to no instant at which
//! the counter actually held that value. For statistics that is fine; for "stop when
//! exactly N events have happened" it is not.

#![warn(missing_docs)]

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
    /// The total so far. See the crate docs for what a concurrent `sum` can return.
    fn sum(&self) -> u64;
}

/// The size and alignment that keeps two hot values from sharing a cache line *or* an
/// adjacent-line prefetch pair.
///
/// Intel and AMD x86-64 and most AArch64 cores have 64-byte lines, but Intel's L2
/// "spatial prefetcher" fetches lines in 128-byte-aligned pairs, so two values 64 bytes
/// apart still interfere. crossbeam's `CachePadded` uses 128 bytes on x86-64 and AArch64
/// for this reason (and 256 on s390x, 32 on 32-bit ARM). The attribute below must be a
/// literal, so this constant documents it and the layout test checks it.
pub const CACHE_PAD: usize = 128;

/// One `AtomicU64`, alone on a 128-byte block.
///
/// `#[repr(align(128))]` makes the struct start on a 128-byte boundary and rounds its size
/// up to 128 bytes, so nothing else the program allocates can share its lines.
#[derive(Debug, Default)]
#[repr(align(128))]
pub struct AtomicCounter {
    value: AtomicU64,
}

impl AtomicCounter {
    /// A counter at zero.
    pub fn new() -> Self {
        Self {
            value: AtomicU64::new(0),
        }
    }
}

impl Counter for AtomicCounter {
    #[inline]
    fn increment(&self) {
        self.add(1);
    }

    #[inline]
    fn add(&self, n: u64) {
        // Relaxed: atomicity of the RMW is all a counter needs; it publishes no data.
        // `fetch_add` wraps on overflow.
        self.value.fetch_add(n, Ordering::Relaxed);
    }

    #[inline]
    fn sum(&self) -> u64 {
        // Relaxed: pairs with nothing; returns some value from the counter's modification
        // order, at least as recent as anything this thread saw before.
        self.value.load(Ordering::Relaxed)
    }
}

/// One shard of a [`ShardedCounter`]: a counter on a 128-byte block of its own.
#[derive(Debug, Default)]
#[repr(align(128))]
pub struct Shard {
    value: AtomicU64,
}

impl Shard {
    /// This shard's part of the total.
    #[inline]
    pub fn load(&self) -> u64 {
        // Relaxed: see `AtomicCounter::sum`.
        self.value.load(Ordering::Relaxed)
    }
}

/// A counter split into per-thread shards, each on a 128-byte block of its own.
///
/// Each thread adds to "its" shard ([`thread_slot`] modulo the shard count), so with at
/// least as many shards as threads, and threads that take their slots close together, no
/// two threads write the same line.
#[derive(Debug)]
pub struct ShardedCounter {
    // A boxed slice: the shards live in one allocation, and because `Shard` is 128-byte
    // aligned and sized, the allocator must hand out a 128-byte aligned block and each
    // shard occupies exactly one 128-byte stride of it.
    shards: Box<[Shard]>,
}

impl ShardedCounter {
    /// A counter with at least `shards` shards: the count is rounded up to a power of
    /// two, so that picking a shard is a mask rather than a division. Use at least as
    /// many shards as threads that will increment it.
    ///
    /// # Panics
    ///
    /// If `shards` is 0.
    pub fn new(shards: usize) -> Self {
        assert!(shards > 0, "a ShardedCounter needs at least 1 shard");
        Self {
            shards: (0..shards.next_power_of_two())
                .map(|_| Shard::default())
                .collect(),
        }
    }

    /// The shards, in order. Their [`Shard::load`]s add up to [`sum`](Counter::sum).
    pub fn shards(&self) -> &[Shard] {
        &self.shards
    }

    #[inline]
    fn my_shard(&self) -> &Shard {
        // The length is a power of two (see `new`), so `len - 1` is a mask of the low bits:
        // an AND instead of a 64-bit division, which would cost more than the increment.
        &self.shards[thread_slot() & (self.shards.len() - 1)]
    }
}

impl Default for ShardedCounter {
    /// One shard per core this process may use (at least 1).
    fn default() -> Self {
        Self::new(std::thread::available_parallelism().map_or(1, |n| n.get()))
    }
}

impl Counter for ShardedCounter {
    #[inline]
    fn increment(&self) {
        self.add(1);
    }

    #[inline]
    fn add(&self, n: u64) {
        // Relaxed, as in `AtomicCounter::add`. Still an atomic RMW although usually only
        // this thread writes the shard: with more threads than shards, two threads share
        // one, and a plain load + store would then lose increments.
        self.my_shard().value.fetch_add(n, Ordering::Relaxed);
    }

    fn sum(&self) -> u64 {
        // One Relaxed load per shard (see `Shard::load`). Not a snapshot: see the crate docs.
        self.shards
            .iter()
            .fold(0u64, |total, shard| total.wrapping_add(shard.load()))
    }
}

/// A small number that identifies the calling thread: 0 for the first thread that asks, 1
/// for the next, and so on.
///
/// It is handed out once per thread from a global counter and kept in a thread-local, so
/// the common path is a thread-local read. It is *not* synchronisation: any assignment of
/// slots is correct (threads that share a slot share a shard, and shards use atomic RMWs),
/// the counter only spreads threads out. That is also why a plain `std` atomic in a
/// `static` is fine even under loom.
pub fn thread_slot() -> usize {
    // Relaxed: only uniqueness of the returned numbers matters, which any RMW gives.
    static NEXT_SLOT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    course_sync::thread_local! {
        static SLOT: usize = NEXT_SLOT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    SLOT.with(|slot| *slot)
}
