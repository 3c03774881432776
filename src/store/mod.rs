//! The store: documents and their facts, durable and queryable, behind the
//! [`Store`] trait so that another backend (PostgreSQL) can be added without
//! touching the use cases or the service. [`sqlite`] is the embedded default;
//! [`postgres`] keeps the state of several servers in one PostgreSQL database.
//!
//! # Contract
//!
//! Every implementation must pass the shared suite in `suite.rs` and hold to:
//!
//! - **Identity.** A document is identified by its id. [`Store::insert_batch`] of an
//!   id not yet stored stores the document and all its facts atomically and
//!   returns [`InsertOutcome::Created`]; the same id with the same text hash
//!   returns [`InsertOutcome::Duplicate`] and changes nothing; the same id with
//!   another hash returns [`InsertOutcome::Conflict`] and changes nothing. This
//!   holds under concurrent inserts of the same id.
//! - **Durability.** When an insert resolves with `Created`, the document is
//!   committed: a crash or power loss afterwards does not lose it.
//! - **Order.** Documents get increasing sequence numbers in commit order;
//!   listings of documents, events, quotes and figures follow that order (and
//!   the order of facts within a document). Persons list in name-key order.
//! - **Names.** Name filters and person identity compare [`name_key`]s.
//! - **Text search.** Documents are searched by the words (runs of letters and
//!   digits, case folded) of the first [`TEXT_SEARCH_CHARS`] characters of
//!   their text; a phrase matches its words standing together, in order.
//! - **Pages.** `list_*` return at most `page.size` items and an opaque
//!   `next_after` key when more may follow; passing it back continues right
//!   after the last item, even if documents were added meanwhile.

pub mod sqlite;
pub mod postgres;
#[cfg(test)]
pub(crate) mod suite;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::domain::{Document, Event, EventKind, Extraction, Figure, PartialDate, Person, Quote};
use crate::error::ErrorCode;

/// How many characters of a document's text the text search reads: every
/// release seen so far is shorter, and it bounds the index entry of a text
/// (PostgreSQL refuses a `tsvector` over 1 MiB, and keeps word positions only
/// up to 16,383, past which phrases would no longer match).
pub const TEXT_SEARCH_CHARS: usize = 100_000;

/// The future every store method returns: boxed so that `dyn Store` works.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Why a store operation failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The store could not be opened or created.
    #[error("cannot open the store at {path}: {reason}")]
    Open {
        /// Where the store lives.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The store is shutting down or its writer stopped.
    #[error("the store is not accepting work ({0}); restart the server")]
    Unavailable(String),
    /// The database server cannot be reached for now (connection lost or
    /// refused, server restarting); the store reconnects by itself.
    #[error("the database is unavailable ({0}); retry shortly, the server reconnects by itself")]
    Disconnected(String),
    /// The database failed a statement.
    #[error("store failure: {0}")]
    Backend(String),
    /// Stored data could not be decoded.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// A page key the store did not hand out.
    #[error("the page token does not belong to this listing; start again without a token")]
    BadPageKey,
}

impl StoreError {
    /// Returns the transport-neutral code of the error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Unavailable(_) | Self::Disconnected(_) => ErrorCode::Unavailable,
            Self::BadPageKey => ErrorCode::InvalidArgument,
            Self::Open { .. } | Self::Backend(_) | Self::Corrupt(_) => ErrorCode::Internal,
        }
    }
}

/// A document ready to store: validated, identified and read.
#[derive(Debug, Clone)]
pub struct NewDocument {
    /// The document; its id is final.
    pub document: Document,
    /// Identity of the text (see `docfile::text_identity`), to tell a
    /// duplicate from a conflicting document with the same id.
    pub text_hash: String,
    /// The facts read from it, shared with the feed of live watchers.
    pub facts: Arc<Extraction>,
}

/// What [`Store::insert`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertOutcome {
    /// Stored and committed, with this sequence number.
    Created {
        /// Position in commit order, starting at 1.
        seq: u64,
    },
    /// The same id and text were stored already; nothing changed.
    Duplicate,
    /// The id is stored with another text; nothing changed.
    Conflict,
}

/// A stored document with what the store knows about it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDocument {
    /// The document (its text is empty in listings).
    pub document: Document,
    /// When it was committed, seconds since the Unix epoch (UTC).
    pub ingested_at: time::OffsetDateTime,
    /// Position in commit order.
    pub seq: u64,
    /// Size of the text in bytes.
    pub text_bytes: u64,
}

/// A fact together with the id of the document it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct DocFact<T> {
    /// The document the fact comes from.
    pub document_id: String,
    /// The fact.
    pub fact: T,
}

/// A person merged across every document that names them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PersonProfile {
    /// The name in the first spelling stored.
    pub name: String,
    /// Every other form seen (other spellings of the name, aliases).
    pub aliases: Vec<String>,
    /// Every title seen, first-seen order.
    pub titles: Vec<String>,
    /// Every organization seen, first-seen order.
    pub organizations: Vec<String>,
    /// The country code given most often (earliest wins a tie).
    pub country: Option<String>,
    /// The latest [`PERSON_DETAIL_LIMIT`] documents naming the person, in
    /// commit order.
    pub document_ids: Vec<String>,
    /// Number of quotes whose speaker has the person's name key.
    pub quote_count: u32,
    /// Number of documents naming the person.
    pub document_count: u32,
}

impl PersonProfile {
    /// Merges the mentions of one person, in commit order, into a profile
    /// (all but the two counts). Linear in the mentions.
    pub fn merge(mentions: &[DocFact<Person>]) -> Self {
        let mut tally = ProfileTally::default();
        mentions.iter().for_each(|m| tally.add(&m.fact));
        tally.into_profile(document_ids(mentions.iter().rev().map(|m| m.document_id.as_str())))
    }
}

/// The latest [`PERSON_DETAIL_LIMIT`] distinct documents of some mentions,
/// given newest first, in commit order, as a profile lists them.
pub fn document_ids<'a>(newest_first: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut ids: Vec<String> =
        newest_first.into_iter().filter(|id| seen.insert(*id)).take(PERSON_DETAIL_LIMIT).map(str::to_owned).collect();
    ids.reverse();
    ids
}

/// Most items a profile keeps in each of its lists (aliases, titles,
/// organizations, countries): the first seen. A name that many different
/// people share, or that the extraction misreads, would otherwise grow a
/// profile without bound over a large store.
pub const PROFILE_LIST_MOST: usize = 64;

/// What a person profile keeps of the mentions merged into it, in commit
/// order: the name in its first spelling, every other form, title and
/// organization once each, and how many mentions gave each state. A store
/// can keep one per name key and add each new mention to it, so that a
/// profile covers every document without reading them again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileTally {
    name: String,
    aliases: Vec<String>,
    titles: Vec<String>,
    organizations: Vec<String>,
    /// State codes (upper case) with the number of mentions giving each,
    /// first-seen order.
    countries: Vec<(String, u32)>,
}

impl ProfileTally {
    /// Adds one mention, later than every mention added before.
    pub fn add(&mut self, p: &Person) {
        self.add_name(&p.name);
        p.aliases.iter().for_each(|a| self.add_alias(a));
        p.titles.iter().for_each(|t| push_distinct(&mut self.titles, t));
        p.organization.iter().for_each(|o| push_distinct(&mut self.organizations, o));
        if let Some(code) = &p.country {
            self.add_country(&code.to_uppercase(), 1);
        }
    }

    /// Adds the tally of later mentions.
    pub fn absorb(&mut self, later: &ProfileTally) {
        if !later.name.is_empty() {
            self.add_name(&later.name);
        }
        later.aliases.iter().for_each(|a| self.add_alias(a));
        later.titles.iter().for_each(|t| push_distinct(&mut self.titles, t));
        later.organizations.iter().for_each(|o| push_distinct(&mut self.organizations, o));
        later.countries.iter().for_each(|(code, n)| self.add_country(code, *n));
    }

    /// The profile, with these documents (the counts left at zero).
    pub fn into_profile(self, document_ids: Vec<String>) -> PersonProfile {
        // The first of equal maxima wins: max_by_key keeps the last, so reverse.
        let country = self.countries.iter().rev().max_by_key(|(_, n)| *n).map(|(code, _)| code.clone());
        PersonProfile {
            name: self.name,
            aliases: self.aliases,
            titles: self.titles,
            organizations: self.organizations,
            country,
            document_ids,
            quote_count: 0,
            document_count: 0,
        }
    }

    fn add_name(&mut self, name: &str) {
        if self.name.is_empty() {
            self.name = name.to_owned();
        } else {
            self.add_alias(name);
        }
    }

    fn add_alias(&mut self, alias: &str) {
        if alias != self.name {
            push_distinct(&mut self.aliases, alias);
        }
    }

    fn add_country(&mut self, code: &str, mentions: u32) {
        if let Some((_, n)) = self.countries.iter_mut().find(|(c, _)| c == code) {
            *n = n.saturating_add(mentions);
        } else if self.countries.len() < PROFILE_LIST_MOST {
            self.countries.push((code.to_owned(), mentions));
        }
    }
}

/// Appends `item` unless the list holds it or is full.
fn push_distinct(list: &mut Vec<String>, item: &str) {
    if list.len() < PROFILE_LIST_MOST && !list.iter().any(|x| x == item) {
        list.push(item.to_owned());
    }
}

/// One person with everything stored about them.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonDetail {
    /// The merged profile.
    pub profile: PersonProfile,
    /// Each document's view of the person.
    pub mentions: Vec<DocFact<Person>>,
    /// Quotes attributed to the person.
    pub quotes: Vec<DocFact<Quote>>,
    /// Events the person took part in.
    pub events: Vec<DocFact<Event>>,
}

/// Which slice of a listing to return.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageRequest {
    /// Maximum number of items, at least 1.
    pub size: usize,
    /// The `next_after` key of the previous page, if any.
    pub after: Option<String>,
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Key to pass as [`PageRequest::after`] for the next page; `None` on the
    /// last page.
    pub next_after: Option<String>,
}

/// Filters for documents. `None` matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DocumentFilter {
    /// Exact source.
    pub source: Option<String>,
    /// Phrases that must all occur in the text: each is one or more words
    /// (already split, lower-case) that must stand together, in order; a
    /// single word is a phrase of one. Empty matches every document.
    // Left out of the filter's fingerprint when empty, so that page tokens of
    // listings by source made before text search existed stay valid.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub text: Vec<Vec<String>>,
}

/// Filters for persons.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PersonFilter {
    /// Upper-case ISO alpha-2 code of a state the person serves.
    pub country: Option<String>,
    /// A [`name_key`] fragment the person's key contains.
    pub name_contains: Option<String>,
}

/// Filters for events; all set filters must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EventFilter {
    /// [`name_key`] of a participant.
    pub participant: Option<String>,
    /// Upper-case ISO code of a state involved, directly or via a participant.
    pub country: Option<String>,
    /// Upper-case ISO code of a second state involved (set only with `country`).
    pub other_country: Option<String>,
    /// The kind of event.
    #[serde(serialize_with = "serialize_kind")]
    pub kind: Option<EventKind>,
    /// [`name_key`] of the place.
    pub place: Option<String>,
    /// Events that may lie on or after this date.
    pub since: Option<PartialDate>,
    /// Events that may lie on or before this date.
    pub until: Option<PartialDate>,
}

fn serialize_kind<S: serde::Serializer>(kind: &Option<EventKind>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(kind.map_or("", EventKind::as_str))
}

/// Filters for quotes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct QuoteFilter {
    /// [`name_key`] of the speaker's name or of an alias of it.
    pub speaker: Option<String>,
    /// Words that must all occur in the quote (already split, lower-case).
    pub words: Vec<String>,
}

/// Filters for figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FigureFilter {
    /// Exact metric, e.g. `trade_turnover`.
    pub metric: Option<String>,
    /// Upper-case ISO code of a state the figure is about.
    pub country: Option<String>,
    /// Exact period, e.g. `2024`.
    pub period: Option<String>,
}

/// Persistence of documents and facts. See the module documentation for the
/// contract every implementation keeps.
pub trait Store: Send + Sync {
    /// Stores documents with their facts, in order, as if inserted one after
    /// the other: each is stored atomically or reported as a duplicate or
    /// conflict (of the stored data or of an earlier document of the batch).
    /// Resolves, with one result per document, once every outcome is durable.
    fn insert_batch(&self, docs: Vec<NewDocument>) -> StoreFuture<'_, Vec<Result<InsertOutcome, StoreError>>>;

    /// Stores one document; see [`Store::insert_batch`].
    fn insert(&self, doc: NewDocument) -> StoreFuture<'_, InsertOutcome> {
        Box::pin(async move {
            let mut results = self.insert_batch(vec![doc]).await?;
            // One document in, one result out (the batch contract).
            results.pop().unwrap_or_else(|| Err(StoreError::Backend("the store returned no result".into())))
        })
    }
    /// Returns the text hash stored under `id`, if any (a cheap pre-check
    /// before extraction; `insert` remains the authority).
    fn text_hash(&self, id: String) -> StoreFuture<'_, Option<String>>;
    /// Calls `visit` with the id of every stored document, in no set order;
    /// returns how many there were.
    fn visit_ids(&self, visit: Box<dyn FnMut(&str) + Send>) -> StoreFuture<'_, u64>;
    /// Returns a document with its text and all its facts.
    fn get_document(&self, id: String) -> StoreFuture<'_, Option<(StoredDocument, Extraction)>>;
    /// Lists documents without their text, in commit order.
    fn list_documents(&self, filter: DocumentFilter, page: PageRequest) -> StoreFuture<'_, Page<StoredDocument>>;
    /// Lists persons merged by name key, in key order.
    fn list_persons(&self, filter: PersonFilter, page: PageRequest) -> StoreFuture<'_, Page<PersonProfile>>;
    /// Returns the person with this name key (or alias key), if any, with
    /// the latest [`PERSON_DETAIL_LIMIT`] mentions, quotes and events.
    fn get_person(&self, name_key: String) -> StoreFuture<'_, Option<PersonDetail>>;
    /// Lists events in commit order.
    fn list_events(&self, filter: EventFilter, page: PageRequest) -> StoreFuture<'_, Page<DocFact<Event>>>;
    /// Lists quotes in commit order.
    fn list_quotes(&self, filter: QuoteFilter, page: PageRequest) -> StoreFuture<'_, Page<DocFact<Quote>>>;
    /// Lists figures in commit order.
    fn list_figures(&self, filter: FigureFilter, page: PageRequest) -> StoreFuture<'_, Page<DocFact<Figure>>>;
    /// Returns how much the store holds, for monitoring.
    fn stats(&self) -> StoreFuture<'_, StoreStats>;
}

/// Most mentions, quotes and events [`Store::get_person`] returns of each:
/// the most recent. The profile still counts all of them, and the listings
/// (`list_quotes` by speaker, `list_events` by participant) page through
/// the rest, so a much-quoted person does not make an answer of hundreds of
/// megabytes.
pub const PERSON_DETAIL_LIMIT: usize = 100;

/// Mentions a profile is merged from where a store merges it when asked (the
/// PostgreSQL store): the latest this many. A person named in every release
/// of a large store has hundreds of thousands of mentions, and their titles,
/// organizations and country are the same few; the latest mentions carry the
/// titles the person holds now. Each mention read is a page of its own, so
/// this bounds a profile's cost. The embedded store keeps each profile merged
/// over every mention instead ([`ProfileTally`]).
pub const PROFILE_MENTIONS: usize = 250;

/// Drops all but the last [`PERSON_DETAIL_LIMIT`] items.
pub fn keep_latest<T>(items: &mut Vec<T>) {
    let skip = items.len().saturating_sub(PERSON_DETAIL_LIMIT);
    items.drain(..skip);
}

/// How much a store holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreStats {
    /// Documents stored.
    pub documents: u64,
    /// Bytes the store occupies (database files or database size).
    pub bytes: u64,
}

/// Returns country codes upper-cased, sorted and without repeats.
pub(crate) fn unique_upper<'a>(codes: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut v: Vec<String> = codes.map(str::to_uppercase).collect();
    v.sort();
    v.dedup();
    v
}

/// Parses an integer page key (the id of the last item of the previous page).
pub(crate) fn int_key(page: &PageRequest) -> Result<i64, StoreError> {
    page.after.as_deref().map_or(Ok(0), |k| k.parse().map_err(|_| StoreError::BadPageKey))
}

/// Returns a page from rows fetched with `LIMIT size + 1`: the extra row only
/// says that more follow.
pub(crate) fn paginate<T>(mut rows: Vec<(String, T)>, size: usize) -> Page<T> {
    let more = rows.len() > size;
    rows.truncate(size);
    let next_after = if more { rows.last().map(|(k, _)| k.clone()) } else { None };
    Page { items: rows.into_iter().map(|(_, t)| t).collect(), next_after }
}

/// The `LIMIT` of a page query: one row more than the page, to learn
/// whether more follow.
pub(crate) fn limit(page: &PageRequest) -> i64 {
    page.size as i64 + 1
}

/// Returns the key names are compared by: white space folded to single spaces,
/// lower case. "Roman  VASSILENKO" and "roman vassilenko" share a key.
pub fn name_key(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Returns the first and last calendar day a partial date may stand for, as
/// `YYYY-MM-DD` strings (`2023-09` → `2023-09-01`, `2023-09-30`); used to
/// compare dates of different precision.
pub fn date_bounds(date: &PartialDate) -> (String, String) {
    let month_first = date.month.unwrap_or(1);
    let month_last = date.month.unwrap_or(12);
    let last_day = date.day.unwrap_or_else(|| {
        (28..=31).rev().find(|d| PartialDate::ymd(date.year, month_last, *d).is_some()).unwrap_or(28)
    });
    (
        format!("{:04}-{:02}-{:02}", date.year, month_first, date.day.unwrap_or(1)),
        format!("{:04}-{:02}-{:02}", date.year, month_last, last_day),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_bounds_cover_the_whole_period() {
        let b = |s: &str| date_bounds(&s.parse().unwrap());
        assert_eq!(b("2024"), ("2024-01-01".into(), "2024-12-31".into()));
        assert_eq!(b("2024-02"), ("2024-02-01".into(), "2024-02-29".into()));
        assert_eq!(b("2023-02"), ("2023-02-01".into(), "2023-02-28".into()));
        assert_eq!(b("2025-03-19"), ("2025-03-19".into(), "2025-03-19".into()));
    }

    fn mention(name: &str, aliases: &[&str], title: &str, country: Option<&str>) -> Person {
        Person {
            name: name.into(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            titles: vec![title.into()],
            organization: None,
            country: country.map(Into::into),
            evidence: vec![],
        }
    }

    #[test]
    fn a_tally_keeps_the_first_spelling_and_the_state_given_most_often() {
        let mut tally = ProfileTally::default();
        tally.add(&mention("Ana Tinca", &["Tinca"], "State Secretary", Some("ro")));
        tally.add(&mention("ANA TINCA", &["Ana Tinca"], "Minister", Some("MD")));
        tally.add(&mention("Ana Tinca", &[], "State Secretary", Some("md")));
        let profile = tally.into_profile(vec![]);
        assert_eq!(profile.name, "Ana Tinca");
        assert_eq!(profile.aliases, ["Tinca", "ANA TINCA"], "other spellings once each, the name itself not");
        assert_eq!(profile.titles, ["State Secretary", "Minister"]);
        assert_eq!(profile.country.as_deref(), Some("MD"), "two mentions against one, in upper case");

        let mut tie = ProfileTally::default();
        tie.add(&mention("A B", &[], "Envoy", Some("NO")));
        tie.add(&mention("A B", &[], "Envoy", Some("SE")));
        assert_eq!(tie.into_profile(vec![]).country.as_deref(), Some("NO"), "the earliest wins a tie");
    }

    #[test]
    fn absorbing_a_later_tally_equals_adding_its_mentions_in_order() {
        let mentions = [
            mention("Ana Tinca", &[], "State Secretary", Some("RO")),
            mention("Tinca", &["Ana Tinca"], "Minister", None),
            mention("A. Tinca", &[], "Minister", Some("MD")),
            mention("Ana Tinca", &[], "Ambassador", Some("MD")),
        ];
        let mut whole = ProfileTally::default();
        mentions.iter().for_each(|m| whole.add(m));
        for split in 0..=mentions.len() {
            let (mut earlier, mut later) = (ProfileTally::default(), ProfileTally::default());
            mentions[..split].iter().for_each(|m| earlier.add(m));
            mentions[split..].iter().for_each(|m| later.add(m));
            earlier.absorb(&later);
            assert_eq!(earlier, whole, "split after {split} mentions");
        }
    }

    #[test]
    fn a_tally_keeps_at_most_the_first_items_of_each_list() {
        let mut tally = ProfileTally::default();
        for i in 0..PROFILE_LIST_MOST + 10 {
            tally.add(&mention("A B", &[&format!("alias {i}")], &format!("title {i}"), Some(&format!("{i:02}"))));
        }
        let profile = tally.into_profile(vec![]);
        assert_eq!(profile.titles.len(), PROFILE_LIST_MOST);
        assert_eq!(profile.aliases.len(), PROFILE_LIST_MOST);
        assert_eq!(profile.titles.last().map(String::as_str), Some(format!("title {}", PROFILE_LIST_MOST - 1).as_str()));
    }

    #[test]
    fn document_ids_are_the_latest_distinct_in_commit_order() {
        let facts: Vec<DocFact<()>> =
            (0..PERSON_DETAIL_LIMIT + 5).map(|i| DocFact { document_id: format!("d{}", i / 2 * 2), fact: () }).collect();
        let ids = document_ids(facts.iter().rev().map(|f| f.document_id.as_str()));
        let last = PERSON_DETAIL_LIMIT + 4;
        assert_eq!(ids.last(), Some(&format!("d{}", last / 2 * 2)));
        assert!(ids.windows(2).all(|w| w[0] != w[1]), "each document once");
        assert!(ids.len() <= PERSON_DETAIL_LIMIT);
    }

    #[test]
    fn name_keys_fold_case_and_space() {
        assert_eq!(name_key("  Roman\n VASSILENKO "), "roman vassilenko");
    }
}
