//! Whole-word phrase matching: byte tries walked from every place where a
//! whole-word match may begin, several tries in one pass over the text.
//!
//! A match must not cut a word: before a pattern that begins with a letter
//! or digit there is none, and likewise after one that ends with one. So a
//! walk starts only at the first character of a word or at a character that
//! is neither, and most walks end after a byte or two. That reads a release
//! several times faster than an automaton that steps through every byte and
//! reports every overlapping hit to be filtered afterwards, and the answer is
//! the same: at each start the longest whole-word pattern, leftmost first,
//! none overlapping.
//!
//! The tries of a [`TrieSet`] share the pass: the text's words are found
//! once, and one hash lookup of each word tells which tries may match there.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::ops::Range;

use foldhash::fast::FixedState;

/// No pattern ends at a node; no child for a byte.
const NONE: u32 = u32::MAX;

/// A set of patterns, each with an id (its insertion order).
#[derive(Debug)]
pub struct WordTrie {
    /// Children of the root by first byte: a direct table, since every walk
    /// starts there.
    root: Box<[u32; 256]>,
    /// The other nodes, each with its children as a slice of `edge_bytes`
    /// (sorted) and `edge_nodes`: flat arrays, so a walk touches few cache
    /// lines.
    nodes: Vec<Node>,
    edge_bytes: Vec<u8>,
    edge_nodes: Vec<u32>,
    /// Fold ASCII letters to lower case (patterns and text).
    fold_case: bool,
    /// The first words (letters and digits up to the first other
    /// character) of the patterns that begin with one, in ASCII lower case
    /// whatever `fold_case` says. A whole-word match starting at a word has
    /// that word as its first word, so a word not in here starts no match.
    /// Taken by [`TrieSet::new`] into its table.
    first_words: Vec<Box<str>>,
}

#[derive(Debug, Clone, Copy)]
struct Node {
    /// Where its children start in `edge_bytes` and `edge_nodes`.
    edges: u32,
    /// How many children it has.
    len: u32,
    /// The id of the pattern ending here, or [`NONE`].
    pattern: u32,
}

/// A node while the trie is built.
#[derive(Debug, Default)]
struct BuildNode {
    /// Children, sorted by byte.
    edges: Vec<(u8, u32)>,
    pattern: u32,
}

impl WordTrie {
    /// Builds the trie; with `fold_case`, ASCII letters match in either case.
    /// A pattern listed twice keeps its first id; empty patterns never match.
    pub fn new<S: AsRef<str>>(patterns: &[S], fold_case: bool) -> Self {
        let fold = |b: u8| fold(b, fold_case);
        let mut root = Box::new([NONE; 256]);
        let mut nodes: Vec<BuildNode> = Vec::new();
        let mut first_words = Vec::new();
        let new_node = |nodes: &mut Vec<BuildNode>| {
            nodes.push(BuildNode { edges: Vec::new(), pattern: NONE });
            u32::try_from(nodes.len() - 1).expect("fewer than 4 billion nodes") // invariant: static lists
        };
        for (id, pattern) in patterns.iter().enumerate() {
            let id = u32::try_from(id).expect("fewer than 4 billion patterns"); // invariant: static lists
            let pattern = pattern.as_ref();
            let Some((&first, rest)) = pattern.as_bytes().split_first() else { continue };
            let first = usize::from(fold(first));
            if root[first] == NONE {
                root[first] = new_node(&mut nodes);
            }
            let mut node = root[first];
            for &b in rest {
                let b = fold(b);
                node = match nodes[node as usize].edges.binary_search_by_key(&b, |&(k, _)| k) {
                    Ok(i) => nodes[node as usize].edges[i].1,
                    Err(i) => {
                        let n = new_node(&mut nodes);
                        nodes[node as usize].edges.insert(i, (b, n));
                        n
                    }
                };
            }
            let end = &mut nodes[node as usize].pattern;
            if *end == NONE {
                *end = id;
            }
            let word = first_word(pattern);
            if !word.is_empty() {
                first_words.push(word.to_ascii_lowercase().into_boxed_str());
            }
        }
        let (mut edge_bytes, mut edge_nodes) = (Vec::new(), Vec::new());
        let nodes = nodes
            .into_iter()
            .map(|n| {
                let edges = u32::try_from(edge_bytes.len()).expect("fewer than 4 billion edges"); // invariant: static lists
                edge_bytes.extend(n.edges.iter().map(|&(b, _)| b));
                edge_nodes.extend(n.edges.iter().map(|&(_, to)| to));
                Node { edges, len: n.edges.len() as u32, pattern: n.pattern }
            })
            .collect();
        Self { root, nodes, edge_bytes, edge_nodes, fold_case, first_words }
    }

    fn fold(&self, b: u8) -> u8 {
        fold(b, self.fold_case)
    }

    /// True when some pattern begins with byte `b`.
    fn starts_with_byte(&self, b: u8) -> bool {
        self.root[usize::from(self.fold(b))] != NONE
    }

    /// Returns the longest pattern starting at byte `start` of `hay` that
    /// ends on a word boundary, as (end, id).
    fn longest_at(&self, hay: &str, start: usize) -> Option<(usize, u32)> {
        let bytes = hay.as_bytes();
        let mut node = self.root[usize::from(self.fold(bytes[start]))];
        let mut best = None;
        let mut end = start + 1;
        while node != NONE {
            let n = self.nodes[node as usize];
            if n.pattern != NONE && hay.is_char_boundary(end) && ends_word(hay, end) {
                best = Some((end, n.pattern));
            }
            let Some(&b) = bytes.get(end) else { break };
            let b = self.fold(b);
            let (from, to) = (n.edges as usize, (n.edges + n.len) as usize);
            node = match self.edge_bytes[from..to].binary_search(&b) {
                Ok(i) => self.edge_nodes[from + i],
                Err(_) => NONE,
            };
            end += 1;
        }
        best
    }
}

/// Up to 32 tries read together: each keeps its own matches (longest at a
/// start, leftmost first, none overlapping another of the same trie), and
/// all share one pass over the text.
#[derive(Debug)]
pub struct TrieSet {
    tries: Vec<WordTrie>,
    /// For each first word of any pattern (ASCII lower case), by its hash
    /// ([`word_hash`]), the tries (one bit each) with a pattern beginning
    /// with it. Only the hashes are kept, so that a lookup compares numbers
    /// in the table rather than reading each candidate word from elsewhere
    /// in memory: the table only picks the tries to walk, and a walk
    /// compares every byte, so two words with the same 64-bit hash could
    /// cost a walk, never a wrong match.
    first_words: HashMap<u64, u32, BuildHasherDefault<HashIsKey>>,
    /// For each byte, the tries with a pattern beginning with it: read at a
    /// character that is not a letter or digit.
    first_bytes: Box<[u32; 256]>,
}

impl TrieSet {
    /// Most tries in a set.
    pub const MAX: usize = 32;

    /// Returns the set; trie `k` of `tries` reports its matches as `k`.
    ///
    /// # Panics
    /// With more than [`TrieSet::MAX`] tries.
    pub fn new(mut tries: Vec<WordTrie>) -> Self {
        assert!(tries.len() <= Self::MAX, "a trie set holds at most {} tries", Self::MAX);
        let mut first_words = HashMap::default();
        let mut first_bytes = Box::new([0u32; 256]);
        for (k, trie) in tries.iter_mut().enumerate() {
            let bit = 1u32 << k;
            // Moved into the set's table: the trie has no other use for them.
            for word in std::mem::take(&mut trie.first_words) {
                match first_words.entry(word_hash(&word)) {
                    Entry::Occupied(mut e) => *e.get_mut() |= bit,
                    Entry::Vacant(e) => {
                        e.insert(bit);
                    }
                }
            }
            for b in 0..=255u8 {
                if trie.starts_with_byte(b) {
                    first_bytes[usize::from(b)] |= bit;
                }
            }
        }
        Self { tries, first_words, first_bytes }
    }

    /// Calls `found(trie, start, end, id)` for the whole-word matches of
    /// each trie inside each of `ranges` of `text`: at each start the
    /// longest, leftmost first, none overlapping another of the same trie
    /// (within a range). Matches come in text order.
    pub fn find(&self, text: &str, ranges: &[Range<usize>], mut found: impl FnMut(usize, usize, usize, u32)) {
        let mut folded = String::new();
        let mut taken_to = vec![0; self.tries.len()];
        for r in ranges {
            let hay = &text[r.clone()];
            let bytes = hay.as_bytes();
            taken_to.fill(0);
            let mut i = 0;
            while i < bytes.len() {
                let (c, len) = char_at(hay, i);
                let (mask, next) = if c.is_alphanumeric() {
                    let end = word_end(hay, i);
                    let mut word = &hay[i..end];
                    if word.bytes().any(|b| b.is_ascii_uppercase()) {
                        folded.clear();
                        folded.push_str(word);
                        folded.make_ascii_lowercase();
                        word = &folded;
                    }
                    // The rest of the word starts nothing: a match there would cut it.
                    (self.first_words.get(&word_hash(word)).copied().unwrap_or(0), end)
                } else {
                    (self.first_bytes[usize::from(bytes[i])], i + len)
                };
                let mut bits = mask;
                while bits != 0 {
                    let k = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    if i < taken_to[k] {
                        continue;
                    }
                    if let Some((end, id)) = self.tries[k].longest_at(hay, i) {
                        found(k, i + r.start, end + r.start, id);
                        taken_to[k] = end;
                    }
                }
                i = next;
            }
        }
    }
}

/// Returns the hash of a first word in [`TrieSet`]'s table.
fn word_hash(word: &str) -> u64 {
    FixedState::default().hash_one(word)
}

/// A hasher for keys that are hashes already: it hands the key on.
#[derive(Default)]
struct HashIsKey(u64);

impl Hasher for HashIsKey {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are hashed here; fold anything else all the same.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Returns the character at byte `i` of `s` (a char boundary) and its length.
fn char_at(s: &str, i: usize) -> (char, usize) {
    let b = s.as_bytes()[i];
    if b.is_ascii() {
        return (char::from(b), 1);
    }
    let c = s[i..].chars().next().unwrap_or(char::REPLACEMENT_CHARACTER);
    (c, c.len_utf8())
}

/// Returns where the run of letters and digits starting at byte `i` ends.
fn word_end(s: &str, mut i: usize) -> usize {
    let bytes = s.as_bytes();
    while i < bytes.len() {
        let (c, len) = char_at(s, i);
        if !c.is_alphanumeric() {
            break;
        }
        i += len;
    }
    i
}

/// Returns `b`, with an ASCII letter in lower case when `fold_case`.
fn fold(b: u8, fold_case: bool) -> u8 {
    if fold_case { b.to_ascii_lowercase() } else { b }
}

/// Returns the letters and digits at the start of `s`.
fn first_word(s: &str) -> &str {
    &s[..word_end(s, 0)]
}

/// True when `end` does not cut a word: the character before it or the one
/// after it is not a letter or digit.
fn ends_word(hay: &str, end: usize) -> bool {
    let last = hay[..end].chars().next_back();
    let after = hay[end..].chars().next();
    !matches!((last, after), (Some(l), Some(a)) if l.is_alphanumeric() && a.is_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(trie: WordTrie, text: &str) -> Vec<(String, u32)> {
        let mut out = Vec::new();
        let whole = 0..text.len();
        TrieSet::new(vec![trie]).find(text, std::slice::from_ref(&whole), |_, s, e, id| out.push((text[s..e].to_owned(), id)));
        out
    }

    #[test]
    fn matches_whole_words_only() {
        let trie = WordTrie::new(&["Oman", "Paris"], false);
        assert_eq!(hits(trie, "Romania and Oman; Parisian Paris."), [("Oman".to_owned(), 0), ("Paris".to_owned(), 1)]);
    }

    #[test]
    fn prefers_the_longest_at_a_start_and_never_overlaps() {
        let trie = WordTrie::new(&["New", "New York", "York City", "City"], false);
        assert_eq!(hits(trie, "New York City"), [("New York".to_owned(), 1), ("City".to_owned(), 3)]);
    }

    #[test]
    fn a_longer_pattern_that_cuts_a_word_gives_way_to_a_shorter_one() {
        let trie = || WordTrie::new(&["EU", "EUR"], false);
        assert_eq!(hits(trie(), "EURO and EU"), [("EU".to_owned(), 0)]);
        assert_eq!(hits(trie(), "EUR 5"), [("EUR".to_owned(), 1)]);
    }

    #[test]
    fn folds_ascii_case_when_asked() {
        let folded = WordTrie::new(&["said"], true);
        assert_eq!(hits(folded, "He SAID, she Said"), [("SAID".to_owned(), 0), ("Said".to_owned(), 0)]);
        let exact = WordTrie::new(&["said"], false);
        assert!(hits(exact, "He SAID").is_empty());
    }

    #[test]
    fn patterns_may_begin_or_end_with_punctuation_or_other_scripts() {
        let trie = WordTrie::new(&["$", "U.S.", "Côte d'Ivoire"], false);
        assert_eq!(
            hits(trie, "US$5 for the U.S. and Côte d'Ivoire"),
            [("$".to_owned(), 0), ("U.S.".to_owned(), 1), ("Côte d'Ivoire".to_owned(), 2)]
        );
    }

    #[test]
    fn ranges_are_searched_apart() {
        let trie = WordTrie::new(&["Oman"], false);
        let text = "Oman. Oman";
        let mut out = Vec::new();
        TrieSet::new(vec![trie]).find(text, &[0..4, 6..10], |_, s, e, _| out.push((s, e)));
        assert_eq!(out, [(0, 4), (6, 10)]);
    }

    #[test]
    fn tries_of_a_set_match_apart_in_one_pass() {
        let names = WordTrie::new(&["New York", "York"], false);
        let cues = WordTrie::new(&["york city", "new", "$"], true);
        let set = TrieSet::new(vec![names, cues]);
        let text = "New York City costs $5; new YORK CITY.";
        let mut out = Vec::new();
        set.find(text, std::slice::from_ref(&(0..text.len())), |k, s, e, id| out.push((k, &text[s..e], id)));
        assert_eq!(
            out,
            [(0, "New York", 0), (1, "New", 1), (1, "York City", 0), (1, "$", 2), (1, "new", 1), (1, "YORK CITY", 0)],
            "each trie keeps its own longest, non-overlapping matches; case folds only where asked"
        );
    }

    #[test]
    fn words_in_other_scripts_and_case_are_read_whole() {
        let trie = WordTrie::new(&["Ōsaka", "São Paulo"], false);
        assert_eq!(hits(trie, "ŌsakaX Ōsaka, SÃO PAULO and São Paulo"), [("Ōsaka".to_owned(), 0), ("São Paulo".to_owned(), 1)]);
    }
}
