//! The course's test kit: the tools every grader uses to judge concurrent code.
//!
//! | module | what it proves |
//! |---|---|
//! | [`drops`] | every value handed to a structure is dropped exactly once: no leak, no double drop |
//! | [`conservation`] | every item pushed into a queue comes out exactly once, in per-producer FIFO order where promised |
//! | [`stress`] | many threads finish within a deadline; a deadlock or livelock becomes a failure that names the stuck thread instead of a hang |
//! | [`pin`] | threads run on the cores a benchmark or stress test asked for, and the test knows when they do not |
//! | [`lincheck`] | a short concurrent history is linearizable against a sequential model |
//! | [`alloc`] | a hot path allocates nothing; a use-after-free reads poison, not stale data |
//! | [`team`] | (for benches) a team of threads starts together and is timed from its own clocks; read throughput under a periodic writer |
//! | [`rounds`] | (for benches) cases measured interleaved over many rounds in several processes: medians, spread, ratios |
//!
//! None of these depend on loom: they observe the structure under test from outside, so
//! the same helpers serve proptest, stress and loom tests.

#![warn(missing_docs)]

pub mod alloc;
pub mod conservation;
pub mod drops;
pub mod lincheck;
pub mod pin;
pub mod rounds;
pub mod stress;
pub mod team;

/// Renders a panic payload (`&str`, `String`, anything else) as text for a failure message.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic whose payload is not a string)".to_string()
    }
}
