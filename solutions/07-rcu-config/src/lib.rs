//! Reference solution for exercise 07: an RCU cell, and a hot-reloading configuration
//! built on it.
//!
//! - [`Rcu<T>`] (`rcu.rs`): a shared value that readers [`load`](Rcu::load) without ever
//!   blocking, taking a lock or retrying (wait-free), and that writers replace atomically.
//!   A loaded [`Guard`] keeps its value alive across any number of later stores. The hard
//!   part is freeing: the module docs explain the reader-count scheme with two phases
//!   and the grace period a writer waits for before it drops an old value.
//! - [`ConfigStore<C>`] (`config.rs`): a TOML file parsed into a `C`, validated, served
//!   through an `Rcu<C>`, and reloaded when the file changes (watched with `notify`); a
//!   file that does not parse or validate is reported and the last good configuration
//!   stays in service.

#![warn(missing_docs)]

mod config;
mod rcu;

pub use config::{Config, ConfigError, ConfigStore};
pub use rcu::{Guard, Rcu};
