//! The payload: a `T` kept in memory that is only ever read and written with atomic
//! word-sized accesses.
//!
//! You write the real implementation (`words::Payload::load` and `store`); the loom
//! stand-in (`model::Payload`) is given and needs no change.
//!
//! Two implementations with one interface, chosen at compile time:
//!
//! - the real one (every normal build): the `T` lives in an `UnsafeCell`, padded to a
//!   whole number of machine words, and is copied one word at a time through
//!   [`AtomicMaybeUninit<usize>`](atomic_maybe_uninit::AtomicMaybeUninit) with `Relaxed`
//!   loads and stores. `AtomicMaybeUninit` is what makes the copy sound for any `T`: its
//!   words may contain uninitialized bytes (padding), which a plain `AtomicUsize` must
//!   never hold;
//! - the loom stand-in (`--cfg loom`): loom cannot see inside `atomic-maybe-uninit`'s
//!   inline assembly, so the model keeps every stored value in a history and one loom
//!   `AtomicUsize` per word that says *which* stored value that word currently holds. Loom
//!   then chooses, word by word, which store each `Relaxed` load observes, exactly as it
//!   would for real atomic words, and the bytes are copied out of the history. A torn read
//!   (word 0 from one write, word 1 from another) is therefore something the model can
//!   produce, and the sequence protocol in `lib.rs` is what must reject it.
//!
//! Neither implementation orders anything: every access is `Relaxed`, and the fences and
//! the sequence counter in [`SeqLock`](crate::SeqLock) do all the ordering.

use std::mem::{MaybeUninit, size_of};

#[cfg(loom)]
pub(crate) use self::model::Payload;
#[cfg(not(loom))]
pub(crate) use self::words::Payload;

/// A `T` padded to a whole number of `usize` words: the `[usize; 0]` field raises the
/// alignment to at least a word's, and a struct's size is always a multiple of its
/// alignment. The bytes after the `T` (and any padding inside it) stay uninitialized.
#[repr(C)]
struct Words<T> {
    _align: [usize; 0],
    value: MaybeUninit<T>,
}

impl<T: Copy> Clone for Words<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Copy> Copy for Words<T> {}

impl<T> Words<T> {
    /// How many words a `T` occupies, rounded up.
    const COUNT: usize = size_of::<Self>() / size_of::<usize>();

    fn new(value: T) -> Self {
        Self {
            _align: [],
            value: MaybeUninit::new(value),
        }
    }
}

#[cfg(not(loom))]
mod words {
    use std::cell::UnsafeCell;
    use std::mem::MaybeUninit;
    // You will need these two.
    use std::sync::atomic::Ordering;

    use atomic_maybe_uninit::AtomicMaybeUninit;

    use super::Words;

    /// A `T` in memory that is accessed only through atomic words.
    pub(crate) struct Payload<T> {
        cell: UnsafeCell<Words<T>>,
    }

    impl<T: Copy> Payload<T> {
        pub(crate) fn new(value: T) -> Self {
            Self {
                cell: UnsafeCell::new(Words::new(value)),
            }
        }

        /// Copies the value out, one `Relaxed` atomic load per word. The result is only
        /// a candidate: a concurrent write may have torn it, and the caller must validate
        /// it before treating it as a `T`.
        pub(crate) fn load(&self) -> MaybeUninit<T> {
            // TODO: view word `i` of `self.cell` as an `AtomicMaybeUninit<usize>`
            // (`AtomicMaybeUninit::from_ptr`), load each of the `Words::<T>::COUNT` words
            // with `Relaxed` into a local `MaybeUninit<Words<T>>`, and return its `value`.
            // Never go through `usize` or `AtomicUsize`: the words may hold padding bytes.
            todo!("Payload::load")
        }

        /// Copies `value` in, one `Relaxed` atomic store per word.
        pub(crate) fn store(&self, value: T) {
            // TODO: put `value` in a local `Words<T>` and store its words one by one.
            let _ = value;
            todo!("Payload::store")
        }
    }
}

#[cfg(loom)]
mod model {
    use std::mem::MaybeUninit;

    use course_sync::atomic::{AtomicUsize, Ordering};

    use super::Words;

    /// The loom stand-in: word `i` holds the index, in `history`, of the stored value
    /// whose word `i` it currently contains.
    pub(crate) struct Payload<T> {
        words: Box<[AtomicUsize]>,
        // Every value ever stored, in order. Appended by writers (which the seqlock
        // serializes) and read by readers; loom runs one modelled thread at a time, so the
        // std mutex is never contended and is not part of what the model checks.
        history: std::sync::Mutex<Vec<Words<T>>>,
    }

    impl<T: Copy> Payload<T> {
        pub(crate) fn new(value: T) -> Self {
            Self {
                words: (0..Words::<T>::COUNT)
                    .map(|_| AtomicUsize::new(0))
                    .collect(),
                history: std::sync::Mutex::new(vec![Words::new(value)]),
            }
        }

        pub(crate) fn load(&self) -> MaybeUninit<T> {
            let mut out = MaybeUninit::<Words<T>>::uninit();
            let dst = out.as_mut_ptr().cast::<MaybeUninit<usize>>();
            for (i, word) in self.words.iter().enumerate() {
                // Relaxed, as in the real payload: loom picks which store this observes.
                let which = word.load(Ordering::Relaxed);
                let history = self.history.lock().unwrap();
                let src = (&raw const history[which]).cast::<MaybeUninit<usize>>();
                // SAFETY: both are `Words<T>`, `COUNT` words long and aligned; the copy
                // moves word `i` of stored value `which`, uninitialized bytes included.
                unsafe { dst.add(i).write(src.add(i).read()) };
            }
            // SAFETY: as in the real payload: every word of `out` was written.
            unsafe { (&raw const (*out.as_ptr()).value).read() }
        }

        pub(crate) fn store(&self, value: T) {
            let which = {
                let mut history = self.history.lock().unwrap();
                history.push(Words::new(value));
                history.len() - 1
            };
            for word in self.words.iter() {
                // Relaxed, as in the real payload.
                word.store(which, Ordering::Relaxed);
            }
        }
    }
}
