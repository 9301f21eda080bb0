//! Stage 1: the order pool. Every resting order lives in one `Vec<Node>`, named by its
//! index (`u32`); freed nodes are recycled through a free list threaded through their
//! `next` field, so that once the book has held its peak number of orders, adding one
//! never allocates.
//!
//! Why indices and not pointers or `Box`es: indices stay valid when the vector grows, are
//! half the size of a pointer, and need no `unsafe`.

use crate::Side;

/// The end of a list: no node.
pub(crate) const NIL: u32 = u32::MAX;

/// One order, and its links in its level's FIFO.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Node {
    pub(crate) id: u64,
    pub(crate) price: i64,
    pub(crate) qty: u64,
    /// The previous (older) order at the same level, or `NIL`.
    pub(crate) prev: u32,
    /// The next (younger) order at the same level, or `NIL`; in a free node, the next free
    /// node.
    pub(crate) next: u32,
    /// Who sent it (the matching engine's self-trade check); 0 for feed orders.
    pub(crate) owner: u32,
    pub(crate) side: Side,
}

/// The nodes, and the head of the free list.
#[derive(Debug)]
pub(crate) struct Pool {
    nodes: Vec<Node>,
    /// The first free node, or `NIL`.
    free: u32,
}

impl Pool {
    /// An empty pool with room for `n` nodes before it allocates again.
    pub(crate) fn with_capacity(n: usize) -> Self {
        // TODO
        let _ = n;
        todo!("Pool::with_capacity")
    }

    /// Stores `node` and returns its index: a node from the free list if there is one,
    /// else a new one at the end of `nodes`.
    pub(crate) fn alloc(&mut self, node: Node) -> u32 {
        // TODO
        let _ = node;
        todo!("Pool::alloc")
    }

    /// Puts node `i` at the front of the free list.
    pub(crate) fn free(&mut self, i: u32) {
        // TODO
        let _ = i;
        todo!("Pool::free")
    }

    /// Node `i`.
    pub(crate) fn get(&self, i: u32) -> &Node {
        // TODO
        let _ = i;
        todo!("Pool::get")
    }

    /// Node `i`, to change it.
    pub(crate) fn get_mut(&mut self, i: u32) -> &mut Node {
        // TODO
        let _ = i;
        todo!("Pool::get_mut")
    }
}
