//! Exercise 06: a seqlock that is sound under Rust's memory model.
//!
//! Read the chapter first: `cargo xtask book --open`, then "06 Seqlock".
//!
//! You build [`SeqLock<T>`]: one writer at a time replaces a small `Copy` value (think of a
//! 128-byte top-of-book snapshot), and any number of readers copy it without taking a
//! lock and without writing shared memory. A sequence counter tells a reader whether a
//! writer was active while it copied; if so, the reader throws its copy away and retries.
//!
//! Two files:
//!
//! - `src/lib.rs` (this file): the sequence protocol: the counter, the fences, the write
//!   lock, `read`, `try_read`, `write` and `update`;
//! - `src/payload.rs`: the copy itself, one atomic word at a time. Plain loads would be a
//!   data race (undefined behaviour even if the copy is thrown away), and plain
//!   `AtomicUsize` words cannot hold the uninitialized padding bytes a `T` may contain:
//!   the `atomic-maybe-uninit` crate can.
//!
//! Check your work with `cargo xtask check 06-seqlock`; ask for a hint with
//! `cargo xtask hint 06-seqlock`.

#![warn(missing_docs)]
// The stub compiles before you have written anything; this keeps the compiler quiet about
// the fields and helpers you have not used yet. Delete it when you are done.
#![allow(dead_code, unused_imports)]

mod payload;

use std::fmt;

// Use the course's facade, not `std::sync::atomic`: it is std's atomics normally and
// loom's when the grader model-checks your code.
use course_sync::Backoff;
use course_sync::atomic::{AtomicU64, Ordering, fence};
use course_sync::hint;

use crate::payload::Payload;

/// A sequence lock protecting a `Copy` value: lock-free reads that write no shared memory,
/// serialized writes.
///
/// ```no_run
/// use seqlock::SeqLock;
///
/// let quote = SeqLock::new((100u64, 101u64));
/// quote.write((99, 100));
/// assert_eq!(quote.read(), (99, 100));
/// ```
pub struct SeqLock<T> {
    /// Even: no write in progress; odd: a writer is storing the payload.
    seq: AtomicU64,
    /// The value, accessed only through atomic words (see `payload.rs`).
    payload: Payload<T>,
}

// `SeqLock<T>` holds an `UnsafeCell` (inside `Payload`), so it is not `Sync` by itself;
// this impl says sharing it is sound. It is given so that the grader's tests compile.
// SAFETY: TODO: replace this line with the argument, once your code makes it true. Why is
// `T: Send` needed (a reader returns a copy of a value another thread wrote)? Why is
// `T: Sync` not needed (does anyone ever get a `&T` into the payload)? Why is the shared
// payload free of data races?
unsafe impl<T: Copy + Send> Sync for SeqLock<T> {}

impl<T: Copy> SeqLock<T> {
    /// A seqlock holding `value`.
    pub fn new(value: T) -> Self {
        // TODO
        let _ = value;
        todo!("SeqLock::new")
    }

    /// Returns a copy of the value, retrying for as long as writes overlap the copy.
    pub fn read(&self) -> T {
        // TODO: retry one optimistic attempt until it succeeds (call `hint::spin_loop()`
        // between attempts).
        todo!("SeqLock::read")
    }

    /// Like [`read`](Self::read), but gives up and returns `None` after `retries` failed
    /// retries (so `try_read(0)` makes exactly one attempt). An attempt fails when a write
    /// is in progress when it starts or completes while it copies.
    pub fn try_read(&self, retries: u32) -> Option<T> {
        // TODO
        let _ = retries;
        todo!("SeqLock::try_read")
    }

    /// Replaces the value. Writers are serialized: a second writer waits until the first
    /// is done. Readers are never waited for.
    pub fn write(&self, value: T) {
        // TODO: claim the write lock (even -> odd), order that before the payload stores,
        // store the payload, publish (odd -> even).
        let _ = value;
        todo!("SeqLock::write")
    }

    /// Modifies the value in place: `f` gets the current value, and what it leaves there
    /// is stored. Runs under the write lock, so concurrent `update`s lose nothing. If `f`
    /// panics, the value is left unchanged and the lock is released.
    pub fn update(&self, f: impl FnOnce(&mut T)) {
        // TODO: like `write`, but read the current value first. Make sure a panic in `f`
        // still ends the write (a guard whose `Drop` publishes the even number does it).
        let _ = f;
        todo!("SeqLock::update")
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
