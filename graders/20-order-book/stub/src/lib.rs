//! Exercise 20: a market-by-order book and a matching engine on an array price ladder, and
//! the replay of Nasdaq ITCH 5.0 into one book per stock.
//!
//! Read the chapter first: `cargo xtask book --open`, then "20 Order book".
//!
//! You build, in this order (each stage has its own `// TODO`s):
//!
//! 1. The pool (`src/pool.rs`): every resting order in one preallocated `Vec`,
//!    recycled through a free list.
//! 2. The ladder (`src/ladder.rs`): one side of the book as an array of price levels
//!    around the touch, a bitmap of occupied levels, and a sorted vector for far prices.
//! 3. [`OrderBook`] (`src/book.rs`): the id index, the pool and the two ladders kept in
//!    step, with an intrusive FIFO of orders per level.
//! 4. [`Engine`] (`src/engine.rs`): limit, market and IOC orders matched in price-time
//!    priority on the same book.
//! 5. [`Replay::apply`] (`src/replay.rs`): ITCH messages turned into book operations. The
//!    decoder (the `course-itch` crate) and the `replay` command are given.
//!
//! The public API (this file, and the public items of `book.rs`, `engine.rs` and
//! `replay.rs`) is what the hidden tests use: keep it. Everything private is a suggestion
//! that follows the reference solution's layout; change it as you like.
//!
//! Check your work with `cargo xtask check 20-order-book`; ask for a hint with
//! `cargo xtask hint 20-order-book`; replay a session with
//! `cargo run --release -p order-book --bin replay`.

#![warn(missing_docs)]
// The stub compiles before you have written anything; this keeps the compiler quiet about
// the fields and helpers you have not used yet. Delete it when you are done.
#![allow(dead_code)]

mod book;
mod engine;
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
