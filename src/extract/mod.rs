//! The extraction core: text, publication date and title in; facts with
//! evidence out. Pure, deterministic and total: no I/O, no clock, no
//! environment, no logging, no `Result`. What it notices but cannot use
//! becomes [`Extraction::diagnostics`].
//!
//! It works as a pipeline of cheap passes over one tokenized text, each adding
//! marks that later passes read: [`text`] segments and tokenizes, [`lexicon`]
//! marks names, titles and cue words, [`entities`] reads countries, places and
//! organizations, [`persons`] finds people from context and merges their
//! mentions, then [`quotes`], [`events`], [`figures`] and [`topics`] build on
//! them. [`dates`] resolves date phrases against the publication date.

pub mod dates;
pub mod entities;
pub mod events;
pub mod figures;
pub mod lexicon;
pub mod persons;
pub mod quotes;
pub mod text;
pub mod topics;
pub mod trie;

use std::sync::LazyLock;

use crate::domain::{Evidence, Extraction, PartialDate, Span};
use lexicon::{Cue, Entry, Hit, Lexicon};
use text::Text;

/// What the core reads: the text and what the client told us about it.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The full text; every span in the output points into it.
    pub text: &'a str,
    /// Publication date; when absent, a date header in the text is used.
    pub published: Option<PartialDate>,
    /// The headline, if known.
    pub title: Option<&'a str>,
}

/// The compiled knowledge lists and rules. Build once, share everywhere.
#[derive(Debug)]
pub struct Extractor {
    lexicon: &'static Lexicon,
}

static LEXICON: LazyLock<Lexicon> = LazyLock::new(Lexicon::builtin);

impl Default for Extractor {
    fn default() -> Self {
        Self::new()
    }
}

impl Extractor {
    /// Returns an extractor with the built-in lists compiled (once per process).
    pub fn new() -> Self {
        Self { lexicon: &LEXICON }
    }

    /// Extracts every fact from one document.
    pub fn extract(&self, input: &Input<'_>) -> Extraction {
        let text = Text::new(input.text);
        let published = input.published.or(text.header_date);
        let mut cx = Ctx::new(self.lexicon, text, published);
        if cx.published.is_none() {
            // A dateline ("14:37, 3 June 2025") stands in for the header.
            cx.published = dates::dateline(&cx);
        }
        let published = cx.published;
        let (countries, mut places, organizations) = entities::extract(&mut cx);
        let mut persons = persons::extract(&mut cx);
        // "Ricardo Albuquerque Tavares": a city's name inside a person's.
        let in_person = within_any(persons.mentions.iter().map(|m| (m.start, m.end)).collect());
        places.retain_mut(|p| {
            p.evidence.retain(|e| !e.spans.iter().any(|s| in_person(s.start as usize, s.end as usize)));
            !p.evidence.is_empty()
        });
        let title_cx = input.title.map(|title| Ctx::new(self.lexicon, Text::new(title), published));
        if let Some(title_cx) = &title_cx {
            persons::complete_from_title(title_cx, &mut persons);
        }
        persons.settle_countries(&cx);
        let quotes = quotes::extract(&cx, &persons);
        let events = events::extract(&cx, &persons, title_cx.as_ref());
        let figures = figures::extract(&cx);
        let topics = topics::extract(&cx);
        Extraction {
            published,
            persons: persons.into_people(&cx),
            organizations,
            countries,
            places,
            events,
            quotes,
            figures,
            topics,
            diagnostics: std::mem::take(&mut cx.diagnostics),
        }
    }
}

/// Returns a test of whether `start..end` lies wholly inside one of `ranges`:
/// a binary search over the ranges sorted by start, with the furthest end
/// reached so far, so that a long text with thousands of each stays linear.
pub(crate) fn within_any(mut sorted: Vec<(usize, usize)>) -> impl Fn(usize, usize) -> bool {
    sorted.sort_unstable();
    let mut furthest = 0;
    for r in &mut sorted {
        furthest = furthest.max(r.1);
        r.1 = furthest;
    }
    move |start, end| {
        let k = sorted.partition_point(|r| r.0 <= start);
        k > 0 && sorted[k - 1].1 >= end
    }
}

/// The marks every pass shares: the segmented text and the lexicon hits.
pub struct Ctx<'a> {
    /// The lists.
    pub lex: &'a Lexicon,
    /// The segmented text.
    pub text: Text<'a>,
    /// Publication date.
    pub published: Option<PartialDate>,
    /// Proper-name hits in text order.
    pub names: Vec<Hit<Entry>>,
    /// Cue-word hits in text order.
    pub cues: Vec<Hit<Cue>>,
    /// Topic cue hits in text order.
    pub topic_cues: Vec<Hit<Cue>>,
    /// Organization names found from their shape, in text order; read by
    /// the organization and the person passes alike.
    pub orgs: Vec<entities::OrgSpan>,
    /// For each token, the index of the name hit covering it.
    pub tok_name: Vec<Option<u32>>,
    /// For each token, the index of the cue hit covering it.
    pub tok_cue: Vec<Option<u32>>,
    /// The country the document is written from or mainly about.
    pub home_country: Option<usize>,
    /// Notes for the analyst.
    pub diagnostics: Vec<String>,
}

impl<'a> Ctx<'a> {
    fn new(lex: &'a Lexicon, text: Text<'a>, published: Option<PartialDate>) -> Self {
        let lexicon::Hits { mut names, cues, topic_cues } = lex.hits_in(text.src, &text.paragraphs);
        // "US dollars" names a currency, not the United States.
        let currency = within_any(cues.iter().filter(|c| matches!(c.what, Cue::Currency(_))).map(|c| (c.start, c.end)).collect());
        names.retain(|h| !(matches!(h.what, Entry::Country(_) | Entry::Demonym(_)) && currency(h.start, h.end)));
        let tok_name = cover(&text, names.iter().map(|h| (h.start, h.end)));
        let tok_cue = cover(&text, cues.iter().map(|h| (h.start, h.end)));
        let mut cx = Ctx { lex, text, published, names, cues, topic_cues, tok_name, tok_cue, orgs: Vec::new(), home_country: None, diagnostics: Vec::new() };
        cx.orgs = entities::org_spans(&cx);
        cx
    }

    /// Returns the name hit covering token `i`.
    pub fn name_at(&self, i: usize) -> Option<&Hit<Entry>> {
        self.tok_name.get(i).copied().flatten().map(|h| &self.names[h as usize])
    }

    /// Returns the cue hit covering token `i`.
    pub fn cue_at(&self, i: usize) -> Option<&Hit<Cue>> {
        self.tok_cue.get(i).copied().flatten().map(|h| &self.cues[h as usize])
    }

    /// Returns the name hit holding all of `start..end`, if any. The hits
    /// are in text order and do not overlap, so only the last one starting
    /// at or before `start` can.
    pub fn name_covering(&self, start: usize, end: usize) -> Option<&Hit<Entry>> {
        let after = self.names.partition_point(|h| h.start <= start);
        after.checked_sub(1).map(|k| &self.names[k]).filter(|h| end <= h.end)
    }

    /// Returns the name hits lying wholly inside `start..end`. The hits are
    /// in text order, not overlapping and never empty, so a binary search
    /// finds the first one and the walk stops past `end`.
    pub fn names_within(&self, start: usize, end: usize) -> impl Iterator<Item = &Hit<Entry>> {
        let first = self.names.partition_point(|h| h.start < start);
        self.names[first..].iter().take_while(move |h| h.start <= end).filter(move |h| h.end <= end)
    }

    /// Returns evidence for a byte range.
    pub fn evidence(&self, start: usize, end: usize, rule: &str) -> Evidence {
        Evidence::new(Span::new(start, end), self.text.sentence_of(start), rule)
    }

    /// Returns the country index a name hit stands for (country, demonym,
    /// or an organization or place of one country).
    pub fn country_of_hit(&self, h: &Hit<Entry>) -> Option<usize> {
        match h.what {
            Entry::Country(c) | Entry::Demonym(c) => Some(c),
            Entry::Org(o) => self.lex.orgs[o].country,
            Entry::Place(p) => Some(self.lex.places[p].country),
            _ => None,
        }
    }
}

/// Marks every token inside one of `hits` with the hit's index.
fn cover(text: &Text<'_>, hits: impl Iterator<Item = (usize, usize)>) -> Vec<Option<u32>> {
    let mut out = vec![None; text.tokens.len()];
    for (h, (start, end)) in hits.enumerate() {
        let mut i = text.token_from(start);
        while i < text.tokens.len() && text.tokens[i].start < end {
            out[i] = Some(h as u32);
            i += 1;
        }
    }
    out
}

/// Test support: reads one invented release.
#[cfg(test)]
pub(crate) fn read(text: &str, published: &str) -> Extraction {
    Extractor::new().extract(&Input { text, published: published.parse().ok(), title: None })
}

#[cfg(test)]
mod tests {
    use super::within_any;

    #[test]
    fn within_any_finds_a_range_holding_the_span_even_behind_a_later_shorter_one() {
        let inside = within_any(vec![(40, 50), (0, 30), (10, 12)]);
        assert!(inside(20, 30), "held by 0..30 although 10..12 starts later");
        assert!(inside(40, 50) && inside(11, 12));
        assert!(!inside(25, 35), "crosses the end of 0..30");
        assert!(!inside(31, 33), "between ranges");
        assert!(!within_any(Vec::new())(0, 0));
    }
}
