//! One side of the book: an array price ladder around the touch, and a sorted vector for
//! everything else.
//!
//! # Keys: one code path for both sides
//!
//! The best bid is the *highest* price and the best ask the *lowest*. Rather than write
//! every scan twice, the ladder works on a *key* that is smaller when the price is better:
//! `key = price` for asks and `key = !price` (that is, `-price - 1`) for bids. `!` is its
//! own inverse, reverses the order of all `i64`s and, unlike `-`, never overflows. "Best"
//! is then always "lowest key", and the next best level is always the next set bit.
//!
//! # The window
//!
//! `slots[i]` is the level whose key is `base + i * tick`; bit `i` of `bits` says whether
//! it has orders. A key is in the window when it is on the grid (`key ≡ base (mod tick)`)
//! and `0 <= (key - base) / tick < slots.len()`. Finding a level is a subtraction and a
//! division; finding the best level is one cached index (`first`); finding the next best
//! after the best empties is a scan of the bitmap from there, 64 levels per word.
//!
//! Every other level (behind the window, or off the grid) lives in `far`, a vector sorted by
//! key: insertion shifts the levels after it, which is cheap because there are few.
//!
//! # Moving the window
//!
//! The window is placed when the first level arrives, with the touch `LEAD = len / 8`
//! slots from its front (room for the price to improve) and the rest behind it, where
//! orders gather. When a new level is better than every level in the window and in front of
//! it, or the window is empty, the window moves: levels that fall out go to `far`, far
//! levels that fall in come back. That costs O(`len` + `far`) once per `len / 8` ticks of
//! price movement, and never allocates once `far` has reached its peak size.

use crate::Side;

/// The aggregate of one price level and the ends of its FIFO (pool indices).
///
/// All-zero is an empty level: no quantity, no orders, and `head` and `tail` both `NIL`
/// (index 0), which the book relies on to link its first order without a branch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct LevelData {
    pub(crate) qty: u64,
    pub(crate) count: u32,
    /// The oldest order: the first to trade.
    pub(crate) head: u32,
    /// The youngest order: where new orders join.
    pub(crate) tail: u32,
}

/// Where a level is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Loc {
    /// In the window, at this slot.
    Slot(usize),
    /// In `far`, at this index.
    Far(usize),
}

#[derive(Debug)]
pub(crate) struct Ladder {
    bid: bool,
    tick: u64,
    /// `ceil(2^64 / tick)` (for `tick` >= 2): the quotient `d / tick` of an in-window
    /// difference is then `(d * magic) >> 64`, one multiplication instead of a 64-bit
    /// division (14 to 46 cycles of latency on the Zen core this course was measured on, by
    /// Agner Fog's instruction tables). Lemire, Kaser and Kurz, "Faster Remainder by Direct
    /// Computation" (2019). `slot_of` says why the result is exact where it matters.
    magic: u64,
    /// Keys on the grid are congruent to this, modulo `tick`.
    phase: i64,
    /// The key of `slots[0]`.
    base: i64,
    slots: Box<[LevelData]>,
    bits: Box<[u64]>,
    /// The lowest occupied slot, or `slots.len()` when the window is empty.
    first: usize,
    /// Occupied slots.
    occupied: usize,
    /// Levels outside the window, sorted by key.
    far: Vec<(i64, LevelData)>,
}

impl Ladder {
    pub(crate) fn new(side: Side, levels: usize, tick: i64) -> Self {
        let n = levels.max(64).div_ceil(64) * 64;
        let tick = tick.max(1);
        let bid = side == Side::Bid;
        // The grid is the multiples of `tick` in price; in key space that is
        // key(0) modulo tick.
        let phase = if bid { !0i64 } else { 0 }.rem_euclid(tick);
        // For a power of two, u64::MAX / tick + 1 is 2^64 / tick exactly; otherwise it is
        // floor(2^64 / tick) + 1. Both are ceil(2^64 / tick), which fits a u64 from tick 2
        // on; tick 1 needs no division.
        let magic = if tick > 1 {
            u64::MAX / tick as u64 + 1
        } else {
            0
        };
        Self {
            bid,
            tick: tick as u64,
            magic,
            phase,
            base: phase,
            slots: vec![LevelData::default(); n].into_boxed_slice(),
            bits: vec![0u64; n / 64].into_boxed_slice(),
            first: n,
            occupied: 0,
            far: Vec::with_capacity(64),
        }
    }

    /// The key of `price` on this side (see the module docs); also its own inverse.
    #[inline(always)]
    fn key(&self, price: i64) -> i64 {
        if self.bid { !price } else { price }
    }

    #[inline(always)]
    fn len(&self) -> usize {
        self.slots.len()
    }

    /// The window slot of `key`, if it has one.
    ///
    /// `q = (d * magic) >> 64` is `d / tick` when `d` is a multiple of `tick`, and at most
    /// one more than `d / tick` (rounded down) otherwise, for every `d` below 2^64: with
    /// `magic = (2^64 + e) / tick`, `0 <= e < tick`, the product over 2^64 is
    /// `d / tick + d * e / (tick * 2^64)`, and the second term is below 1. So `q * tick == d`
    /// (wrapping) holds exactly when `d` is on the grid, and then `q` is the slot if it is
    /// below `len`: two multiplications and two comparisons, no division and no special
    /// case for large `d`.
    #[inline(always)]
    fn slot_of(&self, key: i64) -> Option<usize> {
        if key < self.base {
            return None;
        }
        // Exact even when the difference does not fit an i64: key >= base.
        let d = key.wrapping_sub(self.base) as u64;
        let q = if self.tick == 1 {
            d
        } else {
            ((u128::from(d) * u128::from(self.magic)) >> 64) as u64
        };
        (q < self.len() as u64 && q.wrapping_mul(self.tick) == d).then_some(q as usize)
    }

    #[inline(always)]
    fn slot_key(&self, slot: usize) -> i64 {
        self.base
            .wrapping_add((slot as u64).wrapping_mul(self.tick) as i64)
    }

    /// Where the level at `price` is, if it exists.
    #[inline]
    pub(crate) fn find(&self, price: i64) -> Option<Loc> {
        let key = self.key(price);
        if let Some(s) = self.slot_of(key) {
            return (self.slots[s].count > 0).then_some(Loc::Slot(s));
        }
        self.far
            .binary_search_by_key(&key, |e| e.0)
            .ok()
            .map(Loc::Far)
    }

    #[inline(always)]
    pub(crate) fn at(&self, loc: Loc) -> &LevelData {
        match loc {
            Loc::Slot(s) => &self.slots[s],
            Loc::Far(i) => &self.far[i].1,
        }
    }

    #[inline(always)]
    pub(crate) fn at_mut(&mut self, loc: Loc) -> &mut LevelData {
        match loc {
            Loc::Slot(s) => &mut self.slots[s],
            Loc::Far(i) => &mut self.far[i].1,
        }
    }

    /// The price of the level at `loc`.
    #[inline]
    pub(crate) fn price_at(&self, loc: Loc) -> i64 {
        let key = match loc {
            Loc::Slot(s) => self.slot_key(s),
            Loc::Far(i) => self.far[i].0,
        };
        self.key(key)
    }

    /// The level at `price`, created empty if it does not exist (moving the window if the
    /// price calls for it). The caller puts an order in it straight away.
    #[inline]
    pub(crate) fn entry(&mut self, price: i64) -> Loc {
        let key = self.key(price);
        if let Some(s) = self.slot_of(key) {
            if self.slots[s].count == 0 {
                self.bits[s / 64] |= 1 << (s % 64);
                self.occupied += 1;
                self.first = self.first.min(s);
            }
            return Loc::Slot(s);
        }
        self.entry_outside(key)
    }

    #[cold]
    fn entry_outside(&mut self, key: i64) -> Loc {
        let on_grid = key.rem_euclid(self.tick as i64) == self.phase;
        if on_grid && (self.occupied == 0 || key < self.base) {
            self.recenter(key);
            let s = self.slot_of(key).expect("the window now holds the key");
            // The level may have existed in `far` and moved in with the window.
            if self.slots[s].count == 0 {
                self.bits[s / 64] |= 1 << (s % 64);
                self.occupied += 1;
                self.first = self.first.min(s);
            }
            return Loc::Slot(s);
        }
        match self.far.binary_search_by_key(&key, |e| e.0) {
            Ok(i) => Loc::Far(i),
            Err(i) => {
                self.far.insert(i, (key, LevelData::default()));
                Loc::Far(i)
            }
        }
    }

    /// Deletes the level at `loc`, which has no orders left.
    #[inline]
    pub(crate) fn remove(&mut self, loc: Loc) {
        match loc {
            Loc::Slot(s) => {
                debug_assert_eq!(self.slots[s].count, 0);
                self.slots[s] = LevelData::default();
                self.bits[s / 64] &= !(1 << (s % 64));
                self.occupied -= 1;
                if s == self.first {
                    self.first = self.next_occupied(s + 1);
                }
            }
            Loc::Far(i) => {
                self.far.remove(i);
            }
        }
    }

    /// The first occupied slot at or after `from`, or `len()`.
    #[inline]
    fn next_occupied(&self, from: usize) -> usize {
        let mut w = from / 64;
        if w >= self.bits.len() {
            return self.len();
        }
        let mut word = self.bits[w] & (!0u64 << (from % 64));
        loop {
            if word != 0 {
                return w * 64 + word.trailing_zeros() as usize;
            }
            w += 1;
            if w == self.bits.len() {
                return self.len();
            }
            word = self.bits[w];
        }
    }

    /// The best level.
    #[inline]
    pub(crate) fn best(&self) -> Option<Loc> {
        let window = (self.first < self.len()).then(|| (self.slot_key(self.first), self.first));
        match (window, self.far.first()) {
            (Some((wk, s)), Some(&(fk, _))) => {
                Some(if wk < fk { Loc::Slot(s) } else { Loc::Far(0) })
            }
            (Some((_, s)), None) => Some(Loc::Slot(s)),
            (None, Some(_)) => Some(Loc::Far(0)),
            (None, None) => None,
        }
    }

    /// Every level, best first: the window's slots and `far`, merged by key.
    pub(crate) fn levels(&self) -> impl Iterator<Item = Loc> + '_ {
        let mut slot = self.first;
        let mut far = 0usize;
        std::iter::from_fn(move || {
            let wk = (slot < self.len()).then(|| self.slot_key(slot));
            let fk = self.far.get(far).map(|e| e.0);
            let take_window = match (wk, fk) {
                (Some(w), Some(f)) => w < f,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => return None,
            };
            if take_window {
                let here = slot;
                slot = self.next_occupied(slot + 1);
                Some(Loc::Slot(here))
            } else {
                far += 1;
                Some(Loc::Far(far - 1))
            }
        })
    }

    /// Moves the window so that `key` (on the grid) lands `LEAD` slots from its front.
    fn recenter(&mut self, key: i64) {
        let n = self.len();
        let tick = i128::from(self.tick as i64);
        let lead = (n / 8) as i128;
        let mut nb = i128::from(key) - lead * tick;
        if nb < i128::from(i64::MIN) {
            nb = i128::from(key) - ((i128::from(key) - i128::from(i64::MIN)) / tick) * tick;
        }
        let new_base = nb as i64;
        let shift = (i128::from(new_base) - i128::from(self.base)) / tick;
        self.base = new_base;
        if self.occupied > 0 {
            self.shift_window(shift);
        }
        // Far levels that the window now covers move in.
        let (slots, bits) = (&mut self.slots, &mut self.bits);
        let (base, step) = (self.base, self.tick);
        self.far.retain(|&(k, data)| {
            if k < base {
                return true;
            }
            let d = k.wrapping_sub(base) as u64;
            if !d.is_multiple_of(step) || d / step >= n as u64 {
                return true;
            }
            let s = (d / step) as usize;
            slots[s] = data;
            bits[s / 64] |= 1 << (s % 64);
            false
        });
        self.occupied = self.bits.iter().map(|w| w.count_ones() as usize).sum();
        self.first = self.next_occupied(0);
    }

    /// Moves every occupied slot `shift` slots toward the front (a negative shift moves
    /// them back); those that fall off either end go to `far`. In place: slots are visited
    /// in the order that never overwrites one not yet moved.
    fn shift_window(&mut self, shift: i128) {
        let n = self.len() as i128;
        let words = self.bits.len();
        for i in 0..words {
            let w = if shift > 0 { i } else { words - 1 - i };
            let mut word = std::mem::take(&mut self.bits[w]);
            while word != 0 {
                let bit = if shift > 0 {
                    word.trailing_zeros() as usize
                } else {
                    63 - word.leading_zeros() as usize
                };
                word &= !(1u64 << bit);
                let s = w * 64 + bit;
                let data = std::mem::take(&mut self.slots[s]);
                let t = s as i128 - shift;
                if (0..n).contains(&t) {
                    let t = t as usize;
                    self.slots[t] = data;
                    self.bits[t / 64] |= 1 << (t % 64);
                } else {
                    // The old window's key for slot s, which is off the new window.
                    let key = (i128::from(self.base) + (t * i128::from(self.tick as i64))) as i64;
                    let at = self.far.partition_point(|e| e.0 < key);
                    self.far.insert(at, (key, data));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `slot_of` by the definition: wide arithmetic and a real division.
    fn slot_by_division(ladder: &Ladder, key: i64) -> Option<usize> {
        let d = i128::from(key) - i128::from(ladder.base);
        let tick = i128::from(ladder.tick);
        (d >= 0 && d % tick == 0 && d / tick < ladder.len() as i128).then(|| (d / tick) as usize)
    }

    #[test]
    fn slot_of_agrees_with_division_for_every_tick_and_distance() {
        let mut rng = course_itch::session::SplitMix64::new(0x9e37_79b9_7f4a_7c15);
        let mut random = move || rng.next_u64() as i64;
        let ticks = [
            1,
            2,
            3,
            7,
            100,
            1 << 20,
            (1 << 32) + 1,
            (1 << 40) + 3,
            i64::MAX / 3,
            i64::MAX,
        ];
        for tick in ticks {
            let mut ladder = Ladder::new(Side::Ask, 64, tick);
            for base in [
                0,
                -5 * (tick % 1_000),
                i64::MIN + 7,
                i64::MAX - 64,
                random(),
            ] {
                ladder.base = base;
                let mut keys = vec![i64::MIN, i64::MAX, 0, -1];
                for k in 0..70i64 {
                    let on = base.wrapping_add(k.wrapping_mul(tick));
                    keys.extend([on, on.wrapping_add(1), on.wrapping_sub(1)]);
                }
                keys.extend((0..200).map(|_| random()));
                for key in keys {
                    assert_eq!(
                        ladder.slot_of(key),
                        slot_by_division(&ladder, key),
                        "tick {tick}, base {base}, key {key}"
                    );
                }
            }
        }
    }
}
