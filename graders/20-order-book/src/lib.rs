//! Grader for exercise 20 (order book: array ladder, intrusive FIFOs and ITCH replay).
//!
//! The tests in `tests/` judge the crate under test, re-exported here as [`imp`], against
//! the simple models in [`model`]:
//!
//! | file | stage | what it checks |
//! |---|---|---|
//! | `tests/visible.rs` | visible | the exercise's own examples |
//! | `tests/properties.rs` | properties | random add/reduce/execute/delete/replace sequences against a `BTreeMap` book after every step (results, best bid/ask, full depth, orders, FIFO order); random order flow through the engine against a naive matcher (same fills in the same order, same book); small generated sessions and the MIT sample file replayed against the model |
//! | `tests/stress.rs` | stress | a generated session of over a million messages replays to the model's final books; no allocation per message (book, replay, engine) once warm |
//! | `benches/replay.rs` | bench | replay ns/message and latency percentiles (64 stocks, and 1 stock): the crate under test vs `BTreeMap` books, interleaved over rounds and processes |
//! | `benches/cachesim.rs` | lab | one replay per kind of book, to run under valgrind (instruction and cache-miss counts) |
//!
//! There is no loom stage: a book has one writer and no shared memory.

#[cfg(feature = "solution")]
pub use order_book_solution as imp;

#[cfg(all(feature = "exercise", not(feature = "solution")))]
pub use order_book as imp;

#[cfg(not(any(feature = "exercise", feature = "solution")))]
compile_error!("enable the `exercise` or the `solution` feature to choose the crate under test");

/// The reference solution, for benches that compare against it.
#[cfg(feature = "reference")]
pub use order_book_solution as reference;

/// How benches and reports name the crate under test.
pub const UNDER_TEST: &str = if cfg!(feature = "solution") {
    "solution"
} else {
    "yours"
};

pub mod model;

use std::path::PathBuf;

/// `ex20101224.TEST_ITCH_50`, the MIT-licensed sample from the RITCH R package, in
/// `<course root>/../shared/data/itch/`, if it is there. The course root comes from
/// `COURSE_ROOT` (set by `cargo xtask check`) or from this crate's location.
pub fn sample_file() -> Option<PathBuf> {
    let root = std::env::var_os("COURSE_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.."));
    let path = root.join("../shared/data/itch/ex20101224.TEST_ITCH_50");
    path.is_file().then_some(path)
}
