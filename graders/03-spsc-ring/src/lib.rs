//! Grader for exercise 03 (SPSC ring buffer).
//!
//! The tests in `tests/` judge the crate under test, which is re-exported here as [`imp`]:
//! the learner's `spsc-ring` with the `exercise` feature, the reference
//! `spsc-ring-solution` with `solution`.
//!
//! | file | stage | what it checks |
//! |---|---|---|
//! | `tests/visible.rs` | visible | the exercise's own examples |
//! | `tests/properties.rs` | properties | random single-threaded operation sequences against a `VecDeque` model, refused values, capacity rounding, drop counting, blocking calls after a half is dropped |
//! | `tests/loom.rs` | loom | capacity 2–4: every push/pop interleaving delivers in order with no data race, across the wrap-around; batches; items left in the ring are dropped once; `pop_blocking` sees the last item |
//! | `tests/stress.rs` | stress | 10 M sequence numbers through capacities 1, 2 and 1024 on pinned threads, order and count exact; batches; drop counting with early exits |
//! | `benches/single_thread.rs` | bench | push+pop pair and batched pairs on one thread, vs rtrb, crossbeam `ArrayQueue`, std `sync_channel` |
//! | `benches/cross_core.rs` | bench | cross-core throughput at capacities 1024 and 65536 (single and batched), round-trip latency, spin vs yield: interleaved rounds in several processes |
//! | `examples/push_pop_instructions.rs` | bench | a fixed number of push+pop pairs, for `valgrind --tool=callgrind` instruction counts |

#[cfg(feature = "solution")]
pub use spsc_ring_solution as imp;

#[cfg(all(feature = "exercise", not(feature = "solution")))]
pub use spsc_ring as imp;

#[cfg(not(any(feature = "exercise", feature = "solution")))]
compile_error!("enable the `exercise` or the `solution` feature to choose the crate under test");

/// The reference solution, for benches that compare against it.
#[cfg(feature = "reference")]
pub use spsc_ring_solution as reference;

#[cfg(feature = "bench")]
pub mod drivers;

/// How benches and reports name the crate under test.
pub const UNDER_TEST: &str = if cfg!(feature = "solution") {
    "solution"
} else {
    "yours"
};
