//! Reference solution for exercise 04-mpsc-queue: MPSC queue: Michael–Scott links, epochs and tags.
//!
//! (Scaffolded by `cargo xtask new`: a one-shot mailbox.)
//!
//! # Invariant
//!
//! `value` is written only by the thread that moved `state` from EMPTY to WRITING, and
//! read only by threads that saw `state == READY` with an Acquire load; the writer stores
//! READY with Release after writing `value`. Release/Acquire on `state` therefore orders
//! the write of `value` before every read of it.

#![warn(missing_docs)]

use course_sync::atomic::{AtomicU8, Ordering};
use course_sync::cell::UnsafeCell;

const EMPTY: u8 = 0;
const WRITING: u8 = 1;
const READY: u8 = 2;

/// A one-shot mailbox for a `u64`.
#[derive(Debug)]
pub struct Mailbox {
    state: AtomicU8,
    value: UnsafeCell<u64>,
}

// SAFETY: `value` is written by the one thread that won the EMPTY -> WRITING transition,
// and read only after READY is observed with Acquire (which the writer stores with
// Release after writing), so no access to it races.
unsafe impl Sync for Mailbox {}

impl Default for Mailbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Mailbox {
    /// An empty mailbox.
    pub fn new() -> Self {
        Self {
            state: AtomicU8::new(EMPTY),
            value: UnsafeCell::new(0),
        }
    }

    /// Publishes `value`.
    ///
    /// # Panics
    ///
    /// If a value was already published.
    pub fn publish(&self, value: u64) {
        // Relaxed: winning the claim publishes nothing; it only makes this thread the one
        // writer of `value`. The Release store below does the publishing.
        let claimed = self
            .state
            .compare_exchange(EMPTY, WRITING, Ordering::Relaxed, Ordering::Relaxed);
        assert!(claimed.is_ok(), "Mailbox::publish called twice");
        // SAFETY: only the thread that won the claim writes, and no reader reads before
        // READY (stored below), so this write races with nothing.
        self.value.with_mut(|p| unsafe { *p = value });
        // Release: pairs with the Acquire load in `read`; a reader that sees READY sees the
        // value written above.
        self.state.store(READY, Ordering::Release);
    }

    /// The published value, or `None` if there is none yet.
    pub fn read(&self) -> Option<u64> {
        // Acquire: pairs with the Release store in `publish`.
        if self.state.load(Ordering::Acquire) == READY {
            // SAFETY: READY was stored after the only write, and the Acquire load orders
            // that write before this read.
            Some(self.value.with(|p| unsafe { *p }))
        } else {
            None
        }
    }
}
