//! Exercise 04-mpsc-queue: MPSC queue: Michael–Scott links, epochs and tags.
//!
//! (Scaffolded by `cargo xtask new`: a one-shot mailbox. Replace it with your exercise,
//! keeping the shape: doc comments on every public item, `todo!()` bodies, `// TODO`
//! where the learner works.)
//!
//! One thread publishes a value once; other threads read it once it is there. Check your
//! work with `cargo xtask check 04-mpsc-queue`.

#![warn(missing_docs)]
#![allow(dead_code)]

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
        // TODO: claim the mailbox (EMPTY -> WRITING), write the value, then mark it READY
        // so that a reader who sees READY also sees the value.
        let _ = (value, Ordering::Relaxed, WRITING, READY);
        todo!("Mailbox::publish")
    }

    /// The published value, or `None` if there is none yet.
    pub fn read(&self) -> Option<u64> {
        // TODO
        todo!("Mailbox::read")
    }
}
