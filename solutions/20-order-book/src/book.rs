//! The order book: the id index, the pool and the two ladders, kept in step.

use std::hint::select_unpredictable;

use crate::index::Index;
use crate::ladder::{Ladder, LevelData, Loc};
use crate::pool::{NIL, Node, Pool};
use crate::{BookError, Hints, Level, Order, Side};

/// A market-by-order book: every resting order, by id, in price-time order.
///
/// Prices are integer ticks (any `i64`); quantities are `u64`. Every method either does
/// what it says or returns a [`BookError`] and leaves the book unchanged.
#[derive(Debug)]
pub struct OrderBook {
    /// Resting order id -> pool index.
    index: Index,
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
        Self {
            index: Index::with_capacity(hints.orders),
            pool: Pool::with_capacity(hints.orders),
            bids: Ladder::new(Side::Bid, hints.levels, hints.tick),
            asks: Ladder::new(Side::Ask, hints.levels, hints.tick),
        }
    }

    // The side of an order is a coin toss on a real feed: the ladder is chosen by a select
    // (a conditional move), not a branch. Written as a `match`, the choice compiled to a
    // branch in some builds and not in others, and where it was a branch callgrind counted
    // it mispredicted on every other add (see the chapter, "Branches the predictor cannot
    // learn").
    #[inline(always)]
    fn ladder(&self, side: Side) -> &Ladder {
        select_unpredictable(side == Side::Bid, &self.bids, &self.asks)
    }

    #[inline(always)]
    fn ladder_mut(&mut self, side: Side) -> &mut Ladder {
        select_unpredictable(side == Side::Bid, &mut self.bids, &mut self.asks)
    }

    /// Rests a new order at the back of its price level.
    ///
    /// # Errors
    ///
    /// [`BookError::ZeroQuantity`] if `qty` is 0; [`BookError::DuplicateOrder`] if an
    /// order with this id rests already.
    #[inline]
    pub fn add(&mut self, id: u64, side: Side, price: i64, qty: u64) -> Result<(), BookError> {
        self.insert(id, side, price, qty, 0)
    }

    /// [`add`](Self::add) with an owner, for the matching engine's self-trade check.
    #[inline]
    pub(crate) fn insert(
        &mut self,
        id: u64,
        side: Side,
        price: i64,
        qty: u64,
        owner: u32,
    ) -> Result<(), BookError> {
        if qty == 0 {
            return Err(BookError::ZeroQuantity);
        }
        self.index.reserve_one();
        let Err(at) = self.index.find(id, &self.pool) else {
            return Err(BookError::DuplicateOrder(id));
        };
        let i = self.link(id, side, price, qty, owner);
        self.index.insert_at(at, id, i);
        Ok(())
    }

    /// Cancels `qty` of a resting order (ITCH's `X`). The order keeps its place in the
    /// queue; if nothing remains it leaves the book. Returns the quantity that remains.
    ///
    /// # Errors
    ///
    /// [`BookError::ZeroQuantity`], [`BookError::UnknownOrder`], or
    /// [`BookError::ExceedsRemaining`] if `qty` is more than remains.
    #[inline]
    pub fn reduce(&mut self, id: u64, qty: u64) -> Result<u64, BookError> {
        self.take(id, qty)
    }

    /// Trades `qty` of a resting order (ITCH's `E` and `C`): the same effect on the book as
    /// [`reduce`](Self::reduce); the order leaves when nothing remains. Returns the
    /// quantity that remains.
    ///
    /// # Errors
    ///
    /// As for [`reduce`](Self::reduce).
    #[inline]
    pub fn execute(&mut self, id: u64, qty: u64) -> Result<u64, BookError> {
        self.take(id, qty)
    }

    #[inline]
    fn take(&mut self, id: u64, qty: u64) -> Result<u64, BookError> {
        if qty == 0 {
            return Err(BookError::ZeroQuantity);
        }
        let Some((at, i)) = self.index.locate(id, &self.pool) else {
            return Err(BookError::UnknownOrder(id));
        };
        let left = self.take_at(i, id, qty)?;
        if left == 0 {
            self.index.remove_at(at);
        }
        Ok(left)
    }

    /// Removes a resting order (ITCH's `D`) and returns it as it was.
    ///
    /// # Errors
    ///
    /// [`BookError::UnknownOrder`].
    #[inline]
    pub fn delete(&mut self, id: u64) -> Result<Order, BookError> {
        let Some(i) = self.index.remove(id, &self.pool) else {
            return Err(BookError::UnknownOrder(id));
        };
        Ok(self.delete_at(i))
    }

    /// Replaces a resting order by a new one on the same side (ITCH's `U`): the old order
    /// leaves, the new one joins the back of its level (it loses time priority, even at the
    /// same price). `new_id` may equal `old_id`.
    ///
    /// # Errors
    ///
    /// [`BookError::ZeroQuantity`], [`BookError::UnknownOrder`] for `old_id`,
    /// [`BookError::DuplicateOrder`] for `new_id`.
    #[inline]
    pub fn replace(
        &mut self,
        old_id: u64,
        new_id: u64,
        price: i64,
        qty: u64,
    ) -> Result<(), BookError> {
        if qty == 0 {
            return Err(BookError::ZeroQuantity);
        }
        let Some((at, i)) = self.index.locate(old_id, &self.pool) else {
            return Err(BookError::UnknownOrder(old_id));
        };
        if new_id != old_id && self.index.get(new_id, &self.pool).is_some() {
            return Err(BookError::DuplicateOrder(new_id));
        }
        let node = *self.pool.get(i);
        let owner = self.pool.owner(i);
        self.index.remove_at(at);
        self.unlink(i);
        self.insert(new_id, node.side(), price, qty, owner)
            .expect("checked above: a new id and a positive quantity");
        Ok(())
    }

    /// Puts a new order at the back of its level and returns its pool index (the index,
    /// if any, is the caller's business).
    #[inline(always)]
    fn link(&mut self, id: u64, side: Side, price: i64, qty: u64, owner: u32) -> u32 {
        // Field by field, not `ladder_mut`, so that `self.pool` stays free to borrow.
        let ladder = select_unpredictable(side == Side::Bid, &mut self.bids, &mut self.asks);
        let loc = ladder.entry(price);
        let level = ladder.at_mut(loc);
        // An empty level's tail is NIL: the new order then has no predecessor, and the
        // link below goes into the pool's sink (see `pool.rs`): no branch on "was the level
        // empty?", only a select for the head.
        let prev = level.tail;
        let i = self
            .pool
            .alloc(Node::new(id, side, price, qty, prev), owner);
        self.pool.get_mut(prev).next = i;
        level.head = select_unpredictable(prev == NIL, i, level.head);
        level.tail = i;
        level.count += 1;
        level.qty += qty;
        i
    }

    /// Takes node `i` (already out of the index) off its level and frees it.
    #[inline]
    fn unlink(&mut self, i: u32) {
        let node = *self.pool.get(i);
        let bid = node.side() == Side::Bid;
        let ladder = select_unpredictable(bid, &mut self.bids, &mut self.asks);
        let loc = ladder
            .find(node.price)
            .expect("a resting order's level exists");
        let level = ladder.at_mut(loc);
        let (prev, next) = (node.prev(), node.next);
        // Whether the order is first or last at its level is not predictable, so there is
        // no branch on it: a missing neighbour is NIL, the pool's sink, which absorbs the
        // write; the level's ends change by selects (compiled to conditional moves).
        self.pool.get_mut(prev).next = next;
        // The next order rests at the same level, so on the same side: a plain store.
        self.pool.get_mut(next).set_prev_and_side(prev, &node);
        // (`select_unpredictable` tells the compiler to keep them selects: left alone, it
        // turned them back into branches, and callgrind counted a mispredicted one every
        // other delete.)
        level.head = select_unpredictable(prev == NIL, next, level.head);
        level.tail = select_unpredictable(next == NIL, prev, level.tail);
        level.qty -= node.qty;
        level.count -= 1;
        if level.count == 0 {
            ladder.remove(loc);
        }
        self.pool.free(i);
    }

    fn level(ladder: &Ladder, loc: Loc) -> Level {
        let d: &LevelData = ladder.at(loc);
        Level {
            price: ladder.price_at(loc),
            qty: d.qty,
            orders: d.count,
        }
    }

    /// The highest bid level.
    #[inline]
    pub fn best_bid(&self) -> Option<Level> {
        self.bids.best().map(|loc| Self::level(&self.bids, loc))
    }

    /// The lowest ask level.
    #[inline]
    pub fn best_ask(&self) -> Option<Level> {
        self.asks.best().map(|loc| Self::level(&self.asks, loc))
    }

    /// The best `n` levels of one side, best first (fewer if the side has fewer).
    pub fn depth(&self, side: Side, n: usize) -> Vec<Level> {
        let ladder = self.ladder(side);
        ladder
            .levels()
            .take(n)
            .map(|loc| Self::level(ladder, loc))
            .collect()
    }

    /// The resting order with this id.
    ///
    /// O(1) for orders this book indexes. A book fed by a [`Replay`](crate::Replay) has
    /// its recent orders found through the replay's ring of recent order numbers instead
    /// (see `replay.rs`); for those this scans the pool, and
    /// [`Replay::order`](crate::Replay::order) is the O(1) way.
    pub fn order(&self, id: u64) -> Option<Order> {
        let i = match self.index.get(id, &self.pool) {
            Some(i) => i,
            // Some resting orders are not in the index: look for it among them.
            None if self.pool.len() > self.index.len() => {
                self.pool.live().find(|(_, n)| n.id == id)?.0
            }
            None => return None,
        };
        Some(self.order_at(i))
    }

    /// The order at pool index `i` (a resting one).
    #[inline]
    pub(crate) fn order_at(&self, i: u32) -> Order {
        let n = self.pool.get(i);
        Order {
            id: n.id,
            side: n.side(),
            price: n.price,
            qty: n.qty,
        }
    }

    /// The orders at one price, oldest (first to trade) first.
    pub fn orders_at(&self, side: Side, price: i64) -> Vec<Order> {
        let ladder = self.ladder(side);
        let mut out = Vec::new();
        if let Some(loc) = ladder.find(price) {
            let mut i = ladder.at(loc).head;
            while i != NIL {
                let n = self.pool.get(i);
                out.push(Order {
                    id: n.id,
                    side,
                    price: n.price,
                    qty: n.qty,
                });
                i = n.next;
            }
        }
        out
    }

    /// Resting orders.
    pub fn len(&self) -> usize {
        self.pool.len()
    }

    /// Whether no order rests.
    pub fn is_empty(&self) -> bool {
        self.pool.len() == 0
    }

    // --- For the replay's ring of recent order numbers (`replay.rs`, `day.rs`) ----------
    //
    // The replay finds recent orders by their ITCH reference number in a table of its own,
    // which knows each order's pool index; these operations take that index and leave the
    // book's own index alone, and `adopt` moves an order into the index when it leaves the
    // replay's window. The replay keeps the ids unique within the book across both.

    /// Whether this book's own index holds `id` (one predictable branch while the index is
    /// empty).
    #[inline(always)]
    pub(crate) fn indexes(&self, id: u64) -> bool {
        self.index.len() != 0 && self.index.get(id, &self.pool).is_some()
    }

    /// Rests a new order without indexing it, and returns its pool index. The caller has
    /// checked that `qty` is positive and that no order with this id rests here.
    #[inline]
    pub(crate) fn add_unindexed(&mut self, id: u64, side: Side, price: i64, qty: u64) -> u32 {
        debug_assert!(qty != 0 && !self.indexes(id));
        self.link(id, side, price, qty, 0)
    }

    /// Starts loading the index bucket where [`adopt`](Self::adopt) will put `id`.
    #[inline]
    pub(crate) fn prefetch_index(&self, id: u64) {
        self.index.prefetch(id);
    }

    /// Indexes the unindexed order at pool index `i`, whose id is `id` (the replay's
    /// table evicting an order that outlived its window).
    #[inline]
    pub(crate) fn adopt(&mut self, id: u64, i: u32) {
        self.index.reserve_one();
        let Err(at) = self.index.find(id, &self.pool) else {
            unreachable!("the replay keeps ids unique within a book")
        };
        self.index.insert_at(at, id, i);
    }

    /// [`reduce`](Self::reduce) of the unindexed order at pool index `i` (whose id is
    /// `id`): returns what remains; at 0 the order has left the book.
    ///
    /// # Errors
    ///
    /// [`BookError::ZeroQuantity`] or [`BookError::ExceedsRemaining`]; the book is unchanged.
    #[inline]
    pub(crate) fn take_at(&mut self, i: u32, id: u64, qty: u64) -> Result<u64, BookError> {
        if qty == 0 {
            return Err(BookError::ZeroQuantity);
        }
        let node = *self.pool.get(i);
        debug_assert_eq!(node.id, id);
        if qty > node.qty {
            return Err(BookError::ExceedsRemaining {
                id,
                remaining: node.qty,
                requested: qty,
            });
        }
        if qty == node.qty {
            self.unlink(i);
            return Ok(0);
        }
        self.shrink(i, &node, qty);
        Ok(node.qty - qty)
    }

    /// Takes `qty` (less than it has) from the resting order at pool index `i`, whose node
    /// is `node`, and from its level.
    #[inline]
    fn shrink(&mut self, i: u32, node: &Node, qty: u64) {
        self.pool.get_mut(i).qty -= qty;
        let ladder = self.ladder_mut(node.side());
        let loc = ladder
            .find(node.price)
            .expect("a resting order's level exists");
        ladder.at_mut(loc).qty -= qty;
    }

    /// [`delete`](Self::delete) of the unindexed order at pool index `i`.
    #[inline]
    pub(crate) fn delete_at(&mut self, i: u32) -> Order {
        let order = self.order_at(i);
        self.unlink(i);
        order
    }

    // --- For the matching engine -------------------------------------------------------

    /// The oldest order at the best level of `side`: (pool index, node).
    #[inline]
    pub(crate) fn front(&self, side: Side) -> Option<(u32, Node)> {
        let ladder = self.ladder(side);
        let loc = ladder.best()?;
        let i = ladder.at(loc).head;
        Some((i, *self.pool.get(i)))
    }

    /// Who sent the order at pool index `i`.
    #[inline]
    pub(crate) fn owner_of(&self, i: u32) -> u32 {
        self.pool.owner(i)
    }

    /// Trades `qty` (at most what rests) of the order at pool index `i`.
    #[inline]
    pub(crate) fn fill(&mut self, i: u32, qty: u64) {
        let node = *self.pool.get(i);
        debug_assert!(qty <= node.qty);
        if qty == node.qty {
            self.index.remove(node.id, &self.pool);
            self.unlink(i);
        } else {
            self.shrink(i, &node, qty);
        }
    }

    /// Whether an order with this id rests.
    #[inline]
    pub(crate) fn contains(&self, id: u64) -> bool {
        self.index.get(id, &self.pool).is_some()
    }
}
