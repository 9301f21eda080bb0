//! Grader for exercise 05 (hazard-pointer stack).
//!
//! The tests in `tests/` judge the crate under test, which is re-exported here as [`imp`]:
//! the learner's `hazard-stack` with the `exercise` feature, the reference
//! `hazard-stack-solution` with `solution`.
//!
//! | file | stage | what it checks |
//! |---|---|---|
//! | `tests/visible.rs` | visible | the exercise's own examples |
//! | `tests/properties.rs` | properties | random operation sequences against a `Vec`; the domain's protect/retire/scan rules; linearizability of short concurrent histories |
//! | `tests/loom.rs` | loom | protect vs a concurrent scan; concurrent push/pop with reclamation on every pop; a slot's hand-over |
//! | `tests/stress.rs` | stress | conservation and drop counting under many threads; the retired count stays under its bound, also while a thread stalls holding a hazard |
//! | `benches/stack.rs` | bench | push+pop pairs on one thread: vs `Mutex<Vec>`, crossbeam-epoch, haphazard |
//! | `benches/stack_rounds.rs` | bench | the same pairs on one and two threads, interleaved rounds in several processes |
//! | `benches/stalled_reader.rs` | bench | nodes left unfreed while another thread stalls mid-read |
//!
//! `src/broken.rs` (loom only) holds a small hazard-pointer domain whose fences can be
//! switched off, and proves that the loom scenario of `tests/loom.rs` catches either
//! missing fence (and passes with both):
//!
//! ```text
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 CARGO_TARGET_DIR=target/loom \
//!     cargo test -p hazard-stack-grader --no-default-features --features solution --lib --release
//! ```

#[cfg(feature = "solution")]
pub use hazard_stack_solution as imp;

#[cfg(all(feature = "exercise", not(feature = "solution")))]
pub use hazard_stack as imp;

#[cfg(not(any(feature = "exercise", feature = "solution")))]
compile_error!("enable the `exercise` or the `solution` feature to choose the crate under test");

/// The reference solution, for benches that compare against it.
#[cfg(feature = "reference")]
pub use hazard_stack_solution as reference;

/// How benches and reports name the crate under test.
pub const UNDER_TEST: &str = if cfg!(feature = "solution") {
    "solution"
} else {
    "yours"
};

/// The documented ceiling on a domain's retired-but-not-freed objects:
/// `slots × (threshold + slots)`.
pub fn retired_bound(slots: usize, threshold: usize) -> usize {
    slots * (threshold + slots)
}

#[cfg(feature = "bench")]
pub mod peers;

/// Loom scenarios shared by `tests/loom.rs` and the broken-variant proofs.
#[cfg(loom)]
pub mod models;

#[cfg(all(test, loom))]
mod broken;
