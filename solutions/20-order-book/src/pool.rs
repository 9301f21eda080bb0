//! The order pool: every resting order in one `Vec`, recycled through a free list.
//!
//! A node is named by its index (`u32`), never by a pointer: indices stay valid when the
//! vector grows, are half the size of a pointer (more links per cache line), and need no
//! `unsafe`. A freed node goes to the front of the free list, linked through its `next`
//! field; the next allocation takes it back. So after the book has once held its peak
//! number of orders, `alloc` never allocates.
//!
//! The pool has one owner (the book, on one thread), so the free list is a plain index. A
//! pool shared between threads needs a tagged index to defeat ABA (exercise 12); ERRATA row
//! 40 of the course notes is about a "pool" that was only a bump index and never freed.
//!
//! # Index 0: the sink
//!
//! "No node" ([`NIL`]) is index 0, and node 0 is a real node that is never handed out: a
//! *sink*. Code that links and unlinks can then write to "the neighbour" without first
//! asking whether there is one: `nodes[prev].next = next` with `prev == NIL` writes into the
//! sink, where nothing ever reads it. Whether an order is first or last at its level is a
//! coin toss the branch predictor cannot learn; with the sink, unlinking an order has no
//! branch on it (see `OrderBook::unlink`).

use crate::Side;

/// The end of a list: no node. Also the sink's index (see the module docs).
pub(crate) const NIL: u32 = 0;

/// One order, and its links in its level's FIFO: 32 bytes, aligned to 32, so two nodes
/// share a cache line and none straddles two. (With the owner and the side as fields of
/// their own a node was 40 bytes and half of all nodes straddled a line boundary; see the
/// chapter for what the size costs on the many-stock replay.)
#[derive(Debug, Clone, Copy)]
#[repr(C, align(32))]
pub(crate) struct Node {
    pub(crate) id: u64,
    pub(crate) price: i64,
    pub(crate) qty: u64,
    /// Bit 31: the side (set for asks). Bits 0 to 30: the previous (older) order at the
    /// same level, or `NIL` for none. Read and write it through [`Node::prev`],
    /// [`Node::set_prev`] and [`Node::side`].
    prev_side: u32,
    /// The next (younger) order at the same level, or `NIL`; in a free node, the next free.
    pub(crate) next: u32,
}

/// The side bit of `Node::prev_side`; the 31 bits below it limit the pool's size.
const SIDE_BIT: u32 = 1 << 31;

impl Node {
    #[inline(always)]
    pub(crate) fn new(id: u64, side: Side, price: i64, qty: u64, prev: u32) -> Self {
        let mut node = Node {
            id,
            price,
            qty,
            prev_side: if side == Side::Ask { SIDE_BIT } else { 0 },
            next: NIL,
        };
        node.set_prev(prev);
        node
    }

    /// The previous (older) order at the same level, or `NIL`.
    #[inline(always)]
    pub(crate) fn prev(&self) -> u32 {
        self.prev_side & !SIDE_BIT
    }

    /// Links the previous order (`NIL` for none); keeps the side.
    #[inline(always)]
    pub(crate) fn set_prev(&mut self, prev: u32) {
        debug_assert!(prev < SIDE_BIT);
        self.prev_side = (self.prev_side & SIDE_BIT) | (prev & !SIDE_BIT);
    }

    /// Links the previous order and sets the side, in one store that does not read the
    /// field first. For unlinking, on the next order at the same level, whose side is the
    /// removed order's: [`set_prev`](Self::set_prev) must load the field to keep its side
    /// bit, and on the many-stock replay that load missed L2 on one message in ten
    /// (callgrind); a store that misses waits in the store buffer instead, while the core
    /// goes on.
    ///
    /// The side is copied as a bit from `same_side`, not passed as a [`Side`], so that no
    /// `if` on the side (a coin toss) is there for the compiler to turn into a branch.
    #[inline(always)]
    pub(crate) fn set_prev_and_side(&mut self, prev: u32, same_side: &Node) {
        debug_assert!(prev < SIDE_BIT);
        self.prev_side = prev | (same_side.prev_side & SIDE_BIT);
    }

    #[inline(always)]
    pub(crate) fn side(&self) -> Side {
        if self.prev_side & SIDE_BIT != 0 {
            Side::Ask
        } else {
            Side::Bid
        }
    }
}

#[derive(Debug)]
pub(crate) struct Pool {
    nodes: Vec<Node>,
    /// Who sent each node's order (the matching engine's self-trade check; 0 for feed
    /// orders), beside the nodes rather than in them: only the engine reads it, so the
    /// replay's hot path never loads it.
    owners: Vec<u32>,
    /// Whether any order so far had an owner other than 0. Until one does, every entry of
    /// `owners` is 0 and `alloc` leaves the array alone: a feed's book (the replay passes
    /// owner 0 throughout) never touches it. Writing it anyway cost a store to one more
    /// cache line per add: on the 64-stock replay callgrind counted 0.39 L1 and 0.11 L2
    /// write misses per message on that one line of code.
    owned: bool,
    free: u32,
    /// Nodes handed out and not freed: the resting orders.
    len: usize,
}

impl Pool {
    pub(crate) fn with_capacity(n: usize) -> Self {
        let mut nodes = Vec::with_capacity(n + 1);
        let mut owners = Vec::with_capacity(n + 1);
        // The sink (see the module docs).
        nodes.push(Node::new(0, Side::Bid, 0, 0, NIL));
        owners.push(0);
        Self {
            nodes,
            owners,
            owned: false,
            free: NIL,
            len: 0,
        }
    }

    /// Stores `node` (sent by `owner`) and returns its index: a recycled slot if there is
    /// one.
    #[inline]
    pub(crate) fn alloc(&mut self, node: Node, owner: u32) -> u32 {
        self.owned |= owner != 0;
        self.len += 1;
        if self.free != NIL {
            let i = self.free;
            self.free = self.nodes[i as usize].next;
            self.nodes[i as usize] = node;
            // Always the same way for a given book: a feed's never writes, an engine's
            // always does once an owner has appeared.
            if self.owned {
                self.owners[i as usize] = owner;
            }
            i
        } else {
            let i = u32::try_from(self.nodes.len())
                .ok()
                .filter(|&i| i < SIDE_BIT)
                .expect("at most 2^31 - 2 resting orders (index 0 is the sink)");
            self.nodes.push(node);
            self.owners.push(owner);
            i
        }
    }

    /// Returns node `i` to the free list. Its quantity becomes 0, which no resting order
    /// has: [`live`](Self::live) tells resting nodes from free ones by it.
    #[inline]
    pub(crate) fn free(&mut self, i: u32) {
        let node = &mut self.nodes[i as usize];
        node.next = self.free;
        node.qty = 0;
        self.free = i;
        self.len -= 1;
    }

    /// Resting orders.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Every resting node, with its index, in pool order (not time order).
    pub(crate) fn live(&self) -> impl Iterator<Item = (u32, &Node)> + '_ {
        // Node 0 is the sink; a free node has quantity 0.
        (1u32..).zip(&self.nodes[1..]).filter(|(_, n)| n.qty != 0)
    }

    /// Who sent node `i`'s order.
    #[inline]
    pub(crate) fn owner(&self, i: u32) -> u32 {
        if self.owned {
            self.owners[i as usize]
        } else {
            0
        }
    }

    #[inline]
    pub(crate) fn get(&self, i: u32) -> &Node {
        &self.nodes[i as usize]
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, i: u32) -> &mut Node {
        &mut self.nodes[i as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_is_half_a_cache_line_and_keeps_its_side_and_links() {
        assert_eq!(std::mem::size_of::<Node>(), 32);
        assert_eq!(std::mem::align_of::<Node>(), 32);
        for side in [Side::Bid, Side::Ask] {
            for prev in [NIL, 1, 12_345, SIDE_BIT - 1] {
                let mut n = Node::new(7, side, -5, 9, prev);
                assert_eq!((n.side(), n.prev(), n.next), (side, prev, NIL));
                for other in [NIL, 1, SIDE_BIT - 1] {
                    n.set_prev(other);
                    assert_eq!((n.side(), n.prev()), (side, other));
                    for again in [Side::Bid, Side::Ask] {
                        let like = Node::new(1, again, 0, 1, 5);
                        let mut m = n;
                        m.set_prev_and_side(other, &like);
                        assert_eq!((m.side(), m.prev(), m.next), (again, other, n.next));
                    }
                }
            }
        }
        let mut pool = Pool::with_capacity(2);
        let a = pool.alloc(Node::new(1, Side::Bid, 0, 1, NIL), 7);
        assert_ne!(a, NIL, "the sink is never handed out");
        let b = pool.alloc(Node::new(2, Side::Ask, 0, 1, a), 8);
        assert_eq!((pool.owner(a), pool.owner(b)), (7, 8));
        pool.free(a);
        let c = pool.alloc(Node::new(3, Side::Ask, 0, 1, NIL), 9);
        assert_eq!(
            (c, pool.owner(c)),
            (a, 9),
            "the freed slot is reused, with its new owner"
        );
    }

    #[test]
    fn owners_stay_right_across_the_first_owned_order() {
        let mut pool = Pool::with_capacity(4);
        let a = pool.alloc(Node::new(1, Side::Bid, 0, 1, NIL), 0);
        assert_eq!(pool.owner(a), 0);
        pool.free(a);
        // The first owned order reuses the slot a feed order had.
        let b = pool.alloc(Node::new(2, Side::Bid, 0, 1, NIL), 5);
        assert_eq!((b, pool.owner(b)), (a, 5));
        pool.free(b);
        // From now on every alloc writes its owner, 0 included.
        let c = pool.alloc(Node::new(3, Side::Bid, 0, 1, NIL), 0);
        assert_eq!((c, pool.owner(c)), (a, 0));
        let d = pool.alloc(Node::new(4, Side::Ask, 0, 1, NIL), 0);
        let e = pool.alloc(Node::new(5, Side::Ask, 0, 1, NIL), 6);
        assert_eq!((pool.owner(d), pool.owner(e)), (0, 6));
    }
}
