//! Grader for exercise 06 (seqlock).
//!
//! The tests in `tests/` judge the crate under test, which is re-exported here as [`imp`]:
//! the learner's `seqlock` with the `exercise` feature, the reference `seqlock-solution`
//! with `solution`.
//!
//! | file | stage | what it checks |
//! |---|---|---|
//! | `tests/visible.rs` | visible | the exercise's own examples |
//! | `tests/properties.rs` | properties | single-threaded semantics against a plain variable, for payloads of many sizes and layouts (padding, odd sizes, zero-sized, over-aligned) |
//! | `tests/loom.rs` | loom | with a 2-word payload, no read is torn or stale in any interleaving; writers are serialized; `try_read` gives up; the model catches a seqlock without fences |
//! | `tests/stress.rs` | stress | 128-byte values whose 16 words derive from one counter are never seen mixed; padded values; concurrent `update`s lose nothing |
//! | `benches/seqlock.rs` | bench | reads/s under a writer that stores every microsecond, against std and parking_lot `RwLock`, the `seqlock` crate and arc-swap |

#[cfg(feature = "solution")]
pub use seqlock_solution as imp;

#[cfg(all(feature = "exercise", not(feature = "solution")))]
pub use seqlock as imp;

#[cfg(not(any(feature = "exercise", feature = "solution")))]
compile_error!("enable the `exercise` or the `solution` feature to choose the crate under test");

/// The reference solution, for benches that compare against it.
#[cfg(feature = "reference")]
pub use seqlock_solution as reference;

/// How benches and reports name the crate under test.
pub const UNDER_TEST: &str = if cfg!(feature = "solution") {
    "solution"
} else {
    "yours"
};

/// A 128-byte value whose 16 words all derive from one number, so that a reader can tell
/// whether it saw one write or a mix of several: [`Snapshot::check`] recovers the number
/// or says where the words disagree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, align(64))]
pub struct Snapshot(pub [u64; 16]);

impl Snapshot {
    /// The snapshot written for `n`: word `i` is a different, invertible function of `n`.
    pub fn of(n: u64) -> Self {
        let mut words = [0u64; 16];
        for (i, w) in words.iter_mut().enumerate() {
            *w = n.rotate_left(4 * i as u32) ^ MASKS[i];
        }
        Self(words)
    }

    /// The number this snapshot was made from, or a description of the tear.
    pub fn check(&self) -> Result<u64, String> {
        let n = self.0[0] ^ MASKS[0];
        for (i, w) in self.0.iter().enumerate() {
            let from_word = (w ^ MASKS[i]).rotate_right(4 * i as u32);
            if from_word != n {
                return Err(format!(
                    "torn read: word 0 comes from write {n} but word {i} from write {from_word}"
                ));
            }
        }
        Ok(n)
    }
}

const MASKS: [u64; 16] = {
    let mut m = [0u64; 16];
    let mut i = 0;
    while i < 16 {
        // Different per word, so that a value copied to the wrong word is caught too.
        m[i] = 0x9E37_79B9_7F4A_7C15u64.wrapping_mul(i as u64 + 1);
        i += 1;
    }
    m
};

#[cfg(test)]
mod tests {
    use super::Snapshot;

    #[test]
    fn snapshots_round_trip_and_mixes_are_caught() {
        for n in [0, 1, 42, u64::MAX, 0xDEAD_BEEF] {
            assert_eq!(Snapshot::of(n).check(), Ok(n));
        }
        let (a, b) = (Snapshot::of(7), Snapshot::of(8));
        for i in 1..16 {
            let mut mixed = a;
            mixed.0[i] = b.0[i];
            assert!(mixed.check().is_err());
        }
        assert_eq!(std::mem::size_of::<Snapshot>(), 128);
    }
}
