//! Reference solution for exercise 04: a linked multi-producer single-consumer queue.
//!
//! Any number of threads push; one thread pops. The queue is a singly linked list in the
//! style of Michael and Scott (PODC 1996): a dummy node at the front, producers append at
//! the back with compare-and-swap, and a shared `tail` pointer that may lag one node behind
//! the real end. Michael and Scott's queue is multi-producer *multi*-consumer; with one
//! consumer, the consumer's end needs no CAS at all, but the producers' end is theirs
//! unchanged, and so is its hardest problem: **when may a node be freed?**
//!
//! A producer reads `tail` and then dereferences it. Between the two, the consumer may pop
//! past that node and, if it freed it at once, the producer would read freed memory. The
//! [`queue`](mod@queue) module fixes this with epoch-based reclamation (crossbeam-epoch,
//! behind the course facade's `course_sync::reclaim`, so that loom can run a model of it):
//! the consumer *retires* a node instead of freeing it, and crossbeam frees it only once
//! every thread that might still hold it has left its critical section. The module docs state the
//! invariants; the chapter shows the interleaving.
//!
//! The [`tagged`] module is the other classic tool: a pointer with a counter in its spare
//! low bits, so that one CAS detects an A→B→A change (the ABA problem). With epochs a node
//! cannot be freed and reused while a thread holds it, so the queue does not need tags; the
//! chapter shows the free list where they are needed, and why a few bits only make ABA
//! unlikely.
//!
//! # API
//!
//! - [`queue()`] returns a [`Producer`] (`Clone + Send + Sync`) and a [`Consumer`] (`Send`).
//! - [`Producer::push`] appends; lock-free.
//! - [`Consumer::pop`] takes the oldest item or returns `None`; wait-free apart from the
//!   epoch pin.
//! - Items still queued when the consumer is dropped are dropped then; items pushed after
//!   that are dropped by the push (or, when they race with the drop, when the last
//!   producer is dropped). Each exactly once.
//! - [`TaggedPtr`] and [`AtomicTaggedPtr`]: pointer plus tag, packed with the
//!   strict-provenance APIs.

#![warn(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod queue;
pub mod tagged;

pub use queue::{Consumer, Producer, queue};
pub use tagged::{AtomicTaggedPtr, TaggedPtr};
