//! Exercise 05: a Treiber stack whose `pop` is protected by hazard pointers you implement.
//!
//! Read the chapter first: `cargo xtask book --open`, then "05 Hazard-pointer stack".
//!
//! You build two things, in this order:
//!
//! 1. [`domain`]: a [`HazardDomain`], a list of per-thread slots. A [`Hazard`] is one
//!    claimed slot: [`Hazard::protect`] publishes the pointer a thread is about to
//!    dereference (publish, fence, re-validate); [`Hazard::retire`] hands an unlinked
//!    object to the domain; a *scan* frees the retired objects that no slot protects.
//! 2. [`stack`]: a [`Stack`] (Treiber, 1986): `push` links a node on top with a CAS, `pop`
//!    protects the top node with a hazard, unlinks it with a CAS and retires it.
//!
//! Each stack owns its own domain, so a stack's retired nodes are freed when it is dropped,
//! and a test can watch one stack's backlog through [`Stack::domain`].
//!
//! Check your work with `cargo xtask check 05-hazard-stack`; ask for a hint with
//! `cargo xtask hint 05-hazard-stack`.

#![warn(missing_docs)]
// The stub compiles before you have written anything; this keeps the compiler quiet about
// the fields and helpers you have not used yet. Delete it when you are done.
#![allow(dead_code)]

pub mod domain;
pub mod stack;

pub use domain::{DEFAULT_THRESHOLD, Hazard, HazardDomain};
pub use stack::Stack;
