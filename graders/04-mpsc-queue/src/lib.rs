//! Grader for exercise 04 (MPSC queue).
//!
//! The tests in `tests/` judge the crate under test, which is re-exported here as [`imp`]:
//! the learner's `mpsc-queue` with the `exercise` feature, the reference
//! `mpsc-queue-solution` with `solution`.
//!
//! | file | stage | what it checks |
//! |---|---|---|
//! | `tests/visible.rs` | visible | the exercise's own examples |
//! | `tests/properties.rs` | properties | random push/pop sequences against a `VecDeque` model; drops after the consumer is gone; concurrent producers with per-producer FIFO; `TaggedPtr` packing, wrapping, alignment and a scripted ABA; `Send`/`Sync` bounds |
//! | `tests/loom.rs` | loom | 2 producers and 1 consumer in every interleaving up to 3 preemptions, with the crate's exact grace-period model of reclamation and a poisoned heap: FIFO per producer, nothing lost or duplicated, values published before they are read, no node read after it is freed, drops exactly once; a tagged free list survives the ABA interleaving that breaks the untagged one |
//! | `tests/stress.rs` | stress | many producers, one consumer, within a deadline: conservation and per-producer FIFO; drop counting with the consumer dropped mid-stream |
//! | `benches/mpsc_queue.rs` | bench | single-threaded costs (criterion) against `SegQueue`, `std::sync::mpsc`, crossbeam-channel |
//! | `benches/mpsc_threads.rs` | bench | 1 and 2 producers into 1 consumer, interleaved rounds in several processes |

#[cfg(feature = "solution")]
pub use mpsc_queue_solution as imp;

#[cfg(all(feature = "exercise", not(feature = "solution")))]
pub use mpsc_queue as imp;

#[cfg(not(any(feature = "exercise", feature = "solution")))]
compile_error!("enable the `exercise` or the `solution` feature to choose the crate under test");

/// The reference solution, for benches that compare against it.
#[cfg(feature = "reference")]
pub use mpsc_queue_solution as reference;

/// How benches and reports name the crate under test.
pub const UNDER_TEST: &str = if cfg!(feature = "solution") {
    "solution"
} else {
    "yours"
};
