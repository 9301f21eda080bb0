//! Reference solution for exercise 20: a market-by-order book and a matching engine on an
//! array price ladder, and the replay of Nasdaq ITCH 5.0 into one book per stock.
//!
//! # The data structures
//!
//! ```text
//!   id ──hash──▶ index: buckets of 8 (tag, slot) ──▶ pool: Vec<Node>  (free list; node 0: sink)
//!                                                   │ prev/next: u32 indices (intrusive FIFO)
//!   price ──(price - base) / tick──▶ ladder slot ──▶ LevelData { qty, count, head, tail }
//!                 (outside the window, or off the tick grid: a sorted Vec, `far`)
//! ```
//!
//! - **Orders** live in one `Vec<Node>` (`pool.rs`), allocated up front from the capacity
//!   hint and recycled through a free list; a node is found from its id by an
//!   open-addressing table of 8-byte entries, eight to a cache-line bucket compared at once
//!   (`index.rs`), that keeps no keys: the id is in the node. Nothing on the hot path
//!   allocates once the book has reached its peak size.
//! - **No branch on the data where a select will do.** Node 0 is a sink that absorbs the
//!   links of a missing neighbour, so unlinking an order does not ask whether it was first
//!   or last at its level (`pool.rs`, `OrderBook::unlink`): the predictor cannot learn that
//!   answer, and a mispredicted branch costs about as much as a load that misses the L1
//!   cache and finds its line in L2.
//! - **Levels** live in an array indexed by price (`ladder.rs`): a window of `levels` ticks
//!   placed around the touch, so finding the level of a price is a subtraction and a
//!   division, not a tree search. A bitmap of occupied slots finds the next best level when
//!   the best one empties (64 levels per word, `trailing_zeros`). Prices outside the window
//!   or off the tick grid go to a small sorted vector, so *any* `i64` price works; the
//!   window moves when the touch leaves it.
//! - **Time priority** within a level is a doubly linked FIFO threaded through the nodes by
//!   index (*intrusive*: the links live in the orders themselves), so adding at the back and
//!   removing from anywhere are O(1) with no allocation.
//!
//! # Invariants
//!
//! 1. `index` maps exactly the resting orders' ids to their pool slots; except in a book
//!    fed by a [`Replay`], whose recent orders are found through the replay's table of
//!    recent order numbers instead (`day.rs`), and only its older ones through `index`.
//! 2. Every resting order is in exactly one level's FIFO: the level of its side and price;
//!    the FIFO is in arrival order (a replaced order arrives anew).
//! 3. A level's `qty` is the sum of its orders' quantities and `count` their number; a level
//!    with no order does not exist (its slot is empty and its bit clear, or it is not in
//!    `far`).
//! 4. Every operation either succeeds or returns a [`BookError`] and leaves the book
//!    exactly as it was: all checks come before the first change.
//!
//! # One writer
//!
//! The book is a plain single-threaded structure (`&mut self` for every change). In a
//! trading system one thread owns each book and applies every message to it; other threads
//! that need to *read* it (a strategy, a risk check) get a consistent copy of the top of
//! book through a seqlock (exercise 06), not by making every level field an atomic: two
//! Relaxed loads of price and quantity can come from two different updates and describe a
//! level that never existed.

#![warn(missing_docs)]

mod book;
mod day;
mod engine;
mod index;
mod ladder;
mod pool;
pub mod replay;

pub use book::OrderBook;
pub use engine::{Engine, Fill, NewOrder, OrderKind, Submitted, TimeInForce};
pub use replay::{Replay, ReplayError};

/// Which side of the book an order rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// Buy orders. The best bid is the highest price.
    Bid,
    /// Sell orders. The best ask is the lowest price.
    Ask,
}

impl Side {
    /// The other side.
    pub fn opposite(self) -> Side {
        match self {
            Side::Bid => Side::Ask,
            Side::Ask => Side::Bid,
        }
    }
}

/// One price level: the total quantity and the number of orders resting at one price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Level {
    /// The price, in ticks.
    pub price: i64,
    /// The sum of the resting orders' quantities.
    pub qty: u64,
    /// How many orders rest at this price.
    pub orders: u32,
}

/// A resting order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Order {
    /// Its id.
    pub id: u64,
    /// Its side.
    pub side: Side,
    /// Its price, in ticks.
    pub price: i64,
    /// Its remaining quantity (never 0 while it rests).
    pub qty: u64,
}

/// Why an operation was refused. The book is unchanged after any error.
///
/// Checks happen in this order: a zero quantity first, then unknown ids, then duplicate
/// ids, then quantities larger than what rests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BookError {
    /// No resting order has this id.
    UnknownOrder(u64),
    /// An order with this id is already resting.
    DuplicateOrder(u64),
    /// A quantity of zero: nothing to add, reduce or execute.
    ZeroQuantity,
    /// A reduction or execution of more than the order's remaining quantity.
    ExceedsRemaining {
        /// The order.
        id: u64,
        /// What rests.
        remaining: u64,
        /// What was asked for.
        requested: u64,
    },
}

impl std::fmt::Display for BookError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BookError::UnknownOrder(id) => write!(f, "no resting order has id {id}"),
            BookError::DuplicateOrder(id) => write!(f, "an order with id {id} is already resting"),
            BookError::ZeroQuantity => write!(f, "the quantity is zero"),
            BookError::ExceedsRemaining {
                id,
                remaining,
                requested,
            } => write!(
                f,
                "order {id} has {remaining} remaining; {requested} were asked for"
            ),
        }
    }
}

impl std::error::Error for BookError {}

/// Sizing hints. They never change what the book does, only how fast it does it and when
/// it allocates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hints {
    /// Orders that rest at once: the pool and the id index are allocated for this many, so
    /// nothing allocates until the book grows past it.
    pub orders: usize,
    /// Price levels per side in the array ladder: a window of this many ticks around the
    /// touch has O(1) access (rounded up to a multiple of 64).
    pub levels: usize,
    /// The price grid: the ladder holds prices that are multiples of `tick` (values below 1
    /// count as 1). Off-grid prices work too, more slowly.
    pub tick: i64,
}

impl Default for Hints {
    /// 1,024 orders, 1,024 levels, tick 1.
    fn default() -> Self {
        Self {
            orders: 1_024,
            levels: 1_024,
            tick: 1,
        }
    }
}
