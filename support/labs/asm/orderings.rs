// What each atomic operation compiles to, for the book's chapters on the memory model and
// fences. This file is not built by cargo; compile it by hand:
//
//   rustc -O --edition 2021 --crate-type lib --emit asm -o x86_64.s orderings.rs
//   rustup target add aarch64-unknown-linux-gnu        # once: the AArch64 core/std
//   rustc -O --edition 2021 --crate-type lib --emit asm --target aarch64-unknown-linux-gnu -o aarch64.s orderings.rs
//   rustc -O --edition 2021 --crate-type lib --emit asm --target aarch64-unknown-linux-gnu \
//         -C target-feature=+lse,+rcpc -o aarch64-lse-rcpc.s orderings.rs
//
// (`--emit asm` needs no linker, so cross-compiling to assembly works on any host.)
// The book quotes the results for Rust 1.95.0 (LLVM 22).
use std::sync::atomic::{AtomicU64, Ordering::*, fence};

#[no_mangle] pub fn store_relaxed(a: &AtomicU64, v: u64) { a.store(v, Relaxed) }
#[no_mangle] pub fn store_release(a: &AtomicU64, v: u64) { a.store(v, Release) }
#[no_mangle] pub fn store_seqcst(a: &AtomicU64, v: u64) { a.store(v, SeqCst) }
#[no_mangle] pub fn load_relaxed(a: &AtomicU64) -> u64 { a.load(Relaxed) }
#[no_mangle] pub fn load_acquire(a: &AtomicU64) -> u64 { a.load(Acquire) }
#[no_mangle] pub fn load_seqcst(a: &AtomicU64) -> u64 { a.load(SeqCst) }
#[no_mangle] pub fn fetch_add_relaxed(a: &AtomicU64) -> u64 { a.fetch_add(1, Relaxed) }
#[no_mangle] pub fn fetch_add_acqrel(a: &AtomicU64) -> u64 { a.fetch_add(1, AcqRel) }
#[no_mangle] pub fn fetch_add_seqcst(a: &AtomicU64) -> u64 { a.fetch_add(1, SeqCst) }
#[no_mangle] pub fn cas_acqrel(a: &AtomicU64) -> bool { a.compare_exchange(0, 1, AcqRel, Acquire).is_ok() }
#[no_mangle] pub fn cas_weak_acqrel(a: &AtomicU64) -> bool { a.compare_exchange_weak(0, 1, AcqRel, Acquire).is_ok() }
#[no_mangle] pub fn fence_acquire() { fence(Acquire) }
#[no_mangle] pub fn fence_release() { fence(Release) }
#[no_mangle] pub fn fence_acqrel() { fence(AcqRel) }
#[no_mangle] pub fn fence_seqcst() { fence(SeqCst) }
#[no_mangle] pub fn spin() { std::hint::spin_loop() }
