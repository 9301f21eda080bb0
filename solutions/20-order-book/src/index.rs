//! The id index: order id -> pool slot, in a table of 64-byte buckets of eight entries.
//!
//! Every operation on a resting order starts here, so this table is on the hot path of
//! every message. A general-purpose map (`HashMap<u64, u32>`, hashbrown) stores the key in
//! the table: 16 bytes per entry, plus a control byte, and a lookup reads a control group
//! and then a bucket, two cache lines. This table stores no key at all, and finds an entry
//! without a loop whose trip count depends on the data:
//!
//! - an entry is a *tag* and a *slot*: `slot` is the order's index in the pool, `tag` the
//!   high 32 bits of the id's hash with the lowest bit forced to 1 (so no tag is 0, the
//!   mark of an empty entry). The id itself is in the pool node, which the caller reads
//!   anyway; a lookup compares tags in the table and ids only on a tag match.
//! - the hash is Fibonacci hashing, `id * 0x9E37_79B9_7F4A_7C15` (2^64 divided by the
//!   golden ratio): one multiply, and consecutive ids (exchanges number orders
//!   consecutively) land far apart. An entry's *home bucket* is the top `bits` bits of its
//!   tag, so the table can find any entry's home, and grow, without reading the pool.
//! - a bucket is one cache line: eight tags, then eight slots, of which seven are entries
//!   and the eighth slot is the bucket's overflow count (below). A lookup compares all the
//!   tags at once (two SSE2 compares and a movemask, in `Bucket::matching`) and takes the
//!   first match. An earlier version of this table probed linearly
//!   entry by entry: whether the first probe hit was a coin toss the branch predictor lost
//!   on about one message in three (callgrind's branch simulation; see the chapter).
//! - a full bucket *overflows* into the next one. Each bucket counts the entries that
//!   passed it for that reason (as Folly's F14 tables do), so a lookup that finds nothing
//!   in a bucket whose count is 0 stops there: a miss costs one bucket too. The count
//!   lives in the bucket's own line (an earlier version kept the counts in an array of
//!   their own, one more cache line per add: callgrind counted 0.6 more L1 misses per
//!   message on the 64-stock replay than with the count in the bucket).
//!   Removing an entry just empties it and decrements the counts it had raised: no
//!   tombstones, so never a clean-up rehash (with hashbrown, churn fills the table with
//!   tombstones until it rehashes in place, an O(n) pause in the middle of the day).
//! - the table holds at most four entries per bucket on average (half its lanes, 4/7 of
//!   its entries), and grows (doubling: the only allocation) when an insert would pass
//!   that; sized for the capacity hint, it never grows. With four entries expected in
//!   seven places, overflows are rare.
//!
//! At 8 bytes per entry, the index of a book with 1,024 orders is 16 KiB: sixty-four books'
//! indices take 1 MiB together: more than the 512 KiB L2 of the Zen core the course was
//! measured on, far less than its 8 MiB L3.

use crate::pool::{NIL, Pool};

/// Tags (and slots) per bucket: one cache line of `u32`s, compared 8 at a time.
const LANES: usize = 8;
/// Entries per bucket: lane 7 is not an entry. Its tag stays 0 and is never compared; its
/// slot holds the bucket's overflow count.
const WAYS: usize = 7;
/// The lanes that are entries.
const ENTRY_LANES: u32 = (1 << WAYS) - 1;

/// Seven entries and an overflow count in one cache line. An empty entry has tag 0 (and
/// slot `NIL`).
#[derive(Debug, Clone, Copy)]
#[repr(C, align(64))]
struct Bucket {
    tags: [u32; LANES],
    slots: [u32; LANES],
}

const EMPTY: Bucket = Bucket {
    tags: [0; LANES],
    slots: [NIL; LANES],
};

impl Bucket {
    /// Bit `k` is set when entry `k` has tag `tag` (or, for `tag` 0, is empty).
    #[inline(always)]
    fn matching(&self, tag: u32) -> u32 {
        self.lanes_equal(tag) & ENTRY_LANES
    }

    /// Entries that overflowed past this bucket (see the module docs).
    #[inline(always)]
    fn overflow(&self) -> u32 {
        self.slots[WAYS]
    }

    /// Bit `k` is set when lane `k`'s tag is `tag`. No branch: on x86-64, two SSE2 compares
    /// of four tags each and a movemask.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn lanes_equal(&self, tag: u32) -> u32 {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi32, _mm_loadu_si128, _mm_movemask_epi8, _mm_packs_epi16,
            _mm_packs_epi32, _mm_set1_epi32, _mm_setzero_si128,
        };
        let p = self.tags.as_ptr().cast::<__m128i>();
        // SAFETY: `tags` is 8 `u32`s, 32 bytes: the two unaligned 16-byte loads read
        // `tags[0..4]` and `tags[4..8]`, inside the array. The intrinsics need SSE2, which
        // is part of the x86-64 baseline: every x86-64 CPU has it.
        unsafe {
            let t = _mm_set1_epi32(tag as i32);
            let lo = _mm_cmpeq_epi32(_mm_loadu_si128(p), t);
            let hi = _mm_cmpeq_epi32(_mm_loadu_si128(p.add(1)), t);
            // Each equal lane is all ones: pack 8 x 32 bits to 8 x 16, then to 8 bytes,
            // and take one bit per byte.
            let bytes = _mm_packs_epi16(_mm_packs_epi32(lo, hi), _mm_setzero_si128());
            _mm_movemask_epi8(bytes) as u32
        }
    }

    /// The same on other targets, as a plain loop (which compilers vectorise).
    #[cfg(not(target_arch = "x86_64"))]
    #[inline(always)]
    fn lanes_equal(&self, tag: u32) -> u32 {
        let mut mask = 0;
        for (k, &t) in self.tags.iter().enumerate() {
            mask |= u32::from(t == tag) << k;
        }
        mask
    }
}

/// 2^64 / golden ratio, odd.
const FIBONACCI: u64 = 0x9E37_79B9_7F4A_7C15;

#[derive(Debug)]
pub(crate) struct Index {
    /// The buckets. `buckets[b].overflow()` counts the entries whose home is at or before
    /// bucket `b` (cyclically) that live after it.
    buckets: Box<[Bucket]>,
    /// `buckets.len() == 1 << bits`.
    bits: u32,
    /// `32 - bits`: a tag's home bucket is `tag >> shift`.
    shift: u32,
    len: usize,
    /// The `len` past which the table grows: four entries per bucket.
    grow_at: usize,
}

/// A position in the table: bucket `pos / LANES`, entry `pos % LANES`.
pub(crate) type Pos = usize;

#[inline(always)]
fn tag_of(id: u64) -> u32 {
    (id.wrapping_mul(FIBONACCI) >> 32) as u32 | 1
}

impl Index {
    /// An index for `orders` ids before it grows.
    pub(crate) fn with_capacity(orders: usize) -> Self {
        let buckets = (orders.max(LANES) * 2).div_ceil(LANES).next_power_of_two();
        Self::with_buckets(buckets.trailing_zeros().min(28))
    }

    fn with_buckets(bits: u32) -> Self {
        debug_assert!((1..=28).contains(&bits), "`shift` must stay below 32");
        Self {
            buckets: vec![EMPTY; 1 << bits].into_boxed_slice(),
            bits,
            shift: 32 - bits,
            len: 0,
            grow_at: (1 << bits) * LANES / 2,
        }
    }

    #[inline(always)]
    fn mask(&self) -> usize {
        self.buckets.len() - 1
    }

    /// The home bucket of `tag`: its top `bits` bits.
    #[inline(always)]
    fn home(&self, tag: u32) -> usize {
        (tag >> self.shift) as usize
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Starts loading `id`'s home bucket into the cache (a hint: no effect on the result
    /// of anything).
    #[inline]
    pub(crate) fn prefetch(&self, id: u64) {
        let bucket: *const Bucket = &self.buckets[self.home(tag_of(id))];
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a prefetch is a hint that never faults and reads nothing into the
        // program; the pointer is to a live bucket anyway. SSE (for `_mm_prefetch`) is part
        // of the x86-64 baseline.
        unsafe {
            use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
            _mm_prefetch::<_MM_HINT_T0>(bucket.cast());
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = bucket;
    }

    /// Where `id` is, and its pool slot.
    #[inline(always)]
    pub(crate) fn locate(&self, id: u64, pool: &Pool) -> Option<(Pos, u32)> {
        let tag = tag_of(id);
        let mut b = self.home(tag);
        loop {
            let bucket = &self.buckets[b];
            let mut m = bucket.matching(tag);
            // Almost always one bit, or none: two ids share a 32-bit tag once in 2^32.
            while m != 0 {
                let k = m.trailing_zeros() as usize;
                let slot = bucket.slots[k];
                if pool.get(slot).id == id {
                    return Some((b * LANES + k, slot));
                }
                m &= m - 1;
            }
            if bucket.overflow() == 0 {
                return None;
            }
            b = (b + 1) & self.mask();
        }
    }

    /// Where `id` is: `Ok(pool slot)`, or `Err(position)` of the empty entry where
    /// [`insert_at`](Self::insert_at) puts it.
    #[inline(always)]
    pub(crate) fn find(&self, id: u64, pool: &Pool) -> Result<u32, Pos> {
        let tag = tag_of(id);
        let home = self.home(tag);
        let bucket = &self.buckets[home];
        // The common case of an add: no tag matches in the home bucket, nothing ever
        // overflowed from it (so the id is nowhere), and it has room. One cache line.
        if bucket.matching(tag) == 0 && bucket.overflow() == 0 {
            let empty = bucket.matching(0);
            if empty != 0 {
                return Err(home * LANES + empty.trailing_zeros() as usize);
            }
        }
        self.find_slow(id, tag, pool)
    }

    #[inline(never)]
    fn find_slow(&self, id: u64, tag: u32, pool: &Pool) -> Result<u32, Pos> {
        match self.locate(id, pool) {
            Some((_, slot)) => Ok(slot),
            None => Err(self.vacancy(tag)),
        }
    }

    /// The first empty entry in the probe sequence of `tag`. There is one: the table is at
    /// most 4/7 full.
    #[inline]
    fn vacancy(&self, tag: u32) -> Pos {
        let mut b = self.home(tag);
        loop {
            let empty = self.buckets[b].matching(0);
            if empty != 0 {
                return b * LANES + empty.trailing_zeros() as usize;
            }
            b = (b + 1) & self.mask();
        }
    }

    /// The pool slot of `id`.
    #[inline]
    pub(crate) fn get(&self, id: u64, pool: &Pool) -> Option<u32> {
        self.locate(id, pool).map(|(_, slot)| slot)
    }

    /// Makes room for one more id (growing if the table would pass four entries a bucket
    /// on average). Call it before [`find`](Self::find) when you may insert: growing moves
    /// entries.
    #[inline]
    pub(crate) fn reserve_one(&mut self) {
        // `>=`, not `==`: cheap insurance should an insert ever skip this call.
        if self.len >= self.grow_at {
            self.grow();
        }
    }

    /// Records `id -> slot` at `pos`, the position [`find`](Self::find) returned for `id`.
    #[inline]
    pub(crate) fn insert_at(&mut self, pos: Pos, id: u64, slot: u32) {
        self.put(pos, tag_of(id), slot);
    }

    #[inline(always)]
    fn put(&mut self, pos: Pos, tag: u32, slot: u32) {
        let (b, k) = (pos / LANES, pos % LANES);
        debug_assert!(k < WAYS && self.buckets[b].tags[k] == 0);
        self.buckets[b].tags[k] = tag;
        self.buckets[b].slots[k] = slot;
        // Every bucket from the home up to (not including) this one was passed.
        let mut h = self.home(tag);
        while h != b {
            self.buckets[h].slots[WAYS] += 1;
            h = (h + 1) & self.mask();
        }
        self.len += 1;
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
    pub(crate) fn remove_at(&mut self, at: Pos) {
        let (b, k) = (at / LANES, at % LANES);
        let tag = self.buckets[b].tags[k];
        debug_assert_ne!(tag, 0, "an occupied entry");
        self.buckets[b].tags[k] = 0;
        self.buckets[b].slots[k] = NIL;
        let mut h = self.home(tag);
        while h != b {
            self.buckets[h].slots[WAYS] -= 1;
            h = (h + 1) & self.mask();
        }
        self.len -= 1;
    }

    /// Doubles the table. The tags hold 32 hash bits, so each entry's new home is known
    /// without touching the pool.
    #[cold]
    fn grow(&mut self) {
        assert!(self.bits < 28, "at most 2^30 resting orders");
        let old = std::mem::replace(self, Self::with_buckets(self.bits + 1));
        for bucket in old.buckets.iter() {
            for (&tag, &slot) in bucket.tags.iter().zip(&bucket.slots) {
                if tag != 0 {
                    let pos = self.vacancy(tag);
                    self.put(pos, tag, slot);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Side;
    use crate::pool::Node;

    /// Random inserts and removes on a tiny table (so that buckets overflow, probe runs
    /// wrap around and the table grows) agree with a `HashMap`.
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

    /// Ids that all share one home bucket: every insert past the seventh overflows, and the
    /// counts must come back to zero when they leave, in any order.
    #[test]
    fn overflow_counts_rise_and_fall() {
        let mut pool = Pool::with_capacity(0);
        let mut index = Index::with_capacity(64);
        // Ids whose tags have the same top bits (the same home bucket).
        let home = |id: u64| index.home(tag_of(id));
        let ids: Vec<u64> = (0..u64::MAX).filter(|&id| home(id) == 3).take(20).collect();
        let mut slots = Vec::new();
        for &id in &ids {
            index.reserve_one();
            let at = index.find(id, &pool).expect_err("new");
            let slot = pool.alloc(Node::new(id, Side::Ask, 0, 1, NIL), 0);
            index.insert_at(at, id, slot);
            slots.push(slot);
        }
        assert!(
            index.buckets[3].overflow() >= 13,
            "twenty ids in seven ways overflow"
        );
        for (&id, &slot) in ids.iter().zip(&slots).rev().step_by(2) {
            assert_eq!(index.remove(id, &pool), Some(slot));
        }
        for (&id, &slot) in ids.iter().zip(&slots).rev().skip(1).step_by(2) {
            assert_eq!(
                index.get(id, &pool),
                Some(slot),
                "still found after removals"
            );
            assert_eq!(index.remove(id, &pool), Some(slot));
        }
        assert_eq!(index.len(), 0);
        assert!(
            index.buckets.iter().all(|b| b.overflow() == 0),
            "every count back to 0"
        );
    }
}
