//! A linearizability checker for short concurrent histories.
//!
//! A concurrent structure is *linearizable* when every operation appears to take effect at
//! one instant between its call and its return, so that the results match some sequential
//! run of a simple model. This module records a history (each operation with a call and a
//! return timestamp from one shared clock) and searches for such a sequential order, as in
//! Wing and Gong's algorithm, with the failed states memoised (Lowe's refinement).
//! The search is exponential in the worst case: keep histories to a few dozen operations
//! (at most 64) and run many short rounds instead of one long one.
//!
//! ```
//! use course_testkit::lincheck::{check, Model, Recorder};
//! use std::sync::{Arc, Mutex};
//!
//! // The sequential model: a stack.
//! #[derive(Clone, PartialEq, Eq, Hash, Default)]
//! struct Stack(Vec<u32>);
//! #[derive(Debug, Clone)]
//! enum Op { Push(u32), Pop }
//! impl Model for Stack {
//!     type Op = Op;
//!     type Ret = Option<u32>;
//!     fn step(&mut self, op: &Op) -> Option<u32> {
//!         match op { Op::Push(v) => { self.0.push(*v); None } Op::Pop => self.0.pop() }
//!     }
//! }
//!
//! // The structure under test, called from two threads.
//! let real = Arc::new(Mutex::new(Vec::new()));
//! let rec = Arc::new(Recorder::new());
//! let handles: Vec<_> = (0..2).map(|t| {
//!     let (real, rec) = (real.clone(), rec.clone());
//!     std::thread::spawn(move || {
//!         rec.record(t, Op::Push(t as u32), |_| { real.lock().unwrap().push(t as u32); None });
//!         rec.record(t, Op::Pop, |_| real.lock().unwrap().pop());
//!     })
//! }).collect();
//! for h in handles { h.join().unwrap(); }
//! check(&Stack::default(), &rec.history()).unwrap();
//! ```

use std::collections::HashSet;
use std::fmt::{self, Debug};
use std::hash::Hash;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// A sequential specification: the state of a simple, obviously correct model.
pub trait Model: Clone + Eq + Hash {
    /// An operation (with its arguments).
    type Op: Debug;
    /// What an operation returns.
    type Ret: Debug + PartialEq;
    /// Applies `op` to the model and returns what the real structure should have returned.
    fn step(&mut self, op: &Self::Op) -> Self::Ret;
}

/// One completed operation of a history.
#[derive(Debug, Clone)]
pub struct Entry<Op, Ret> {
    /// The thread that ran it (any label the test chooses).
    pub thread: usize,
    /// The operation.
    pub op: Op,
    /// What the structure returned.
    pub ret: Ret,
    /// Clock value taken just before the call.
    pub invoked: u64,
    /// Clock value taken just after the return.
    pub returned: u64,
}

/// Records a history from many threads.
#[derive(Debug)]
pub struct Recorder<Op, Ret> {
    clock: AtomicU64,
    entries: Mutex<Vec<Entry<Op, Ret>>>,
}

impl<Op, Ret> Default for Recorder<Op, Ret> {
    fn default() -> Self {
        Self::new()
    }
}

impl<Op, Ret> Recorder<Op, Ret> {
    /// An empty history.
    pub fn new() -> Self {
        Self {
            clock: AtomicU64::new(0),
            entries: Mutex::new(Vec::new()),
        }
    }

    /// Runs `call(&op)` on behalf of `thread` and records it with its call and return
    /// times.
    pub fn record(&self, thread: usize, op: Op, call: impl FnOnce(&Op) -> Ret) -> Ret
    where
        Ret: Clone,
    {
        // SeqCst: the clock must order the stamps of all threads in one total order that
        // respects real time (a return stamped before another thread's call stamp means the
        // first operation really finished before the second began).
        let invoked = self.clock.fetch_add(1, Ordering::SeqCst);
        let ret = call(&op);
        let returned = self.clock.fetch_add(1, Ordering::SeqCst);
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Entry {
                thread,
                op,
                ret: ret.clone(),
                invoked,
                returned,
            });
        ret
    }

    /// The history recorded so far.
    pub fn history(&self) -> Vec<Entry<Op, Ret>>
    where
        Op: Clone,
        Ret: Clone,
    {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// A history that no sequential order of the model explains.
pub struct NotLinearizable {
    history: Vec<String>,
}

impl fmt::Debug for NotLinearizable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for NotLinearizable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "the history is not linearizable: no sequential order of these operations, \
             each taking effect between its call and its return, gives these results:"
        )?;
        for line in &self.history {
            writeln!(f, "  {line}")?;
        }
        Ok(())
    }
}

impl std::error::Error for NotLinearizable {}

/// Searches for a linearization of `history` starting from the model state `init`;
/// returns the indices of `history` in a sequential order that explains every result.
///
/// # Panics
///
/// If the history has more than 64 operations.
pub fn check<M: Model>(
    init: &M,
    history: &[Entry<M::Op, M::Ret>],
) -> Result<Vec<usize>, NotLinearizable> {
    assert!(
        history.len() <= 64,
        "lincheck: histories are limited to 64 operations (got {}); run more, shorter rounds",
        history.len()
    );
    let mut order = Vec::with_capacity(history.len());
    let mut failed = HashSet::new();
    if search(init, history, 0, &mut order, &mut failed) {
        Ok(order)
    } else {
        let mut sorted: Vec<_> = history.iter().collect();
        sorted.sort_by_key(|e| e.invoked);
        Err(NotLinearizable {
            history: sorted
                .iter()
                .map(|e| {
                    format!(
                        "thread {}: {:?} -> {:?}   [called at {}, returned at {}]",
                        e.thread, e.op, e.ret, e.invoked, e.returned
                    )
                })
                .collect(),
        })
    }
}

fn search<M: Model>(
    state: &M,
    history: &[Entry<M::Op, M::Ret>],
    done: u64,
    order: &mut Vec<usize>,
    failed: &mut HashSet<(u64, M)>,
) -> bool {
    if order.len() == history.len() {
        return true;
    }
    if failed.contains(&(done, state.clone())) {
        return false;
    }
    // An operation may go next only if no pending operation returned before it was called.
    let earliest_return = history
        .iter()
        .enumerate()
        .filter(|(i, _)| done & (1 << i) == 0)
        .map(|(_, e)| e.returned)
        .min()
        .unwrap_or(u64::MAX);
    for (i, e) in history.iter().enumerate() {
        if done & (1 << i) != 0 || e.invoked > earliest_return {
            continue;
        }
        let mut next = state.clone();
        if next.step(&e.op) == e.ret {
            order.push(i);
            if search(&next, history, done | (1 << i), order, failed) {
                return true;
            }
            order.pop();
        }
    }
    failed.insert((done, state.clone()));
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, PartialEq, Eq, Hash, Default)]
    struct Register(u32);

    #[derive(Debug, Clone)]
    enum Op {
        Write(u32),
        Read,
    }

    impl Model for Register {
        type Op = Op;
        type Ret = Option<u32>;
        fn step(&mut self, op: &Op) -> Option<u32> {
            match op {
                Op::Write(v) => {
                    self.0 = *v;
                    None
                }
                Op::Read => Some(self.0),
            }
        }
    }

    fn e(
        thread: usize,
        op: Op,
        ret: Option<u32>,
        invoked: u64,
        returned: u64,
    ) -> Entry<Op, Option<u32>> {
        Entry {
            thread,
            op,
            ret,
            invoked,
            returned,
        }
    }

    #[test]
    fn overlapping_operations_may_take_effect_in_either_order() {
        // The read overlaps the write, so it may see the old or the new value.
        let h = vec![
            e(0, Op::Write(1), None, 0, 3),
            e(1, Op::Read, Some(0), 1, 2),
        ];
        check(&Register::default(), &h).unwrap();
        let h = vec![
            e(0, Op::Write(1), None, 0, 3),
            e(1, Op::Read, Some(1), 1, 2),
        ];
        check(&Register::default(), &h).unwrap();
    }

    #[test]
    fn a_stale_read_after_the_write_returned_is_not_linearizable() {
        let h = vec![
            e(0, Op::Write(1), None, 0, 1),
            e(1, Op::Read, Some(0), 2, 3),
        ];
        let err = check(&Register::default(), &h).unwrap_err();
        assert!(err.to_string().contains("not linearizable"));
    }
}
