//! Stage 3: the order book. The id index, the pool and the two ladders, kept in step; each
//! level's orders form a doubly linked FIFO threaded through the pool's nodes by index
//! (`head`/`tail` in the level, `prev`/`next` in each node).
//!
//! Every public method either does what it says or returns a [`BookError`] and leaves the
//! book exactly as it was: make every check before the first change.

use rustc_hash::FxHashMap;

use crate::ladder::Ladder;
use crate::pool::{Node, Pool};
use crate::{BookError, Hints, Level, Order, Side};

/// A market-by-order book: every resting order, by id, in price-time order.
///
/// Prices are integer ticks (any `i64`); quantities are `u64`. Every method either does
/// what it says or returns a [`BookError`] and leaves the book unchanged.
#[derive(Debug)]
pub struct OrderBook {
    /// Resting order id -> pool index. (`rustc_hash`'s FxHash is one multiply per id; std's
    /// default SipHash is built to resist attackers and costs several times more.)
    index: FxHashMap<u64, u32>,
    pool: Pool,
    bids: Ladder,
    asks: Ladder,
}

impl Default for OrderBook {
    fn default() -> Self {
        Self::new()
    }
}

impl OrderBook {
    /// An empty book with [`Hints::default`].
    pub fn new() -> Self {
        Self::with_hints(Hints::default())
    }

    /// An empty book sized by `hints` (see [`Hints`]).
    pub fn with_hints(hints: Hints) -> Self {
        // TODO: size the index and the pool for `hints.orders`, build both ladders.
        let _ = hints;
        todo!("OrderBook::with_hints")
    }

    /// Rests a new order at the back of its price level.
    ///
    /// # Errors
    ///
    /// [`BookError::ZeroQuantity`] if `qty` is 0; [`BookError::DuplicateOrder`] if an
    /// order with this id rests already.
    pub fn add(&mut self, id: u64, side: Side, price: i64, qty: u64) -> Result<(), BookError> {
        self.insert(id, side, price, qty, 0)
    }

    /// [`add`](Self::add) with an owner, for the matching engine's self-trade check.
    pub(crate) fn insert(
        &mut self,
        id: u64,
        side: Side,
        price: i64,
        qty: u64,
        owner: u32,
    ) -> Result<(), BookError> {
        // TODO: check, take a node from the pool, link it at the tail of its level's FIFO,
        // update the level's quantity and count, and index it.
        let _ = (id, side, price, qty, owner);
        todo!("OrderBook::insert")
    }

    /// Cancels `qty` of a resting order (ITCH's `X`). The order keeps its place in the
    /// queue; if nothing remains it leaves the book. Returns the quantity that remains.
    ///
    /// # Errors
    ///
    /// [`BookError::ZeroQuantity`], [`BookError::UnknownOrder`], or
    /// [`BookError::ExceedsRemaining`] if `qty` is more than remains.
    pub fn reduce(&mut self, id: u64, qty: u64) -> Result<u64, BookError> {
        // TODO
        let _ = (id, qty);
        todo!("OrderBook::reduce")
    }

    /// Trades `qty` of a resting order (ITCH's `E` and `C`): the same effect on the book as
    /// [`reduce`](Self::reduce); the order leaves when nothing remains. Returns the
    /// quantity that remains.
    ///
    /// # Errors
    ///
    /// As for [`reduce`](Self::reduce).
    pub fn execute(&mut self, id: u64, qty: u64) -> Result<u64, BookError> {
        // TODO
        let _ = (id, qty);
        todo!("OrderBook::execute")
    }

    /// Removes a resting order (ITCH's `D`) and returns it as it was.
    ///
    /// # Errors
    ///
    /// [`BookError::UnknownOrder`].
    pub fn delete(&mut self, id: u64) -> Result<Order, BookError> {
        // TODO
        let _ = id;
        todo!("OrderBook::delete")
    }

    /// Replaces a resting order by a new one on the same side (ITCH's `U`): the old order
    /// leaves, the new one joins the back of its level (it loses time priority, even at the
    /// same price). `new_id` may equal `old_id`.
    ///
    /// # Errors
    ///
    /// [`BookError::ZeroQuantity`], [`BookError::UnknownOrder`] for `old_id`,
    /// [`BookError::DuplicateOrder`] for `new_id`.
    pub fn replace(
        &mut self,
        old_id: u64,
        new_id: u64,
        price: i64,
        qty: u64,
    ) -> Result<(), BookError> {
        // TODO
        let _ = (old_id, new_id, price, qty);
        todo!("OrderBook::replace")
    }

    /// Takes node `i` off its level's FIFO (fixing the neighbours' links and the level's
    /// head, tail, quantity and count; deleting the level if it empties) and frees it. The
    /// caller has already removed it from the index.
    fn unlink(&mut self, i: u32) {
        // TODO
        let _ = i;
        todo!("OrderBook::unlink")
    }

    /// The highest bid level.
    pub fn best_bid(&self) -> Option<Level> {
        // TODO
        todo!("OrderBook::best_bid")
    }

    /// The lowest ask level.
    pub fn best_ask(&self) -> Option<Level> {
        // TODO
        todo!("OrderBook::best_ask")
    }

    /// The best `n` levels of one side, best first (fewer if the side has fewer).
    pub fn depth(&self, side: Side, n: usize) -> Vec<Level> {
        // TODO
        let _ = (side, n);
        todo!("OrderBook::depth")
    }

    /// The resting order with this id.
    pub fn order(&self, id: u64) -> Option<Order> {
        // TODO
        let _ = id;
        todo!("OrderBook::order")
    }

    /// The orders at one price, oldest (first to trade) first.
    pub fn orders_at(&self, side: Side, price: i64) -> Vec<Order> {
        // TODO: walk the level's FIFO from `head` along `next`.
        let _ = (side, price);
        todo!("OrderBook::orders_at")
    }

    /// Resting orders.
    pub fn len(&self) -> usize {
        // TODO
        todo!("OrderBook::len")
    }

    /// Whether no order rests.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    // --- For the matching engine (stage 4) ---------------------------------------------

    /// The oldest order at the best level of `side`: its pool index and a copy of it.
    pub(crate) fn front(&self, side: Side) -> Option<(u32, Node)> {
        // TODO
        let _ = side;
        todo!("OrderBook::front")
    }

    /// Trades `qty` (at most what rests) of the order at pool index `i`; it leaves the book
    /// when nothing remains.
    pub(crate) fn fill(&mut self, i: u32, qty: u64) {
        // TODO
        let _ = (i, qty);
        todo!("OrderBook::fill")
    }

    /// Whether an order with this id rests.
    pub(crate) fn contains(&self, id: u64) -> bool {
        self.index.contains_key(&id)
    }
}
