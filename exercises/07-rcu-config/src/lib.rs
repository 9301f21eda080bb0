//! Exercise 07: an RCU cell, and a hot-reloading configuration built on it.
//!
//! Read the chapter first: `cargo xtask book --open`, then "07 RCU config".
//!
//! You build:
//!
//! 1. [`Rcu<T>`] (`src/rcu.rs`): a shared value that readers [`load`](Rcu::load) without
//!    ever blocking or taking a lock, and that writers replace atomically with
//!    [`store`](Rcu::store) and [`update`](Rcu::update). A loaded [`Guard`] keeps its value
//!    alive across any number of later stores. The hard part is knowing when an old value
//!    may be dropped.
//! 2. [`ConfigStore<C>`] (`src/config.rs`): a TOML file parsed into a `C`, validated,
//!    served through an `Rcu<C>`, and reloaded when the file changes; a file that does not
//!    parse or validate is reported and the last good configuration stays in service.
//!
//! Check your work with `cargo xtask check 07-rcu-config`; ask for a hint with
//! `cargo xtask hint 07-rcu-config`.

#![warn(missing_docs)]
// The stub compiles before you have written anything; this keeps the compiler quiet about
// the fields and imports you have not used yet. Delete it when you are done.
#![allow(dead_code, unused_imports)]

mod config;
mod rcu;

pub use config::{Config, ConfigError, ConfigStore};
pub use rcu::{Guard, Rcu};
