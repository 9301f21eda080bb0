//! The replay's table of recent orders: ITCH order number -> (stock, pool index), for the
//! last 65,536 numbers of the day.
//!
//! Nasdaq numbers orders in one sequence for the whole day and every stock, in increasing
//! order, and never reuses a number; and most cancels are of orders added moments before.
//! So a table *indexed by the number* has locality a hash table cannot have: the entries of
//! the last few hundred orders of all stocks together share a few cache lines, where a
//! hash table (one per book, `index.rs`) puts every new id in a random line on purpose. On
//! the 64-stock replay the hash index's bucket missed L2 on about half the messages (see
//! the chapter, "How to read it").
//!
//! # A window, and the books' own indices behind it
//!
//! The table is a ring of `W` entries holding the numbers `lo .. lo + W`: number `n` lives
//! in entry `n % W`. When a number at or past `lo + W` arrives, the window slides forward
//! (on a Nasdaq feed, one number per add), and the orders still resting in the entries it
//! leaves behind (those that outlived `W` numbers) move to their own book's hash index:
//! the table is a young generation, the books' indices the old one. So the table never
//! grows (allocated once: 65,536 entries of 8 bytes, 512 KiB) and memory follows the
//! resting orders, however many numbers the day hands out.
//!
//! How they move was measured three ways (the chapter has the figures): 4,096 numbers'
//! worth at a time was fast and left a pause of tens of microseconds every 8,000 messages;
//! 64 at a time, still a microsecond, above the textbook book's p99.9; one at a time, as
//! part of each add, no pause but each move waiting for its index miss, which took away
//! the 64-stock gain. So they move one at a time, and each add prefetches the index
//! bucket of the order that will leave [`AHEAD`] numbers later (`Recent::admit`).
//!
//! A feed whose numbers have gaps (a file filtered to a few stocks) jumps the window on
//! most adds, and each jump reads the entries it passes; after a few such jumps the replay
//! gives the ring up and puts every order in its book's index (`Recent::sparse`).
//!
//! Why 65,536: a bigger window keeps more long-lived orders out of the hash indices (on
//! the 64-stock replay, where a quarter of the deletes take any resting order, 2^18 and
//! 2^20 were a few per cent faster), but scatters them over more lines of the ring (on the
//! one-stock replay, whose book's index fits in L2, 2^20 was slower than the hash index
//! alone). The chapter has the measurements.
//!
//! Where an order is, by its number `n` (the replay keeps this true, `replay.rs`):
//!
//! - `n < lo` (old): in its book's index;
//! - `lo <= n < lo + W`: in the ring; or, only after a feed put one number on two stocks
//!   at once (not Nasdaq's, but the book must still behave as the book API says), the
//!   second of them in its book's index; the replay notes when that has happened;
//! - `n >= lo + W`: nowhere yet.
//!
//! An entry is `(locate + 1) << 32 | pool index`, 0 when empty.

/// Entries in the ring: a power of two.
const W: usize = 1 << 16;
/// The window, in numbers.
#[cfg(test)]
pub(crate) const WINDOW: u64 = W as u64;
const MASK: u64 = W as u64 - 1;

/// An order's place: its stock's locate code and its index in that book's pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Place {
    pub(crate) locate: u16,
    pub(crate) slot: u32,
}

impl Place {
    #[inline(always)]
    fn encode(self) -> u64 {
        (u64::from(self.locate) + 1) << 32 | u64::from(self.slot)
    }

    #[inline(always)]
    fn decode(e: u64) -> Option<Self> {
        (e != 0).then(|| Self {
            locate: ((e >> 32) - 1) as u16,
            slot: e as u32,
        })
    }
}

/// How many numbers ahead [`Recent::admit`] looks for the next order to leave the window,
/// so that its move to its book's index finds the bucket already loaded.
const AHEAD: u64 = 8;

/// What [`Recent::admit`] found.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Admit {
    /// The entry the number takes, if it is free.
    pub(crate) entry: Option<usize>,
    /// The order that left the window, with its number.
    pub(crate) left: Option<(u64, Place)>,
    /// The order that will leave it [`AHEAD`] numbers later.
    pub(crate) soon: Option<(u64, Place)>,
}

/// What the ring says about a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Look {
    /// In the window, and its entry is free.
    Free,
    /// In the window, and held.
    Held(Place),
    /// Behind the window: only a book's index can hold it.
    Old,
    /// Past the window: adding it slides the window.
    New,
}

#[derive(Debug)]
pub(crate) struct Recent {
    /// A fixed-size array, so that indexing it by `number & MASK` needs no bounds check.
    ring: Box<[u64; W]>,
    /// The oldest number the window holds.
    lo: u64,
    /// Numbers recorded, and jumps of the window to numbers more than two past its end: a feed
    /// whose numbers are sparse (one filtered to a few stocks, say) jumps on most adds,
    /// and the replay then gives up the ring ([`sparse`](Self::sparse)).
    inserts: u64,
    jumps: u64,
}

impl Default for Recent {
    fn default() -> Self {
        Self {
            ring: vec![0; W].into_boxed_slice().try_into().expect("W entries"),
            lo: 0,
            inserts: 0,
            jumps: 0,
        }
    }
}

impl Recent {
    /// The entry of `number`, if the window holds that number: a subtraction and a
    /// comparison.
    #[inline(always)]
    fn entry(&self, number: u64) -> Option<usize> {
        (number.wrapping_sub(self.lo) < W as u64).then_some((number & MASK) as usize)
    }

    /// The pool index of `number` if the ring holds it for the stock `locate`: the window
    /// check and one load.
    #[inline(always)]
    pub(crate) fn slot(&self, number: u64, locate: u16) -> Option<u32> {
        let e = self.ring[self.entry(number)?];
        (e >> 32 == u64::from(locate) + 1).then_some(e as u32)
    }

    /// The entry `number` takes, if it is in the window and free; for the number just past
    /// the window (the day's next, on a Nasdaq feed), after sliding the window by one. Also
    /// the order that left the window then, if any (the caller moves it to its book's
    /// index), and the one that will leave [`AHEAD`] numbers later, if any (the caller
    /// prefetches what that move will need). So the orders that outlive the window move one
    /// at a time, never in a pause, and their index misses overlap with the adds between.
    #[inline(always)]
    pub(crate) fn admit(&mut self, number: u64) -> Admit {
        if number.wrapping_sub(self.lo) == W as u64 {
            let k = (number & MASK) as usize;
            let leaving = self.lo;
            self.lo += 1;
            let next = leaving + AHEAD;
            return Admit {
                entry: Some(k),
                left: Place::decode(std::mem::take(&mut self.ring[k])).map(|p| (leaving, p)),
                soon: Place::decode(self.ring[(next & MASK) as usize]).map(|p| (next, p)),
            };
        }
        Admit {
            entry: self.vacancy(number),
            left: None,
            soon: None,
        }
    }

    /// The entry `number` takes, if it is in the window and free: the window check and one
    /// load.
    #[inline(always)]
    pub(crate) fn vacancy(&self, number: u64) -> Option<usize> {
        self.entry(number).filter(|&k| self.ring[k] == 0)
    }

    /// Records `place` in entry `k`, as [`vacancy`](Self::vacancy) returned it.
    #[inline(always)]
    pub(crate) fn insert_at(&mut self, k: usize, place: Place) {
        debug_assert_eq!(self.ring[k], 0);
        self.ring[k] = place.encode();
        self.inserts += 1;
    }

    /// Where `number` stands.
    #[inline(always)]
    pub(crate) fn look(&self, number: u64) -> Look {
        if let Some(k) = self.entry(number) {
            match Place::decode(self.ring[k]) {
                None => Look::Free,
                Some(p) => Look::Held(p),
            }
        } else if number < self.lo {
            Look::Old
        } else {
            Look::New
        }
    }

    /// The place of `number`, if the ring holds it.
    #[inline(always)]
    pub(crate) fn get(&self, number: u64) -> Option<Place> {
        match self.look(number) {
            Look::Held(p) => Some(p),
            _ => None,
        }
    }

    /// Records `number` (whose entry is free) at `place`.
    #[inline(always)]
    pub(crate) fn insert(&mut self, number: u64, place: Place) {
        debug_assert_eq!(self.look(number), Look::Free);
        self.insert_at((number & MASK) as usize, place);
    }

    /// Forgets `number` (held).
    #[inline(always)]
    pub(crate) fn remove(&mut self, number: u64) {
        debug_assert!(self.get(number).is_some());
        self.ring[(number & MASK) as usize] = 0;
    }

    /// Whether the numbers look sparse: after 4 jumps, more jumps than every other number
    /// recorded. A Nasdaq feed, whose numbers run without gaps, never jumps (but for its
    /// first number); a feed filtered to a few stocks jumps on nearly every add, and each
    /// jump costs a read of the entries it passes, up to the whole ring.
    pub(crate) fn sparse(&self) -> bool {
        self.jumps >= 4 && self.jumps * 2 > self.inserts
    }

    /// Empties the ring, handing every order it holds to `evict`.
    #[cold]
    pub(crate) fn evict_all(&mut self, evict: impl FnMut(&[(u64, Place)])) {
        let (lo, end) = (self.lo, self.lo.saturating_add(W as u64));
        self.evict_range(lo, end, evict);
    }

    /// Slides the window forward just far enough for `number` (new), however far: the slow
    /// path of [`admit`](Self::admit), for a number more than one past the window; hands
    /// every order still held in the entries it leaves to `evict`, with its number.
    #[cold]
    #[inline(never)]
    pub(crate) fn slide_to(&mut self, number: u64, evict: impl FnMut(&[(u64, Place)])) {
        debug_assert_eq!(self.look(number), Look::New);
        // How far past the window's end: 1 for the day's next number.
        let past = number - (self.lo + (W as u64 - 1));
        self.jumps += u64::from(past > 2);
        let lo = number - (W as u64 - 1);
        // The numbers that leave: `self.lo .. lo`, at most a whole ring's worth.
        let end = lo.min(self.lo + W as u64);
        self.evict_range(self.lo, end, evict);
        self.lo = lo;
    }

    /// Empties the entries of the numbers `from .. to`, handing their orders to `evict` 64
    /// at most at a time, so that the caller can prefetch what it needs for all of them
    /// before it moves any (their misses then overlap). An empty entry is only read:
    /// writing it would dirty every line a long jump passes.
    fn evict_range(&mut self, from: u64, to: u64, mut evict: impl FnMut(&[(u64, Place)])) {
        let mut batch = [(0u64, Place { locate: 0, slot: 0 }); 64];
        let mut len = 0;
        for n in from..to {
            let e = &mut self.ring[(n & MASK) as usize];
            if let Some(place) = Place::decode(*e) {
                *e = 0;
                batch[len] = (n, place);
                len += 1;
                if len == batch.len() {
                    evict(&batch);
                    len = 0;
                }
            }
        }
        if len > 0 {
            evict(&batch[..len]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use course_itch::session::SplitMix64;
    use std::collections::HashMap;

    /// Rising numbers with stragglers and some far jumps, mostly young removals as on a
    /// real day: every number is in the ring or was evicted exactly once, never both, and
    /// the ring agrees with a `HashMap` of the recent ones.
    #[test]
    fn holds_the_window_and_evicts_each_survivor_once() {
        let mut recent = Recent::default();
        let mut ring: HashMap<u64, Place> = HashMap::new();
        let mut evicted: HashMap<u64, Place> = HashMap::new();
        let mut live: Vec<u64> = Vec::new();
        let mut rng = SplitMix64::new(0x9e37_79b9_7f4a_7c15);
        let mut rand = move || rng.next_u64();
        let mut next = 0u64;
        for step in 0..400_000u32 {
            let r = rand();
            if live.len() < 3_000 && r % 3 != 0 {
                next += match r % 1_000 {
                    0 => W as u64 * (1 + r % 3) / 2, // a jump: half a ring or more
                    _ => 1 + r % 2,
                };
                let number = if r % 50 == 1 && next > 100 {
                    next - 100 // a straggler, behind the newest
                } else {
                    next
                };
                if ring.contains_key(&number) || evicted.contains_key(&number) {
                    continue;
                }
                let place = Place {
                    locate: (r >> 20) as u16,
                    slot: (r >> 40) as u32,
                };
                let mut evict = |batch: &[(u64, Place)]| {
                    assert!(!batch.is_empty() && batch.len() <= 64);
                    for &(n, p) in batch {
                        assert_eq!(ring.remove(&n), Some(p), "evicted {n} once, as held");
                        evicted.insert(n, p);
                    }
                };
                let look = recent.look(number);
                let admitted = recent.admit(number);
                if let Some((n, p)) = admitted.left {
                    evict(&[(n, p)]);
                }
                if let Some((n, p)) = admitted.soon {
                    assert_eq!(recent.look(n), Look::Held(p), "the order {n} will leave");
                }
                let k = match look {
                    _ if admitted.entry.is_some() => admitted.entry.unwrap(),
                    Look::Old => continue,
                    Look::Held(_) => unreachable!("numbers are not reused"),
                    Look::New => {
                        assert_eq!(recent.vacancy(number), None, "past the window");
                        recent.slide_to(number, &mut evict);
                        recent.vacancy(number).expect("in the window now, and free")
                    }
                    Look::Free => recent.vacancy(number).expect("free"),
                };
                recent.insert_at(k, place);
                ring.insert(number, place);
                live.push(number);
            } else if !live.is_empty() {
                let k = if r % 4 == 0 {
                    (rand() as usize) % live.len()
                } else {
                    live.len() - 1 - (rand() as usize) % live.len().min(32)
                };
                let number = live.swap_remove(k);
                if ring.remove(&number).is_some() {
                    recent.remove(number);
                } else {
                    assert!(evicted.remove(&number).is_some());
                    assert_eq!(recent.look(number), Look::Old, "evicted numbers are old");
                }
            }
            if step % 1_009 == 0 {
                for (&n, &p) in ring.iter().take(64) {
                    assert_eq!(recent.get(n), Some(p), "number {n}");
                    assert_eq!(recent.slot(n, p.locate), Some(p.slot));
                    assert_eq!(recent.slot(n, p.locate.wrapping_add(1)), None);
                }
                for &n in evicted.keys().take(64) {
                    assert_eq!(recent.get(n), None, "evicted {n}");
                }
                assert_eq!(recent.get(next + W as u64), None);
                assert_eq!(recent.get(u64::MAX), None);
            }
        }
        assert!(
            !evicted.is_empty(),
            "the test must make some orders outlive the window"
        );
        let held = recent.ring.iter().filter(|&&e| e != 0).count();
        assert_eq!(held, ring.len());
    }

    #[test]
    fn the_extremes_round_trip() {
        let mut recent = Recent::default();
        for (number, locate, slot) in [(0, 0, 0), (1, u16::MAX, u32::MAX), (u64::MAX, 7, 1)] {
            if recent.look(number) == Look::New {
                recent.slide_to(number, |_| {});
            }
            let place = Place { locate, slot };
            let k = recent.vacancy(number).expect("free");
            recent.insert_at(k, place);
            assert_eq!(recent.get(number), Some(place));
            recent.remove(number);
            assert_eq!(recent.get(number), None);
        }
        assert_eq!(recent.look(0), Look::Old);
    }
}
