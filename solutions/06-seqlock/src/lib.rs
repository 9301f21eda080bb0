//! Reference solution for exercise 06: a seqlock that is sound under Rust's memory model.
//!
//! A seqlock protects a small `Copy` value (here typically 128 bytes: a top-of-book
//! snapshot, a set of prices, a configuration block) that one writer at a time replaces
//! and many readers copy. Readers never write shared memory: they do not take a lock, do
//! not bump a reader count, and so do not bounce a cache line between cores. They
//! *optimistically* copy the value and then check whether a writer was active meanwhile;
//! if so, they throw the copy away and try again.
//!
//! # The protocol
//!
//! A sequence counter `seq` starts at 0 (even).
//!
//! - **Writer**: claims the lock by moving `seq` from an even value `s` to `s + 1` (odd)
//!   with a compare-exchange (that is also what serializes writers), issues a `Release`
//!   fence, stores the payload word by word (`Relaxed`), and publishes `s + 2` (even) with
//!   a `Release` store.
//! - **Reader**: loads `seq` (`Acquire`) and gives up the attempt if it is odd; copies the
//!   payload word by word (`Relaxed`); issues an `Acquire` fence; loads `seq` again
//!   (`Relaxed`). If both loads returned the same even value, no write overlapped the copy
//!   and the copy is a value some write stored in full. Otherwise it retries.
//!
//! # Invariant
//!
//! `seq` is odd exactly while a writer is storing the payload; every even value `2k`
//! corresponds to the payload stored by the `k`-th write (or `new`). A read that returns
//! saw `2k` before and after its copy, and returns exactly the `k`-th value: never a mix
//! of two writes ("torn"), never a value older than one whose write completed before the
//! read began.
//!
//! # Why the payload is copied through atomics
//!
//! Copying the payload with plain loads while a writer stores to it is a data race, and a
//! data race is undefined behaviour in Rust even if the result is thrown away afterwards
//! (Boehm, "Can seqlocks get along with programming language memory models?", MSPC 2012).
//! So every payload access here is an atomic access, `Relaxed` because the fences do the
//! ordering. The words are `AtomicMaybeUninit<usize>` (crate `atomic-maybe-uninit`) rather
//! than `AtomicUsize`, because `T` may contain padding, and an uninitialized byte must
//! never be turned into an integer: `MaybeUninit<usize>` carries it soundly. See
//! `payload.rs`, which also explains the stand-in used under loom.

#![warn(missing_docs)]

mod payload;

use std::fmt;

use course_sync::Backoff;
use course_sync::atomic::{AtomicU64, Ordering, fence};
use course_sync::hint;

use crate::payload::Payload;

/// A sequence lock protecting a `Copy` value: lock-free, cache-friendly reads, serialized
/// writes.
///
/// Reads copy the value out; they never block a writer and never write shared memory. A
/// reader that overlaps a write retries, so a writer that never pauses can starve readers
/// (see [`try_read`](Self::try_read) for a bounded read).
///
/// ```
/// use seqlock_solution::SeqLock;
///
/// let quote = SeqLock::new((100u64, 101u64));
/// quote.write((99, 100));
/// assert_eq!(quote.read(), (99, 100));
/// ```
pub struct SeqLock<T> {
    /// Even: stable; odd: a writer is storing the payload. Only ever increases.
    seq: AtomicU64,
    payload: Payload<T>,
}

// SAFETY: a `SeqLock<T>` moves `T` values between threads (a reader returns a copy of a
// value that another thread stored), so `T: Send` is required, and sufficient: no
// reference into the payload is ever handed out, so `T: Sync` is not needed. All shared
// access to the payload is atomic (see `payload.rs`), so sharing the lock is race-free.
unsafe impl<T: Copy + Send> Sync for SeqLock<T> {}

impl<T: Copy> SeqLock<T> {
    /// A seqlock holding `value`.
    pub fn new(value: T) -> Self {
        Self {
            seq: AtomicU64::new(0),
            payload: Payload::new(value),
        }
    }

    /// Returns a copy of the value, retrying for as long as writes overlap the copy.
    ///
    /// Lock-free, not wait-free: a writer that writes continuously can make every attempt
    /// fail. Use [`try_read`](Self::try_read) to bound the work.
    #[inline]
    pub fn read(&self) -> T {
        loop {
            if let Some(value) = self.attempt() {
                return value;
            }
            hint::spin_loop();
        }
    }

    /// Like [`read`](Self::read), but gives up and returns `None` after `retries` failed
    /// retries (so `try_read(0)` makes exactly one attempt). An attempt fails when a write
    /// is in progress when it starts or completes while it copies.
    #[inline]
    pub fn try_read(&self, retries: u32) -> Option<T> {
        for attempt in 0..=retries {
            if let Some(value) = self.attempt() {
                return Some(value);
            }
            if attempt < retries {
                hint::spin_loop();
            }
        }
        None
    }

    /// One optimistic read: `Some` if no write overlapped it.
    #[inline(always)]
    fn attempt(&self) -> Option<T> {
        // Acquire: pairs with the Release store that ended the write which produced
        // `before`, so the copy below sees that write's payload (or a later one, which the
        // second check then catches). With Relaxed, the copy could return words older than
        // `before` says, i.e. a value from an earlier write mixed with this one.
        let before = self.seq.load(Ordering::Acquire);
        if before & 1 == 1 {
            return None; // a writer is active
        }
        let copy = self.payload.load();
        // Acquire fence: if any payload load above read a store made after a writer's
        // Release fence (in `begin_write`), this fence synchronizes with that fence, so the
        // writer's odd `seq` store happens-before the load below, which must then see it
        // (or later) and differ from `before`. Without it the second load may be satisfied
        // "early" (before the copy) and a torn copy would pass the check. A load cannot be
        // `Release`, which is why this is a fence and not an ordering on the load.
        fence(Ordering::Acquire);
        // Relaxed: the fence above orders it after the copy.
        let after = self.seq.load(Ordering::Relaxed);
        if before == after {
            // SAFETY: `seq` was `before` (even) both before and after the copy, so no write
            // overlapped it: every word came from the write that published `before` (see
            // the crate docs), which stored a valid `T`.
            Some(unsafe { copy.assume_init() })
        } else {
            None
        }
    }

    /// Replaces the value. Writers are serialized: a second writer waits (spinning, then
    /// yielding) until the first is done. Readers are never waited for.
    #[inline]
    pub fn write(&self, value: T) {
        let _write = self.begin_write();
        self.payload.store(value);
        // `_write` drops here and publishes the new even sequence number.
    }

    /// Modifies the value in place: `f` gets the current value, and what it leaves there
    /// is stored. Runs under the write lock, so concurrent `update`s lose nothing. If `f`
    /// panics, the value is left unchanged.
    pub fn update(&self, f: impl FnOnce(&mut T)) {
        let _write = self.begin_write();
        // SAFETY: we hold the write lock, so no other writer can store concurrently, and
        // the last writer's stores happen-before our claim of the lock (Release end of
        // write / Acquire compare-exchange): the copy is that writer's complete value.
        let mut value = unsafe { self.payload.load().assume_init() };
        f(&mut value);
        self.payload.store(value);
    }

    /// Claims the write lock: moves `seq` from even to odd. The guard moves it back to
    /// even (one higher) when dropped, also when unwinding.
    fn begin_write(&self) -> WriteGuard<'_, T> {
        let backoff = Backoff::new();
        // Relaxed: only the expected value for the compare-exchange, whose Acquire (below)
        // is what synchronizes.
        let mut seq = self.seq.load(Ordering::Relaxed);
        loop {
            if seq & 1 == 0 {
                // Acquire (on success): pairs with the previous writer's Release store in
                // `WriteGuard::drop`, so its payload stores happen-before ours and ours come
                // later in every word's modification order. With Relaxed, two writers'
                // word stores could interleave in memory and leave a torn value behind for
                // good. Relaxed on failure: we only retry.
                match self.seq.compare_exchange_weak(
                    seq,
                    seq.wrapping_add(1),
                    Ordering::Acquire,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => break,
                    Err(now) => seq = now,
                }
            } else {
                // Another writer is active: wait for it without hammering the line.
                backoff.snooze();
                // Relaxed, as above: a new guess for the compare-exchange.
                seq = self.seq.load(Ordering::Relaxed);
            }
        }
        // Release fence: orders the odd `seq` store above before every payload store that
        // follows; pairs with the reader's Acquire fence in `attempt`. (A store cannot be
        // `Acquire`, which is what "nothing after may move before me" would need; the
        // fence provides it for all later stores.) Without it a reader could see a new
        // payload word and still read the old even `seq` afterwards.
        fence(Ordering::Release);
        WriteGuard {
            lock: self,
            odd: seq.wrapping_add(1),
        }
    }
}

/// Holds the write lock; dropping it publishes the next even sequence number.
struct WriteGuard<'a, T> {
    lock: &'a SeqLock<T>,
    odd: u64,
}

impl<T> Drop for WriteGuard<'_, T> {
    fn drop(&mut self) {
        // Release: pairs with a reader's first (Acquire) `seq` load and with the next
        // writer's Acquire compare-exchange; publishes every payload store of this write.
        self.lock
            .seq
            .store(self.odd.wrapping_add(1), Ordering::Release);
    }
}

impl<T: Copy + Default> Default for SeqLock<T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T: Copy + fmt::Debug> fmt::Debug for SeqLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeqLock")
            .field("value", &self.read())
            .finish()
    }
}
