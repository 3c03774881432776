//! The document ids this server knows to be stored, as a Bloom filter, so
//! that ingest asks the store whether an id is taken only when it may be.
//!
//! Before reading a document's facts the ingestor checks whether its id is
//! stored already, so that a resent corpus does not pay for extraction
//! again. Asked of the store for every document, that check cost a fifth of
//! the ingest throughput: a read per document through connections whose
//! cache every commit clears. Fresh ids are the common case, and the filter
//! answers "surely not stored" for them from memory.
//!
//! The filter never decides anything on its own: "maybe stored" leads to the
//! store's check as before, and the store's insert remains the authority on
//! duplicates and conflicts, so an id the filter has not heard of (stored by
//! another server on the same database, say) costs an extraction and is
//! still answered `DUPLICATE`. Until the stored ids have been read in at
//! start-up, every id counts as maybe stored.

use std::hash::BuildHasher as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use foldhash::fast::FixedState;

/// Bits in the filter: 4 MiB, which keeps false positives near 1 % up to
/// about 3.5 million ids; past that they grow, and more ids are checked with
/// the store, as all were before.
const BITS: usize = 1 << 25;
/// Bit positions per id.
const HASHES: u64 = 7;

/// A Bloom filter of document ids, safe to share between threads.
#[derive(Debug)]
pub struct KnownIds {
    words: Vec<AtomicU64>,
    ready: AtomicBool,
}

impl Default for KnownIds {
    fn default() -> Self {
        Self { words: (0..BITS / 64).map(|_| AtomicU64::new(0)).collect(), ready: AtomicBool::new(false) }
    }
}

impl KnownIds {
    /// Returns the bit positions of an id (double hashing).
    fn positions(id: &str) -> impl Iterator<Item = usize> {
        let a = FixedState::with_seed(0x5eed_0001).hash_one(id);
        let b = FixedState::with_seed(0x5eed_0002).hash_one(id) | 1;
        (0..HASHES).map(move |i| (a.wrapping_add(i.wrapping_mul(b)) as usize) % BITS)
    }

    /// Records a stored id.
    pub fn insert(&self, id: &str) {
        for p in Self::positions(id) {
            self.words[p / 64].fetch_or(1u64 << (p % 64), Ordering::Relaxed);
        }
    }

    /// Returns false only when `id` is surely not stored: the stored ids
    /// have been read in and `id` is not among them.
    pub fn may_contain(&self, id: &str) -> bool {
        !self.ready.load(Ordering::Acquire)
            || Self::positions(id).all(|p| self.words[p / 64].load(Ordering::Relaxed) & (1u64 << (p % 64)) != 0)
    }

    /// Marks the filter complete: every id stored before has been inserted
    /// (those stored since are inserted as they are committed).
    pub fn mark_ready(&self) {
        self.ready.store(true, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn before_it_is_ready_every_id_may_be_stored() {
        let known = KnownIds::default();
        assert!(known.may_contain("never-seen"));
    }

    #[test]
    fn an_inserted_id_is_always_reported() {
        let known = KnownIds::default();
        known.mark_ready();
        for i in 0..10_000 {
            known.insert(&format!("doc-{i}"));
        }
        assert!((0..10_000).all(|i| known.may_contain(&format!("doc-{i}"))));
    }

    #[test]
    fn fresh_ids_are_mostly_known_to_be_new() {
        let known = KnownIds::default();
        known.mark_ready();
        for i in 0..100_000 {
            known.insert(&format!("stored-{i}"));
        }
        let false_positives = (0..100_000).filter(|i| known.may_contain(&format!("fresh-{i}"))).count();
        assert!(false_positives < 100, "{false_positives} of 100,000 fresh ids taken for stored ones");
    }
}
