//! The ingest use case: validate a submitted document, settle its id, read
//! its facts on the blocking pool, store both, then publish them to the live
//! feed. Also the extract-only use case, which shares the validation. No wire
//! types here; the service adapts them.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Semaphore;
use tracing::{debug, instrument};

use crate::docfile::text_identity;
use crate::domain::{Document, Extraction, PartialDate};
use crate::error::ErrorCode;
use crate::extract::{Extractor, Input};
use crate::feed::{Feed, StoredFacts};
use crate::known_ids::KnownIds;
use crate::metrics::{DocStatus, Metrics};
use crate::store::{InsertOutcome, NewDocument, Store, StoreError};

/// Longest client id accepted, in bytes.
pub const MAX_ID_BYTES: usize = 512;
/// Days a publication date may lie after today (UTC), for time zones ahead.
const FUTURE_SLACK_DAYS: i64 = 1;

/// A document as a client submits it: every field optional, nothing checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentDraft {
    /// The client's id; `None` lets the server derive one from the text.
    pub id: Option<String>,
    /// Where it was published.
    pub url: Option<String>,
    /// Who published it.
    pub source: Option<String>,
    /// The headline.
    pub title: Option<String>,
    /// The publication date as the client wrote it.
    pub published: Option<String>,
    /// BCP 47 language tag.
    pub language: Option<String>,
    /// The full text.
    pub text: String,
}

impl From<Document> for DocumentDraft {
    fn from(d: Document) -> Self {
        let Document { id, url, source, title, published, language, text } = d;
        Self { id: Some(id), url, source, title, published: published.map(|p| p.to_string()), language, text }
    }
}

/// How many facts of each kind a document yielded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FactCounts {
    /// Persons.
    pub persons: u32,
    /// Organizations.
    pub organizations: u32,
    /// Countries.
    pub countries: u32,
    /// Places.
    pub places: u32,
    /// Events.
    pub events: u32,
    /// Quotes.
    pub quotes: u32,
    /// Figures.
    pub figures: u32,
    /// Topics.
    pub topics: u32,
    /// All kinds together.
    pub total: u32,
}

impl FactCounts {
    /// Returns the counts of an extraction.
    pub fn of(x: &Extraction) -> Self {
        let n = |len: usize| u32::try_from(len).unwrap_or(u32::MAX);
        Self {
            persons: n(x.persons.len()),
            organizations: n(x.organizations.len()),
            countries: n(x.countries.len()),
            places: n(x.places.len()),
            events: n(x.events.len()),
            quotes: n(x.quotes.len()),
            figures: n(x.figures.len()),
            topics: n(x.topics.len()),
            total: n(x.fact_count()),
        }
    }
}

/// What happened to an accepted document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestOutcome {
    /// Stored with its facts.
    Created {
        /// The document's id.
        id: String,
        /// The facts stored.
        counts: FactCounts,
    },
    /// Already stored with the same text; nothing changed.
    Duplicate {
        /// The document's id.
        id: String,
    },
}

/// The broad reason for a rejection, for programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectionKind {
    /// A malformed field (id, date, language) or no document at all.
    InvalidField,
    /// Empty or blank text.
    EmptyText,
    /// Text over the size limit.
    TooLarge,
    /// NUL or other control characters in the text.
    ControlCharacters,
    /// The id is stored with another text.
    IdConflict,
    /// The store is unreachable for now; a retry may succeed.
    Unavailable,
    /// A server-side failure.
    Internal,
}

/// Why a document was not ingested (or a text not read).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The request carried no document.
    #[error("the request has no document; set the `document` field")]
    MissingDocument,
    /// The text is empty.
    #[error("text is empty; send the full text of the release")]
    EmptyText,
    /// The text is only white space.
    #[error("text is only white space; send the full text of the release")]
    BlankText,
    /// The text is over the size limit.
    #[error("text is {size} bytes, over the limit of {limit} bytes; split the release or raise the server's --max-text-bytes")]
    TooLarge {
        /// Size of the text.
        size: usize,
        /// The configured limit.
        limit: usize,
    },
    /// The text holds a control character.
    #[error("text holds control character U+{code:04X} at byte {offset}; remove NUL and control characters other than tab and line breaks")]
    ControlCharacter {
        /// Its code point.
        code: u32,
        /// Its byte offset.
        offset: usize,
    },
    /// The published date does not parse.
    #[error("published date: {0}")]
    BadDate(String),
    /// The published date lies in the future.
    #[error("published date {date} lies in the future (today is {today}); check the date")]
    FutureDate {
        /// The date given.
        date: PartialDate,
        /// Today's date on the server (UTC).
        today: PartialDate,
    },
    /// The id is unusable.
    #[error("id {problem}; use at most {MAX_ID_BYTES} bytes of printable text, or leave it empty to use the text's hash")]
    BadId {
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The language tag is unusable.
    #[error("language {tag:?} is not a BCP 47 tag like `en` or `pt-BR`")]
    BadLanguage {
        /// The tag given (shortened).
        tag: String,
    },
    /// The id is stored with another text.
    #[error("a document with id {id:?} is already stored with a different text; send it under a new id, or leave the id empty")]
    Conflict {
        /// The id.
        id: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A broken promise between layers (a bug).
    #[error("internal error: {0}; please report it")]
    Internal(&'static str),
    /// The extraction task died (a bug in the core).
    #[error("reading the facts failed: {0}; please report this document")]
    Extraction(String),
}

impl IngestError {
    /// Returns the transport-neutral code of the error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Conflict { .. } => ErrorCode::AlreadyExists,
            Self::Store(e) => e.code(),
            Self::Extraction(_) | Self::Internal(_) => ErrorCode::Internal,
            _ => ErrorCode::InvalidArgument,
        }
    }

    /// Returns the broad reason, for programs.
    pub fn kind(&self) -> RejectionKind {
        match self {
            Self::EmptyText | Self::BlankText => RejectionKind::EmptyText,
            Self::TooLarge { .. } => RejectionKind::TooLarge,
            Self::ControlCharacter { .. } => RejectionKind::ControlCharacters,
            Self::Conflict { .. } => RejectionKind::IdConflict,
            Self::Store(e) if e.code() == ErrorCode::Unavailable => RejectionKind::Unavailable,
            Self::Store(_) | Self::Extraction(_) | Self::Internal(_) => RejectionKind::Internal,
            Self::MissingDocument | Self::BadDate(_) | Self::FutureDate { .. } | Self::BadId { .. } | Self::BadLanguage { .. } => {
                RejectionKind::InvalidField
            }
        }
    }
}

/// A document ready to commit: validated, identified and read (or found to
/// be stored already).
#[derive(Debug)]
pub struct Prepared(Step);

#[derive(Debug)]
enum Step {
    /// The same document is stored already.
    Stored { id: String },
    /// A new document with its facts.
    New(Box<NewDocument>),
}

/// Limits applied to every submitted text.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest text accepted, in bytes.
    pub max_text_bytes: usize,
}

impl Limits {
    /// Returns the draft as a document with its final id, or why it is
    /// unusable: everything the server checks before reading the facts and
    /// asking the store. No I/O beyond reading the clock for future dates.
    pub fn validate(&self, d: DocumentDraft) -> Result<Document, IngestError> {
        self.check_text(&d.text)?;
        let published = parse_published(d.published.as_deref())?;
        let language = d.language.map(check_language).transpose()?;
        let id = match d.id {
            Some(id) => check_id(id)?,
            None => text_identity(&d.text),
        };
        Ok(Document { id, url: d.url, source: d.source, title: d.title, published, language, text: d.text })
    }

    fn check_text(&self, text: &str) -> Result<(), IngestError> {
        if text.is_empty() {
            return Err(IngestError::EmptyText);
        }
        if text.len() > self.max_text_bytes {
            return Err(IngestError::TooLarge { size: text.len(), limit: self.max_text_bytes });
        }
        if let Some((offset, c)) = first_forbidden_control(text) {
            return Err(IngestError::ControlCharacter { code: u32::from(c), offset });
        }
        if text.trim().is_empty() {
            return Err(IngestError::BlankText);
        }
        Ok(())
    }
}

/// Runs the ingest and extract use cases. Share it behind an `Arc`.
pub struct Ingestor {
    store: Arc<dyn Store>,
    extractor: Arc<Extractor>,
    feed: Feed,
    limits: Limits,
    metrics: Arc<Metrics>,
    /// Bounds CPU-heavy extractions across all streams to the cores we have.
    extracting: Semaphore,
    /// The ids known to be stored, to skip the store's pre-check for new ones.
    known: Arc<KnownIds>,
}

impl Ingestor {
    /// Returns an ingestor over a store, publishing to `feed` and counting
    /// into `metrics`.
    pub fn new(store: Arc<dyn Store>, extractor: Arc<Extractor>, feed: Feed, limits: Limits, metrics: Arc<Metrics>) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self { store, extractor, feed, limits, metrics, extracting: Semaphore::new(cores), known: Arc::default() }
    }

    /// Reads the ids of the documents stored so far into the filter that
    /// lets new ids skip the duplicate pre-check. Until it returns, every
    /// document is pre-checked with the store; if it fails, they all still are.
    pub async fn learn_stored_ids(&self) {
        let started = Instant::now();
        let known = Arc::clone(&self.known);
        match self.store.visit_ids(Box::new(move |id| known.insert(id))).await {
            Ok(count) => {
                self.known.mark_ready();
                tracing::info!(ids = count, elapsed_ms = started.elapsed().as_millis() as u64, "stored document ids read");
            }
            Err(e) => tracing::warn!(error = %e, "cannot read the stored document ids; every document is checked with the store first"),
        }
    }

    /// Counts a document refused before it reached the ingestor (no
    /// document in the request, say).
    pub fn count_rejected(&self) {
        self.metrics.document(DocStatus::rejected);
    }

    /// Ingests one document: returns once it and its facts are durably stored
    /// (or found to be stored already).
    pub async fn ingest(&self, draft: DocumentDraft) -> Result<IngestOutcome, IngestError> {
        let prepared = self.prepare(draft).await?;
        // One document in, one result out.
        self.commit(vec![prepared]).await.pop().unwrap_or(Err(IngestError::Internal("the store returned no result")))
    }

    /// Validates a document, settles its id and reads its facts: everything
    /// but storing. Documents of one stream are prepared concurrently, then
    /// committed in order with [`Ingestor::commit`].
    #[instrument(skip_all, fields(doc_id = tracing::field::Empty))]
    pub async fn prepare(&self, draft: DocumentDraft) -> Result<Prepared, IngestError> {
        let prepared = self.prepare_inner(draft).await;
        if prepared.is_err() {
            self.count_rejected();
        }
        prepared
    }

    async fn prepare_inner(&self, draft: DocumentDraft) -> Result<Prepared, IngestError> {
        // A document sent without an id gets its text's identity as its id.
        let id_is_identity = draft.id.is_none();
        let doc = self.validate(draft)?;
        tracing::Span::current().record("doc_id", doc.id.as_str());
        let text_hash = if id_is_identity { doc.id.clone() } else { text_identity(&doc.text) };
        // Cheap pre-check, so a resent corpus does not pay for extraction
        // again; skipped for ids surely not stored.
        let stored = if self.known.may_contain(&doc.id) { self.store.text_hash(doc.id.clone()).await? } else { None };
        if let Some(stored) = stored {
            return if stored == text_hash {
                Ok(Prepared(Step::Stored { id: doc.id }))
            } else {
                Err(IngestError::Conflict { id: doc.id })
            };
        }
        let facts = self.read_facts(&doc.text, doc.published, doc.title.as_deref()).await?;
        Ok(Prepared(Step::New(Box::new(NewDocument { document: doc, text_hash, facts: Arc::new(facts) }))))
    }

    /// Stores prepared documents in the given order, in as few transactions
    /// as the store manages, publishes the facts of those created, and returns
    /// one result per document once all are durable.
    pub async fn commit(&self, batch: Vec<Prepared>) -> Vec<Result<IngestOutcome, IngestError>> {
        let mut new_docs = Vec::new();
        let mut ids = Vec::with_capacity(batch.len());
        for Prepared(step) in batch {
            match step {
                Step::Stored { id } => ids.push((id, false)),
                Step::New(doc) => {
                    ids.push((doc.document.id.clone(), true));
                    new_docs.push(*doc);
                }
            }
        }
        // The store and the feed of live watchers share the facts.
        let facts: Vec<Arc<Extraction>> = new_docs.iter().map(|d| Arc::clone(&d.facts)).collect();
        let started = Instant::now();
        let stored = self.store.insert_batch(new_docs).await;
        if !facts.is_empty() {
            self.metrics.commit(started.elapsed());
        }
        let stored = match stored {
            Ok(results) => results,
            Err(e) => {
                let reason = e.to_string();
                facts.iter().map(|_| Err(StoreError::Unavailable(reason.clone()))).collect()
            }
        };
        let mut stored = stored.into_iter().zip(facts);
        let results: Vec<_> = ids
            .into_iter()
            .map(|(id, is_new)| {
                if !is_new {
                    return Ok(IngestOutcome::Duplicate { id });
                }
                let (result, facts) = stored
                    .next()
                    .ok_or(IngestError::Internal("the store returned too few results"))?;
                if let Ok(InsertOutcome::Created { .. } | InsertOutcome::Duplicate) = &result {
                    self.known.insert(&id);
                }
                match result? {
                    InsertOutcome::Created { seq } => {
                        let counts = FactCounts::of(&facts);
                        debug!(doc_id = %id, seq, facts = counts.total, "stored");
                        self.feed.publish(StoredFacts { document_id: id.clone(), facts });
                        Ok(IngestOutcome::Created { id, counts })
                    }
                    InsertOutcome::Duplicate => duplicate_or_conflict(id, true),
                    InsertOutcome::Conflict => duplicate_or_conflict(id, false),
                }
            })
            .collect();
        for result in &results {
            match result {
                Ok(IngestOutcome::Created { counts, .. }) => {
                    self.metrics.document(DocStatus::created);
                    self.metrics.facts(counts);
                }
                Ok(IngestOutcome::Duplicate { .. }) => self.metrics.document(DocStatus::duplicate),
                Err(_) => self.metrics.document(DocStatus::rejected),
            }
        }
        results
    }

    /// Reads the facts of a text without storing anything.
    pub async fn extract_only(
        &self,
        text: String,
        published: Option<String>,
        title: Option<String>,
    ) -> Result<Extraction, IngestError> {
        self.limits.check_text(&text)?;
        let published = parse_published(published.as_deref())?;
        self.read_facts(&text, published, title.as_deref()).await
    }

    /// Runs the extraction core on the blocking pool, at most one per core.
    async fn read_facts(&self, text: &str, published: Option<PartialDate>, title: Option<&str>) -> Result<Extraction, IngestError> {
        let _permit = self
            .extracting
            .acquire()
            .await
            .map_err(|_| IngestError::Extraction("the server is shutting down".into()))?;
        let extractor = Arc::clone(&self.extractor);
        let (text, title) = (text.to_owned(), title.map(str::to_owned));
        let (facts, took) = tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let facts = extractor.extract(&Input { text: &text, published, title: title.as_deref() });
            (facts, started.elapsed())
        })
        .await
        .map_err(|e| IngestError::Extraction(e.to_string()))?;
        self.metrics.extraction(took);
        Ok(facts)
    }

    /// Returns the draft as a document with its final id, or why it is unusable.
    fn validate(&self, d: DocumentDraft) -> Result<Document, IngestError> {
        self.limits.validate(d)
    }
}

/// What a batch ingestion did, document by document.
#[derive(Debug, Default)]
pub struct IngestSummary {
    /// Ids of the documents stored.
    pub created: Vec<String>,
    /// Ids of the documents stored before.
    pub duplicate: Vec<String>,
    /// Ids (or positions) of the documents refused, with the reason.
    pub rejected: Vec<(String, String)>,
}

impl Ingestor {
    /// Ingests documents one after the other (the `serve --ingest` path) and
    /// sums up what happened; a rejected document does not stop the others.
    pub async fn ingest_all(&self, docs: Vec<Document>) -> IngestSummary {
        let mut summary = IngestSummary::default();
        for doc in docs {
            let id = doc.id.clone();
            match self.ingest(DocumentDraft::from(doc)).await {
                Ok(IngestOutcome::Created { id, .. }) => summary.created.push(id),
                Ok(IngestOutcome::Duplicate { id }) => summary.duplicate.push(id),
                Err(e) => summary.rejected.push((id, e.to_string())),
            }
        }
        summary
    }
}

fn duplicate_or_conflict(id: String, same_text: bool) -> Result<IngestOutcome, IngestError> {
    if same_text { Ok(IngestOutcome::Duplicate { id }) } else { Err(IngestError::Conflict { id }) }
}

/// Returns the first control character other than tab, line feed and
/// carriage return, with its byte offset. Reads bytes, not characters: the
/// C0 controls and DEL are bytes of their own, and the C1 controls
/// (U+0080–U+009F) are the only characters written 0xC2 then 0x80–0x9F.
fn first_forbidden_control(text: &str) -> Option<(usize, char)> {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().find_map(|(i, &b)| match b {
        b'\t' | b'\n' | b'\r' => None,
        0..=0x1f | 0x7f => Some((i, char::from(b))),
        0xc2 => bytes.get(i + 1).filter(|&&n| (0x80..=0x9f).contains(&n)).map(|&n| (i, char::from(n))),
        _ => None,
    })
}

fn parse_published(s: Option<&str>) -> Result<Option<PartialDate>, IngestError> {
    let Some(s) = s else { return Ok(None) };
    let date = s.parse::<PartialDate>().map_err(|e| IngestError::BadDate(e.to_string()))?;
    let now = time::OffsetDateTime::now_utc().date();
    let today = PartialDate::ymd(now.year() as u16, u8::from(now.month()), now.day());
    if let Some(today) = today {
        let latest = today.add_days(FUTURE_SLACK_DAYS).unwrap_or(today);
        if crate::store::date_bounds(&date).0 > crate::store::date_bounds(&latest).0 {
            return Err(IngestError::FutureDate { date, today });
        }
    }
    Ok(Some(date))
}

fn check_id(id: String) -> Result<String, IngestError> {
    let problem = if id.trim().is_empty() {
        Some("is blank")
    } else if id.len() > MAX_ID_BYTES {
        Some("is too long")
    } else if id.chars().any(char::is_control) {
        Some("holds control characters")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(IngestError::BadId { problem }),
        None => Ok(id),
    }
}

fn check_language(tag: String) -> Result<String, IngestError> {
    let ok = tag.len() <= 35
        && tag.split('-').all(|part| (1..=8).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_alphanumeric()));
    if ok { Ok(tag) } else { Err(IngestError::BadLanguage { tag: tag.chars().take(40).collect() }) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::SqliteStore;

    fn ingestor(max: usize) -> (tempfile::TempDir, Ingestor) {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(dir.path(), 1).unwrap());
        let ing = Ingestor::new(store, Arc::new(Extractor::new()), Feed::new(), Limits { max_text_bytes: max }, Arc::default());
        (dir, ing)
    }

    #[test]
    fn control_characters_are_found_where_a_character_scan_finds_them() {
        let by_chars = |text: &str| text.char_indices().find(|&(_, c)| c.is_control() && !matches!(c, '\t' | '\n' | '\r'));
        for text in [
            "plain text", "tab\tline\ncarriage\r", "bell\u{7}", "escape \u{1b}[0m", "del\u{7f}", "nul\0",
            "next line\u{85}", "last C1\u{9f}", "no-break\u{a0}space", "é ü € 中文", "ok then \u{80}", "\u{c2}\u{a0}\u{9f}",
        ] {
            assert_eq!(first_forbidden_control(text), by_chars(text), "{text:?}");
        }
    }

    fn draft(id: Option<&str>, text: &str) -> DocumentDraft {
        DocumentDraft { id: id.map(Into::into), text: text.into(), ..Default::default() }
    }

    #[tokio::test]
    async fn rejects_bad_input_with_a_reason() {
        let (_d, ing) = ingestor(100);
        let cases: Vec<(DocumentDraft, &str)> = vec![
            (draft(None, ""), "empty"),
            (draft(None, " \n\t "), "white space"),
            (draft(None, &"x".repeat(101)), "over the limit of 100 bytes"),
            (draft(None, "a\0b"), "U+0000 at byte 1"),
            (draft(Some(" "), "text"), "id is blank"),
            (draft(Some(&"i".repeat(513)), "text"), "id is too long"),
            (draft(Some("a\u{1}"), "text"), "control characters"),
            (DocumentDraft { published: Some("2025-02-30".into()), ..draft(None, "text") }, "invalid date"),
            (DocumentDraft { published: Some("2999-01-01".into()), ..draft(None, "text") }, "future"),
            (DocumentDraft { language: Some("english language".into()), ..draft(None, "text") }, "BCP 47"),
        ];
        for (d, want) in cases {
            let err = ing.ingest(d).await.unwrap_err();
            assert!(err.to_string().contains(want), "{err} should mention {want:?}");
            assert_eq!(err.code(), ErrorCode::InvalidArgument);
        }
    }

    #[tokio::test]
    async fn same_text_twice_is_a_duplicate_and_a_new_text_under_an_id_conflicts() {
        let (_d, ing) = ingestor(1000);
        let created = ing.ingest(draft(None, "Some  release text.")).await.unwrap();
        let IngestOutcome::Created { id, .. } = created else { panic!("{created:?}") };
        assert_eq!(id, text_identity("Some release text."));
        let again = ing.ingest(draft(None, "Some release text.")).await.unwrap();
        assert_eq!(again, IngestOutcome::Duplicate { id: id.clone() });
        ing.ingest(draft(Some("x"), "One.")).await.unwrap();
        let err = ing.ingest(draft(Some("x"), "Two.")).await.unwrap_err();
        assert_eq!(err.kind(), RejectionKind::IdConflict);
    }
}
