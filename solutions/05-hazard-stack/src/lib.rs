//! Reference solution for exercise 05: a Treiber stack whose `pop` is protected by hazard
//! pointers.
//!
//! A Treiber stack is one `AtomicPtr` to the top node. `push` links a new node on top with
//! a CAS; `pop` reads the top node's `next` and CASes `head` from the top node to `next`.
//! The hard part is not the CAS but the read: between loading `head` and reading
//! `(*head).next`, another thread may pop that node and free it. The naive stack reads
//! freed memory, and, once the allocator reuses the address for a new node, its CAS can
//! succeed on the wrong node (ABA) and corrupt the stack.
//!
//! Hazard pointers (Michael, 2004) fix the read. Before dereferencing a node, a popper
//! *publishes* its address in a slot that every freeing thread checks; nodes are not freed
//! when they are unlinked but *retired*, and a *scan* frees only the retired nodes that no
//! slot protects. Two modules:
//!
//! - [`domain`]: [`HazardDomain`] (the slots and their retired lists) and [`Hazard`] (one
//!   claimed slot: `protect`, `reset`, `retire`). The module docs state the invariant and
//!   the fence argument it rests on, and the memory bound it gives.
//! - [`stack`]: [`Stack`], which owns one domain and uses it in `pop`.
//!
//! # Design choices
//!
//! - **A domain per stack**, not one global domain: a stack's retired nodes are freed
//!   when the stack is dropped (so `T` need not be `'static`), tests observe one stack's
//!   backlog without interference from others, and under loom (whose atomics cannot live
//!   in a `static`) the model owns everything it checks.
//! - **Slots claimed per operation** (an RAII [`Hazard`]) rather than cached per thread in
//!   a thread-local: nothing has to run when a thread exits, and a domain can be dropped
//!   while the threads that used it live on. The price is a CAS to claim a slot on every
//!   `pop`; the chapter measures it and names the cache that production libraries add.
//! - **Retired lists per slot**: `retire` is a `Vec::push` with no synchronisation, because
//!   a list belongs to whoever holds its slot.

#![warn(missing_docs)]

pub mod domain;
pub mod stack;

pub use domain::{DEFAULT_THRESHOLD, Hazard, HazardDomain};
pub use stack::Stack;
