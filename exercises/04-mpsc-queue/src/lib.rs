//! Exercise 04: a linked multi-producer single-consumer queue, with epoch-based memory
//! reclamation, and tagged pointers.
//!
//! Read the chapter first: `cargo xtask book --open`, then "04 MPSC queue".
//!
//! You build:
//!
//! 1. [`queue()`]: a Michael–Scott style linked queue on `AtomicPtr` for many producers and
//!    one consumer. Producers append with compare-and-swap; the consumer takes from the
//!    front; nodes the consumer unlinks are freed through crossbeam-epoch, because a
//!    producer may still be reading one (in `src/queue.rs`; `course_sync::reclaim` wraps
//!    crossbeam-epoch).
//! 2. [`TaggedPtr`] and [`AtomicTaggedPtr`]: a pointer with a small counter in its spare
//!    low bits, the classic defence against the ABA problem (in `src/tagged.rs`).
//!
//! Check your work with `cargo xtask check 04-mpsc-queue`; ask for a hint with
//! `cargo xtask hint 04-mpsc-queue`.

#![warn(missing_docs)]
// The stub compiles before you have written anything; this keeps the compiler quiet about
// the fields you have not used yet. Delete it when you are done.
#![allow(dead_code)]

pub mod queue;
pub mod tagged;

pub use queue::{Consumer, Producer, queue};
pub use tagged::{AtomicTaggedPtr, TaggedPtr};
