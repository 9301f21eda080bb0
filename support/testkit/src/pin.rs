//! Thread pinning that checks its result.
//!
//! `core_affinity::set_for_current` returns a `bool` that is easy to ignore, and pinning
//! can fail (a container whose cpuset excludes the core, a platform without affinity). A
//! benchmark that believes it pinned its threads when it did not measures something else,
//! so here a refusal is an error the caller must handle.
//!
//! Pinning is not isolation: the OS still runs other work (and interrupts) on the pinned
//! core unless the machine was booted with `isolcpus=`/`nohz_full=` or uses cpusets (see
//! the book's chapter on NUMA, affinity and isolation).
//!
//! # A trap
//!
//! `std::thread::available_parallelism()` and `core_affinity::get_core_ids()` both report
//! the *calling thread's* affinity mask. Called from a thread that is already pinned, they
//! report one core, and round-robin pinning then silently piles every thread onto it.
//! [`cores`] reads the list once, on first use, and caches it; call it early (from the
//! unpinned test thread) and never pin the thread that spawns the workers.

use std::fmt;
use std::sync::OnceLock;

pub use core_affinity::CoreId;

/// The cores this process may run on, read once (see the module docs for why).
pub fn cores() -> Vec<CoreId> {
    static CORES: OnceLock<Vec<CoreId>> = OnceLock::new();
    CORES
        .get_or_init(|| core_affinity::get_core_ids().unwrap_or_default())
        .clone()
}

/// Why a thread could not be pinned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinError {
    /// The core that was asked for.
    pub core: usize,
    /// What went wrong.
    pub reason: String,
}

impl fmt::Display for PinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not pin to core {}: {}", self.core, self.reason)
    }
}

impl std::error::Error for PinError {}

/// Pins the calling thread to `core` and checks that it took: the OS call must succeed
/// and, on Linux, the thread must then be running on that core.
pub fn pin_current(core: CoreId) -> Result<(), PinError> {
    if !core_affinity::set_for_current(core) {
        return Err(PinError {
            core: core.id,
            reason: "the OS refused the affinity mask (sched_setaffinity failed)".into(),
        });
    }
    #[cfg(target_os = "linux")]
    {
        // SAFETY: sched_getcpu has no preconditions; it returns -1 on failure.
        let now = unsafe { libc::sched_getcpu() };
        if now >= 0 && now as usize != core.id {
            return Err(PinError {
                core: core.id,
                reason: format!("the thread still runs on cpu {now} after pinning"),
            });
        }
    }
    Ok(())
}

/// Pins the calling thread to the `index % n`-th of the `n` cores in [`cores`], returning
/// the core used, or `None` when no core list is available.
pub fn pin_to_index(index: usize) -> Result<Option<CoreId>, PinError> {
    let cores = cores();
    if cores.is_empty() {
        return Ok(None);
    }
    let core = cores[index % cores.len()];
    pin_current(core).map(|()| Some(core))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_a_thread_to_each_core() {
        let cores = cores();
        for core in cores {
            std::thread::spawn(move || pin_current(core).unwrap())
                .join()
                .unwrap();
        }
    }
}
