//! The query use cases: check what a client asks for, turn it into store
//! filters and page keys, and hand back pages with opaque page tokens. No wire
//! types here; the service adapts them.
//!
//! A page token is URL-safe base64 of a small JSON object naming the listing,
//! a fingerprint of its filters and the store's key of the last item, so a
//! token used with another listing or other filters is refused clearly.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::{Event, EventKind, Extraction, Figure, PartialDate, Quote};
use crate::error::ErrorCode;
use crate::store::{
    DocFact, DocumentFilter, EventFilter, FigureFilter, Page, PageRequest, PersonDetail, PersonFilter, PersonProfile,
    QuoteFilter, Store, StoreError, StoredDocument, name_key,
};

/// Page size when the client gives none.
pub const DEFAULT_PAGE_SIZE: usize = 50;
/// Largest page size; larger requests are capped.
pub const MAX_PAGE_SIZE: usize = 1000;

/// Why a query cannot be answered.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The request is malformed.
    #[error("{0}")]
    InvalidArgument(String),
    /// The thing asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl QueryError {
    /// Returns the transport-neutral code of the error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidArgument(_) => ErrorCode::InvalidArgument,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::Store(e) => e.code(),
        }
    }
}

fn invalid(msg: impl Into<String>) -> QueryError {
    QueryError::InvalidArgument(msg.into())
}

/// Which page a client asks for, as it sent it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageParams {
    /// Requested size; 0 means the default, negative is an error.
    pub size: i32,
    /// The previous page's token; empty for the first page.
    pub token: String,
}

/// One page of results with the token for the next.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing<T> {
    /// The items.
    pub items: Vec<T>,
    /// Token for the next page; empty on the last page.
    pub next_page_token: String,
}

/// Filters of a document listing, as the client sent them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentsQuery {
    /// Exact source.
    pub source: Option<String>,
    /// Words (and "quoted phrases") the text must contain.
    pub text: Option<String>,
}

/// Filters of a person listing, as the client sent them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonsQuery {
    /// ISO alpha-2 code.
    pub country: Option<String>,
    /// Part of the name.
    pub name_contains: Option<String>,
}

/// Filters of an event listing, as the client sent them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventsQuery {
    /// A participant's name.
    pub participant: Option<String>,
    /// ISO alpha-2 code.
    pub country: Option<String>,
    /// A second ISO alpha-2 code: with `country`, a pair of states.
    pub other_country: Option<String>,
    /// Event kind.
    pub kind: Option<EventKind>,
    /// Place name.
    pub place: Option<String>,
    /// Earliest date, `YYYY[-MM[-DD]]`.
    pub since: Option<String>,
    /// Latest date, `YYYY[-MM[-DD]]`.
    pub until: Option<String>,
}

/// Filters of a quote listing, as the client sent them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuotesQuery {
    /// The speaker's name.
    pub speaker: Option<String>,
    /// Words the quote must contain.
    pub words: Option<String>,
}

/// Filters of a figure listing, as the client sent them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FiguresQuery {
    /// Metric, e.g. `trade_turnover`.
    pub metric: Option<String>,
    /// ISO alpha-2 code.
    pub country: Option<String>,
    /// Period, e.g. `2024`.
    pub period: Option<String>,
}

/// Runs the queries against a store. Share it behind an `Arc`.
pub struct Query {
    store: Arc<dyn Store>,
}

impl Query {
    /// Returns the query use cases over a store.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// Returns a document with its text and facts.
    pub async fn get_document(&self, id: String) -> Result<(StoredDocument, Extraction), QueryError> {
        if id.is_empty() {
            return Err(invalid("id is empty; give the id of a stored document"));
        }
        let msg = format!("no document with id {id:?}; list documents to see the ids");
        self.store.get_document(id).await?.ok_or(QueryError::NotFound(msg))
    }

    /// Lists documents in ingestion order.
    pub async fn list_documents(&self, q: DocumentsQuery, page: PageParams) -> Result<Listing<StoredDocument>, QueryError> {
        let text = phrases(q.text.as_deref().unwrap_or(""));
        require_words("text", q.text.as_deref(), !text.is_empty())?;
        let filter = DocumentFilter { source: q.source, text };
        let (req, cursor) = open_page("documents", &filter, page)?;
        let out = self.store.list_documents(filter, req).await?;
        Ok(close_page(cursor, out))
    }

    /// Lists persons in name order.
    pub async fn list_persons(&self, q: PersonsQuery, page: PageParams) -> Result<Listing<PersonProfile>, QueryError> {
        let filter = PersonFilter {
            country: q.country.map(country_code).transpose()?,
            name_contains: q.name_contains.map(|n| name_key(&n)).filter(|n| !n.is_empty()),
        };
        let (req, cursor) = open_page("persons", &filter, page)?;
        let out = self.store.list_persons(filter, req).await?;
        Ok(close_page(cursor, out))
    }

    /// Returns a person by name or alias.
    pub async fn get_person(&self, name: String) -> Result<PersonDetail, QueryError> {
        let key = name_key(&name);
        if key.is_empty() {
            return Err(invalid("name is empty; give a person's name, e.g. \"Roman Vassilenko\""));
        }
        let msg = format!("no person named {name:?}; list persons to see the names");
        self.store.get_person(key).await?.ok_or(QueryError::NotFound(msg))
    }

    /// Lists events in ingestion order.
    pub async fn list_events(&self, q: EventsQuery, page: PageParams) -> Result<Listing<DocFact<Event>>, QueryError> {
        let since = q.since.as_deref().map(|s| date("start date", s)).transpose()?;
        let until = q.until.as_deref().map(|s| date("end date", s)).transpose()?;
        if let (Some(s), Some(u)) = (&since, &until)
            && crate::store::date_bounds(s).0 > crate::store::date_bounds(u).1
        {
            return Err(invalid(format!("start date {s} is after end date {u}; swap them")));
        }
        // One state given either way is the same filter; two are a pair.
        let mut country = q.country.map(country_code).transpose()?;
        let mut other_country = q.other_country.map(country_code).transpose()?;
        if country.is_none() || country == other_country {
            country = country.or(other_country.take());
        }
        let filter = EventFilter {
            participant: q.participant.map(|p| name_key(&p)).filter(|p| !p.is_empty()),
            country,
            other_country,
            kind: q.kind,
            place: q.place.map(|p| name_key(&p)).filter(|p| !p.is_empty()),
            since,
            until,
        };
        let (req, cursor) = open_page("events", &filter, page)?;
        let out = self.store.list_events(filter, req).await?;
        Ok(close_page(cursor, out))
    }

    /// Lists quotes in ingestion order.
    pub async fn list_quotes(&self, q: QuotesQuery, page: PageParams) -> Result<Listing<DocFact<Quote>>, QueryError> {
        let words = words(q.words.as_deref().unwrap_or(""));
        require_words("words", q.words.as_deref(), !words.is_empty())?;
        let filter = QuoteFilter { speaker: q.speaker.map(|s| name_key(&s)).filter(|s| !s.is_empty()), words };
        let (req, cursor) = open_page("quotes", &filter, page)?;
        let out = self.store.list_quotes(filter, req).await?;
        Ok(close_page(cursor, out))
    }

    /// Lists figures in ingestion order.
    pub async fn list_figures(&self, q: FiguresQuery, page: PageParams) -> Result<Listing<DocFact<Figure>>, QueryError> {
        let filter = FigureFilter {
            metric: q.metric.map(|m| m.trim().to_lowercase()),
            country: q.country.map(country_code).transpose()?,
            period: q.period.map(|p| p.trim().to_owned()),
        };
        let (req, cursor) = open_page("figures", &filter, page)?;
        let out = self.store.list_figures(filter, req).await?;
        Ok(close_page(cursor, out))
    }
}

/// Returns an upper-case ISO 3166-1 alpha-2 code, or why the input is not one.
pub fn country_code(s: String) -> Result<String, QueryError> {
    let code = s.trim().to_ascii_uppercase();
    if code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err(invalid(format!("country {s:?} is not an ISO 3166-1 alpha-2 code like \"KZ\"")))
    }
}

/// Returns the words of a search text: its runs of letters and digits, lower case.
fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// Returns a search text as the phrases that must all occur: the words in
/// double quotes form one phrase (an unclosed quote runs to the end), and so
/// do the words of each other white-space-separated part, so that
/// "Kazakh-Romanian" matches those two words together rather than anywhere.
fn phrases(s: &str) -> Vec<Vec<String>> {
    s.split('"')
        .enumerate()
        .flat_map(|(i, part)| if i % 2 == 1 { vec![words(part)] } else { part.split_whitespace().map(words).collect() })
        .filter(|phrase| !phrase.is_empty())
        .collect()
}

/// Fails when a search field holds something but no word to search for.
fn require_words(field: &str, given: Option<&str>, found: bool) -> Result<(), QueryError> {
    if given.is_some_and(|s| !s.trim().is_empty()) && !found {
        return Err(invalid(format!("{field} holds no letters or digits; give words to search for")));
    }
    Ok(())
}

fn date(what: &str, s: &str) -> Result<PartialDate, QueryError> {
    s.parse().map_err(|e| invalid(format!("{what}: {e}")))
}

/// What a page token carries.
#[derive(Debug, Serialize, Deserialize)]
struct Cursor {
    /// The listing.
    l: String,
    /// Fingerprint of the filters.
    f: String,
    /// The store's key of the last item returned.
    a: String,
}

/// A listing's identity, kept to mint the next token.
struct CursorBase {
    listing: &'static str,
    fingerprint: String,
}

fn fingerprint(filter: &impl Serialize) -> String {
    let json = serde_json::to_vec(filter).unwrap_or_default();
    hex::encode(&Sha256::digest(&json)[..8])
}

/// Checks the page parameters and decodes the token into a store page request.
fn open_page(listing: &'static str, filter: &impl Serialize, page: PageParams) -> Result<(PageRequest, CursorBase), QueryError> {
    let size = match page.size {
        n if n < 0 => return Err(invalid(format!("page_size {n} is negative; give 0 for the default or a positive size"))),
        0 => DEFAULT_PAGE_SIZE,
        n => (n as usize).min(MAX_PAGE_SIZE),
    };
    let base = CursorBase { listing, fingerprint: fingerprint(filter) };
    let after = if page.token.is_empty() {
        None
    } else {
        let bad = || invalid("page_token is not a token this listing handed out; start again without a token");
        let bytes = URL_SAFE_NO_PAD.decode(page.token.trim()).map_err(|_| bad())?;
        let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        if cursor.l != listing {
            return Err(invalid(format!("page_token belongs to the {} listing, not {listing}", cursor.l)));
        }
        if cursor.f != base.fingerprint {
            return Err(invalid("page_token was made with other filters; repeat the same filters or start again without a token"));
        }
        Some(cursor.a)
    };
    Ok((PageRequest { size, after }, base))
}

fn close_page<T>(base: CursorBase, page: Page<T>) -> Listing<T> {
    let next_page_token = page.next_after.map_or_else(String::new, |a| {
        let cursor = Cursor { l: base.listing.into(), f: base.fingerprint, a };
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&cursor).unwrap_or_default())
    });
    Listing { items: page.items, next_page_token }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip_and_refuse_other_filters() {
        let filter = FigureFilter { metric: Some("exports".into()), ..Default::default() };
        let (_, base) = open_page("figures", &filter, PageParams::default()).unwrap();
        let listing = close_page(base, Page { items: vec![1], next_after: Some("42".into()) });
        let again = PageParams { size: 10, token: listing.next_page_token.clone() };
        let (req, _) = open_page("figures", &filter, again.clone()).unwrap();
        assert_eq!(req, PageRequest { size: 10, after: Some("42".into()) });
        assert!(open_page("figures", &FigureFilter::default(), again.clone()).is_err());
        assert!(open_page("quotes", &filter, again).is_err());
        assert!(open_page("figures", &filter, PageParams { size: 0, token: "garbage!".into() }).is_err());
        assert!(open_page("figures", &filter, PageParams { size: -1, token: String::new() }).is_err());
        let (req, _) = open_page("figures", &filter, PageParams { size: 5000, token: String::new() }).unwrap();
        assert_eq!(req.size, MAX_PAGE_SIZE);
    }

    #[test]
    fn search_texts_become_phrases() {
        let p = |s: &str| phrases(s);
        assert_eq!(p("Strategic  PARTNERSHIP"), vec![vec!["strategic"], vec!["partnership"]]);
        assert_eq!(p("\"strategic partnership\" Romania"), vec![vec!["strategic", "partnership"], vec!["romania"]]);
        assert_eq!(p("Kazakh-Romanian 2.92"), vec![vec!["kazakh", "romanian"], vec!["2", "92"]]);
        assert_eq!(p("\"unclosed phrase"), vec![vec!["unclosed", "phrase"]]);
        assert_eq!(p(" \"\" -- "), Vec::<Vec<String>>::new());
        assert!(require_words("text", Some("--"), false).is_err());
        assert!(require_words("text", Some("  "), false).is_ok());
    }

    #[test]
    fn country_codes_are_two_letters() {
        assert_eq!(country_code(" kz ".into()).unwrap(), "KZ");
        assert!(country_code("KAZ".into()).is_err());
        assert!(country_code("K1".into()).is_err());
    }
}
