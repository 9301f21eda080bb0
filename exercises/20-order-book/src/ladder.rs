//! Stage 2: one side of the book. An array of price levels (the *window*) around the
//! touch, a bitmap of which of them hold orders, and a sorted vector (`far`) for every
//! level outside the window or off the tick grid.
//!
//! # Keys: one code path for both sides
//!
//! The best bid is the *highest* price and the best ask the *lowest*. Work on a *key* that
//! is smaller when the price is better: `key = price` for asks, `key = !price` for bids
//! (`!` reverses the order of every `i64`, is its own inverse and never overflows, unlike
//! `-`). Then "best" is always "lowest key", and the next best level after slot `s` is the
//! next set bit after `s`.
//!
//! # The window
//!
//! `slots[i]` is the level whose key is `base + i * tick`, and bit `i` of `bits` says
//! whether it has orders. A key is in the window when `key >= base`, `(key - base) % tick
//! == 0` and `(key - base) / tick < slots.len()` (careful: `key - base` can overflow an
//! `i64`; as a `u64` it cannot, once you know `key >= base`). Keys on the grid are
//! congruent to `phase` modulo `tick`: the keys of prices that are multiples of `tick`.
//!
//! # Moving the window
//!
//! When a level must be created outside the window, put it in the window instead if the
//! key is on the grid and either the window is empty or the key is better than
//! `base` (the touch is moving out of the front of the window): move the window so that
//! the key lands `len / 8` slots from its front. Levels that fall out go to `far`; far
//! levels that fall in move to their slots. Otherwise the level goes to `far`, at its
//! sorted position. None of this may allocate once `far` has reached its peak size.

use crate::Side;

/// The aggregate of one price level and the ends of its FIFO (pool indices).
///
/// All-zero is an empty level; `head` and `tail` mean something only when `count > 0`.
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

/// One side of the book.
#[derive(Debug)]
pub(crate) struct Ladder {
    bid: bool,
    tick: u64,
    /// Keys on the grid are congruent to this, modulo `tick`.
    phase: i64,
    /// The key of `slots[0]`.
    base: i64,
    slots: Box<[LevelData]>,
    /// Bit `i % 64` of word `i / 64` is set when `slots[i]` has orders.
    bits: Box<[u64]>,
    /// The lowest occupied slot, or `slots.len()` when the window is empty.
    first: usize,
    /// How many slots are occupied.
    occupied: usize,
    /// Levels outside the window, sorted by key.
    far: Vec<(i64, LevelData)>,
}

impl Ladder {
    /// An empty side with a window of `levels` slots (rounded up to a multiple of 64, at
    /// least 64) on a grid of `tick` (at least 1).
    pub(crate) fn new(side: Side, levels: usize, tick: i64) -> Self {
        // TODO
        let _ = (side, levels, tick);
        todo!("Ladder::new")
    }

    /// The key of `price` on this side; also turns a key back into its price.
    #[inline(always)]
    fn key(&self, price: i64) -> i64 {
        if self.bid { !price } else { price }
    }

    /// Where the level at `price` is, if it has orders.
    pub(crate) fn find(&self, price: i64) -> Option<Loc> {
        // TODO: the window slot if the key is in the window and the slot is occupied;
        // else a binary search of `far`.
        let _ = price;
        todo!("Ladder::find")
    }

    /// The level at `loc`.
    pub(crate) fn at(&self, loc: Loc) -> &LevelData {
        // TODO
        let _ = loc;
        todo!("Ladder::at")
    }

    /// The level at `loc`, to change it.
    pub(crate) fn at_mut(&mut self, loc: Loc) -> &mut LevelData {
        // TODO
        let _ = loc;
        todo!("Ladder::at_mut")
    }

    /// The price of the level at `loc`.
    pub(crate) fn price_at(&self, loc: Loc) -> i64 {
        // TODO
        let _ = loc;
        todo!("Ladder::price_at")
    }

    /// The level at `price`, created empty (and marked occupied) if it does not exist,
    /// moving the window if the price calls for it (see the module docs). The caller puts
    /// an order in it straight away.
    pub(crate) fn entry(&mut self, price: i64) -> Loc {
        // TODO
        let _ = price;
        todo!("Ladder::entry")
    }

    /// Deletes the level at `loc`, which has no orders left: clears its bit, and if it was
    /// the first occupied slot, finds the next one.
    pub(crate) fn remove(&mut self, loc: Loc) {
        // TODO
        let _ = loc;
        todo!("Ladder::remove")
    }

    /// The best level: the better of the window's first occupied slot and `far`'s first
    /// entry.
    pub(crate) fn best(&self) -> Option<Loc> {
        // TODO
        todo!("Ladder::best")
    }

    /// Every level, best first: the occupied slots and `far`, merged by key.
    pub(crate) fn levels(&self) -> impl Iterator<Item = Loc> + '_ {
        // TODO: `std::iter::from_fn` with two cursors (the next occupied slot, the next
        // index in `far`) makes this a few lines.
        std::iter::from_fn(move || todo!("Ladder::levels"))
    }
}
