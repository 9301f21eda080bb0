//! The id index: order id -> pool slot, in an open-addressing table of 8-byte entries.
//!
//! Every operation on a resting order starts here, so this table is on the hot path of
//! every message. A general-purpose map (`HashMap<u64, u32>`, hashbrown) stores the key in
//! the table: 16 bytes per entry, plus a control byte, and a lookup reads a control group
//! and then a bucket, two cache lines. This table stores no key at all:
//!
//! - an entry is `(tag, slot)`: `slot` is the order's index in the pool and `tag` the high
//!   32 bits of the id's hash. The id itself is in the pool node, which the caller reads
//!   anyway; a lookup compares tags in the table and ids only on a tag match.
//! - the hash is Fibonacci hashing, `id * 0x9E37_79B9_7F4A_7C15` (2^64 divided by the
//!   golden ratio): one multiply, and consecutive ids (exchanges number orders
//!   consecutively) land far apart. An entry's *home* is the top `bits` bits of its tag,
//!   so the table can find any entry's home, and grow, without reading the pool.
//! - collisions probe linearly, and deletion shifts the following entries back
//!   (Knuth's Algorithm R) instead of leaving tombstones. So there is never a clean-up
//!   rehash: with hashbrown, churn fills the table with tombstones until it rehashes in
//!   place, an O(n) pause in the middle of the day.
//! - the table is at most half full, and grows (doubling: the only allocation) when an
//!   insert would pass that; sized for the capacity hint, it never grows.
//!
//! At 8 bytes per entry, the index of a book with 1,024 orders is 16 KiB: sixty-four books'
//! indices take 1 MiB together: more than the 512 KiB L2 of the Zen core the course was
//! measured on, far less than its 8 MiB L3.

use crate::pool::{NIL, Pool};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    tag: u32,
    slot: u32,
}

const EMPTY: Entry = Entry { tag: 0, slot: NIL };

/// 2^64 / golden ratio, odd.
const FIBONACCI: u64 = 0x9E37_79B9_7F4A_7C15;

#[derive(Debug)]
pub(crate) struct Index {
    entries: Box<[Entry]>,
    /// `entries.len() == 1 << bits`.
    bits: u32,
    len: usize,
}

#[inline(always)]
fn tag_of(id: u64) -> u32 {
    (id.wrapping_mul(FIBONACCI) >> 32) as u32
}

impl Index {
    /// An index for `orders` ids before it grows.
    pub(crate) fn with_capacity(orders: usize) -> Self {
        let bits = (orders.max(8) * 2)
            .next_power_of_two()
            .trailing_zeros()
            .min(32);
        Self {
            entries: vec![EMPTY; 1 << bits].into_boxed_slice(),
            bits,
            len: 0,
        }
    }

    #[inline(always)]
    fn mask(&self) -> usize {
        self.entries.len() - 1
    }

    #[inline(always)]
    fn home(&self, tag: u32) -> usize {
        (u64::from(tag) >> (32 - self.bits)) as usize
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Where `id` is: `Ok(pool slot)`, or `Err(position)` of the empty entry that ends its
    /// probe sequence (where [`insert_at`](Self::insert_at) puts it).
    #[inline]
    pub(crate) fn find(&self, id: u64, pool: &Pool) -> Result<u32, usize> {
        let tag = tag_of(id);
        let mut i = self.home(tag);
        loop {
            let e = self.entries[i];
            if e.slot == NIL {
                return Err(i);
            }
            if e.tag == tag && pool.get(e.slot).id == id {
                return Ok(e.slot);
            }
            i = (i + 1) & self.mask();
        }
    }

    /// The pool slot of `id`.
    #[inline]
    pub(crate) fn get(&self, id: u64, pool: &Pool) -> Option<u32> {
        self.find(id, pool).ok()
    }

    /// Makes room for one more id (growing if the table would pass half full). Call it
    /// before [`find`](Self::find) when you may insert: growing moves entries.
    #[inline]
    pub(crate) fn reserve_one(&mut self) {
        if (self.len + 1) * 2 > self.entries.len() {
            self.grow();
        }
    }

    /// Records `id -> slot` at `pos`, the position [`find`](Self::find) returned for `id`.
    #[inline]
    pub(crate) fn insert_at(&mut self, pos: usize, id: u64, slot: u32) {
        debug_assert_eq!(self.entries[pos].slot, NIL);
        self.entries[pos] = Entry {
            tag: tag_of(id),
            slot,
        };
        self.len += 1;
    }

    /// Where `id`'s entry is, and its pool slot.
    #[inline]
    pub(crate) fn locate(&self, id: u64, pool: &Pool) -> Option<(usize, u32)> {
        let tag = tag_of(id);
        let mut i = self.home(tag);
        loop {
            let e = self.entries[i];
            if e.slot == NIL {
                return None;
            }
            if e.tag == tag && pool.get(e.slot).id == id {
                return Some((i, e.slot));
            }
            i = (i + 1) & self.mask();
        }
    }

    /// Removes `id` and returns its pool slot.
    #[inline]
    pub(crate) fn remove(&mut self, id: u64, pool: &Pool) -> Option<u32> {
        let (at, slot) = self.locate(id, pool)?;
        self.remove_at(at);
        Some(slot)
    }

    /// Removes the entry at `at` (found by [`Index::locate`], with no change since).
    #[inline]
    pub(crate) fn remove_at(&mut self, at: usize) {
        let mask = self.mask();
        // Backward shift: walk the run after the hole; an entry moves into the hole unless
        // its home lies cyclically in (hole, here], where a lookup would never pass the
        // hole to reach it.
        let mut hole = at;
        let mut j = (at + 1) & mask;
        loop {
            let e = self.entries[j];
            if e.slot == NIL {
                break;
            }
            let home = self.home(e.tag);
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(hole) & mask) {
                self.entries[hole] = e;
                hole = j;
            }
            j = (j + 1) & mask;
        }
        self.entries[hole] = EMPTY;
        self.len -= 1;
    }

    /// Doubles the table. The tags hold 32 hash bits, so each entry's new home is known
    /// without touching the pool.
    #[cold]
    fn grow(&mut self) {
        assert!(self.bits < 32, "at most 2^31 resting orders");
        let old = std::mem::replace(
            &mut self.entries,
            vec![EMPTY; 1 << (self.bits + 1)].into_boxed_slice(),
        );
        self.bits += 1;
        let mask = self.mask();
        for e in old.iter().filter(|e| e.slot != NIL) {
            let mut i = self.home(e.tag);
            while self.entries[i].slot != NIL {
                i = (i + 1) & mask;
            }
            self.entries[i] = *e;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Side;
    use crate::pool::Node;

    /// Random inserts and removes on a tiny table (so that probe runs wrap around and the
    /// table grows) agree with a `HashMap`.
    #[test]
    fn agrees_with_a_hash_map() {
        let mut pool = Pool::with_capacity(0);
        let mut index = Index::with_capacity(1);
        let mut model = std::collections::HashMap::new();
        let mut x = 0x1234_5678_9abc_def0u64;
        for _ in 0..20_000 {
            // xorshift64
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Ids from a small range, and consecutive ones (what exchanges send).
            let id = if x.is_multiple_of(2) {
                x % 64
            } else {
                1_000 + x % 48
            };
            if x.is_multiple_of(3) {
                assert_eq!(index.remove(id, &pool), model.remove(&id), "remove {id}");
            } else {
                index.reserve_one();
                match index.find(id, &pool) {
                    Ok(slot) => assert_eq!(Some(&slot), model.get(&id)),
                    Err(at) => {
                        assert!(!model.contains_key(&id));
                        let slot = pool.alloc(Node::new(id, Side::Bid, 0, 1, NIL), 0);
                        index.insert_at(at, id, slot);
                        model.insert(id, slot);
                    }
                }
            }
            assert_eq!(index.len(), model.len());
            for probe in [0, 5, 63, 1_000, 1_047, 99_999] {
                assert_eq!(index.get(probe, &pool), model.get(&probe).copied());
            }
        }
    }
}
