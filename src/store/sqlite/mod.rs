//! The embedded store: SQLite files under the data folder, no setup.
//!
//! `briefing.sqlite` holds the documents, each with its facts in its row;
//! `index.sqlite` holds what the listings search, built from those rows off
//! the commit path ([`index`]). Writes go through one writer thread fed by a
//! bounded channel. It takes every batch waiting (up to about [`MAX_BATCH`]
//! documents) into one transaction, commits once, then answers each caller:
//! group commit, so many small documents cost one fsync. The database runs in
//! WAL mode with `synchronous=FULL`, which syncs the WAL on every commit; an
//! acknowledged document therefore survives a crash or power loss. Reads use
//! a few separate connections on the blocking pool and never wait for the
//! writer (WAL readers see the last commit).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};

use super::{
    DocFact, DocumentFilter, EventFilter, FigureFilter, InsertOutcome, NewDocument, Page, PageRequest,
    PersonDetail, PersonFilter, PersonProfile, QuoteFilter, Store, StoreError, StoreFuture, StoreStats, StoredDocument,
    PERSON_DETAIL_LIMIT, ProfileTally, date_bounds, document_ids, int_key, limit, name_key, paginate, unique_upper,
};
use index::Progress;
use crate::domain::{
    Country, Document, Event, EventKind, Extraction, Figure, Organization, PartialDate, Person, Place,
    Quote, Topic,
};

/// Most documents committed in one transaction.
const MAX_BATCH: usize = 64;
/// Documents that may wait for the writer before `insert` callers wait.
const WRITE_QUEUE: usize = 256;
/// Prepared statements kept per connection (the writer uses about 15).
const STATEMENT_CACHE: usize = 64;
/// The schema version this code writes (`PRAGMA user_version`). A new store
/// is made at this version ([`DOCUMENTS`]); an older one is brought up to
/// it step by step from what version 1 made (`SCHEMA_1`, in the tests).
/// Version 2 added a full-text index over documents; version 3 moved it and
/// the one over quotes into a file of their own, now the index file
/// ([`index`]); version 4 added `alias_names` (see
/// `migrations/0003_alias_names.sql`); version 5 the metric to
/// `figure_countries` ([`FIGURE_COUNTRY_METRIC`]); version 6 rebuilt the
/// filter tables of events and counts each name's mentions and quotes
/// ([`EVENT_KEYS_AND_COUNTS`]); version 7 dropped what no query reads
/// ([`UNREAD`]); version 8 keeps each document's facts in its own row
/// ([`facts_into_documents`]); version 9 moved the fact tables to the index
/// file ([`FACTS_INTO_INDEX`]).
const SCHEMA_VERSION: i64 = 9;
/// Page cache of each read connection for the index file, in KiB (SQLite's
/// default, which the store's own file keeps, is 2 MiB). A profile reads a
/// page per mention, and a cache this size keeps the pages of the persons
/// asked about lately. It fills only as queries read, and SQLite empties it
/// whenever a commit of the indexer lands between two reads.
const READER_CACHE_KIB: i64 = 32 * 1024;
/// Page cache of the writer, in KiB: the inner pages of the documents and
/// their id index stay in memory as the store grows, instead of being read
/// again for each insert. Only the writer changes the store, so its cache
/// stays valid from one commit to the next.
const WRITER_CACHE_KIB: i64 = 16 * 1024;
/// Log pages after which the writer checkpoints the log itself: a fallback,
/// for the indexer thread checkpoints it far more often.
const WRITER_CHECKPOINT_PAGES: i64 = 16_384;
/// Name of the database file inside the data folder.
const FILE_NAME: &str = "briefing.sqlite";

mod index;

/// Which full names each alias stands for, one row per pair (schema 4), as
/// `migrations/0003_alias_names.sql` makes it for PostgreSQL.
const ALIAS_NAMES: &str = "
CREATE TABLE alias_names (
    alias_key TEXT NOT NULL,
    name_key  TEXT NOT NULL,
    PRIMARY KEY (alias_key, name_key)
) WITHOUT ROWID;
INSERT OR IGNORE INTO alias_names (alias_key, name_key)
    SELECT a.alias_key, p.name_key FROM person_aliases a JOIN persons p ON p.id = a.person_id;
";

/// Each figure's metric beside its countries (schema 5), so figures by
/// metric and country are one index range rather than a walk through all
/// of the country's figures testing the metric of each.
const FIGURE_COUNTRY_METRIC: &str = "
ALTER TABLE figure_countries ADD COLUMN metric TEXT;
UPDATE figure_countries SET metric = (SELECT f.metric FROM figures f WHERE f.id = figure_countries.figure_id);
CREATE INDEX figure_countries_metric ON figure_countries(code, metric, figure_id);
";

/// Schema 6. The filter tables of events become indexes in their own right
/// (`WITHOUT ROWID`, keyed the way listings walk them), one b-tree each where
/// there were two, and each state's row carries its event's dates, so that
/// events by state and dates are picked from that one index, in id order,
/// without reading an event that fails the dates. `name_counts` keeps how
/// many mentions and quotes each name key has, which a profile reports:
/// counting them took longer than the rest of a profile for the most
/// mentioned persons. `state_events` keeps how many events each state is
/// in, so that the events of a pair of states walk the rarer state's rows.
const EVENT_KEYS_AND_COUNTS: &str = "
CREATE TABLE event_participants_6 (
    name_key TEXT NOT NULL,
    event_id INTEGER NOT NULL REFERENCES events(id),
    PRIMARY KEY (name_key, event_id)
) WITHOUT ROWID;
INSERT OR IGNORE INTO event_participants_6 (name_key, event_id) SELECT name_key, event_id FROM event_participants;
DROP TABLE event_participants;
ALTER TABLE event_participants_6 RENAME TO event_participants;
CREATE TABLE event_countries_6 (
    code       TEXT NOT NULL,
    event_id   INTEGER NOT NULL REFERENCES events(id),
    date_start TEXT,
    date_end   TEXT,
    PRIMARY KEY (code, event_id)
) WITHOUT ROWID;
INSERT OR IGNORE INTO event_countries_6 (code, event_id, date_start, date_end)
    SELECT c.code, c.event_id, e.date_start, e.date_end FROM event_countries c JOIN events e ON e.id = c.event_id;
DROP TABLE event_countries;
ALTER TABLE event_countries_6 RENAME TO event_countries;
CREATE TABLE name_counts (
    name_key TEXT PRIMARY KEY,
    mentions INTEGER NOT NULL DEFAULT 0,
    quotes   INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
INSERT INTO name_counts (name_key, mentions) SELECT name_key, count(*) FROM persons GROUP BY name_key;
INSERT INTO name_counts (name_key, quotes)
    SELECT speaker_key, count(*) FROM quotes WHERE speaker_key IS NOT NULL GROUP BY speaker_key
    ON CONFLICT (name_key) DO UPDATE SET quotes = excluded.quotes;
CREATE TABLE state_events (
    code   TEXT PRIMARY KEY,
    events INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO state_events (code, events) SELECT code, count(*) FROM event_countries GROUP BY code;
";

/// Schema 7 drops what no query reads, which every insert paid for: the
/// states and topics indexed by name (the API lists neither), and the alias
/// of each mention, which `alias_names` answers since schema 4.
const UNREAD: &str = "
DROP INDEX countries_code;
DROP INDEX topics_name;
DROP TABLE person_aliases;
";

/// Schema 8: what goes once every document's facts are in its row. The
/// organizations, states, places and topics were read only with their
/// document, and the other fact tables kept an index by document for that
/// read alone; every insert paid for those eight b-trees, four of them keyed
/// by document id, so that each document touched a page of each anywhere in
/// the file. The publication date the facts were read with and the
/// diagnostics are in the row's facts too.
const FACT_TABLES_READ_BY_DOCUMENT: &str = "
ALTER TABLE documents DROP COLUMN facts_published;
ALTER TABLE documents DROP COLUMN diagnostics;
DROP TABLE organizations;
DROP TABLE countries;
DROP TABLE places;
DROP TABLE topics;
DROP INDEX persons_doc;
DROP INDEX events_doc;
DROP INDEX quotes_doc;
DROP INDEX figures_doc;
";

/// Schema 9: the fact tables move to the index file, which the indexer
/// fills from the documents' rows off the commit path ([`index`]). Each
/// commit wrote a page of every name-keyed index a document touched, some
/// fifty pages a document, and every acknowledgement waited for them to
/// reach the disk. Children go before their parents.
const FACTS_INTO_INDEX: &str = "
DROP TABLE alias_names;
DROP TABLE name_counts;
DROP TABLE persons;
DROP TABLE event_participants;
DROP TABLE event_countries;
DROP TABLE state_events;
DROP TABLE events;
DROP TABLE quotes;
DROP TABLE figure_countries;
DROP TABLE figures;
";

/// A new store (schema 9): the documents, each with its facts. Everything
/// else is in the index file ([`index`]).
const DOCUMENTS: &str = "
CREATE TABLE documents (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    url          TEXT,
    source       TEXT,
    title        TEXT,
    published    TEXT,
    language     TEXT,
    text         TEXT NOT NULL,
    text_hash    TEXT NOT NULL,
    text_bytes   INTEGER NOT NULL,
    ingested_at  INTEGER NOT NULL,
    facts        BLOB
);
CREATE INDEX documents_source ON documents(source, seq);
";

/// What version 1 made: the store every migration starts from.
#[cfg(test)]
const SCHEMA_1: &str = r#"
CREATE TABLE documents (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    url          TEXT,
    source       TEXT,
    title        TEXT,
    published    TEXT,
    language     TEXT,
    text         TEXT NOT NULL,
    text_hash    TEXT NOT NULL,
    text_bytes   INTEGER NOT NULL,
    ingested_at  INTEGER NOT NULL,
    facts_published TEXT,
    diagnostics  TEXT NOT NULL
);
CREATE INDEX documents_source ON documents(source, seq);

CREATE TABLE persons (
    id           INTEGER PRIMARY KEY,
    doc_id       TEXT NOT NULL REFERENCES documents(id),
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    aliases      TEXT NOT NULL,
    titles       TEXT NOT NULL,
    organization TEXT,
    country      TEXT,
    evidence     TEXT NOT NULL
);
CREATE INDEX persons_name_key ON persons(name_key);
CREATE INDEX persons_country ON persons(country, name_key);
CREATE INDEX persons_doc ON persons(doc_id);
CREATE TABLE person_aliases (
    person_id    INTEGER NOT NULL REFERENCES persons(id),
    alias_key    TEXT NOT NULL
);
CREATE INDEX person_aliases_key ON person_aliases(alias_key);

CREATE TABLE organizations (
    id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(id),
    name TEXT NOT NULL, country TEXT, evidence TEXT NOT NULL
);
CREATE INDEX organizations_doc ON organizations(doc_id);
CREATE TABLE countries (
    id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(id),
    code TEXT NOT NULL, name TEXT NOT NULL, evidence TEXT NOT NULL
);
CREATE INDEX countries_doc ON countries(doc_id);
CREATE INDEX countries_code ON countries(code);
CREATE TABLE places (
    id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(id),
    name TEXT NOT NULL, country TEXT, evidence TEXT NOT NULL
);
CREATE INDEX places_doc ON places(doc_id);

CREATE TABLE events (
    id           INTEGER PRIMARY KEY,
    doc_id       TEXT NOT NULL REFERENCES documents(id),
    kind         TEXT NOT NULL,
    date         TEXT,
    date_start   TEXT,
    date_end     TEXT,
    place        TEXT,
    place_key    TEXT,
    participants TEXT NOT NULL,
    ordinal      INTEGER,
    countries    TEXT NOT NULL,
    evidence     TEXT NOT NULL
);
CREATE INDEX events_doc ON events(doc_id);
CREATE INDEX events_kind ON events(kind);
CREATE INDEX events_place ON events(place_key);
CREATE INDEX events_date ON events(date_start, date_end);
CREATE TABLE event_participants (
    event_id INTEGER NOT NULL REFERENCES events(id),
    name_key TEXT NOT NULL
);
CREATE INDEX event_participants_key ON event_participants(name_key, event_id);
CREATE TABLE event_countries (
    event_id INTEGER NOT NULL REFERENCES events(id),
    code     TEXT NOT NULL
);
CREATE INDEX event_countries_code ON event_countries(code, event_id);

CREATE TABLE quotes (
    id          INTEGER PRIMARY KEY,
    doc_id      TEXT NOT NULL REFERENCES documents(id),
    text        TEXT NOT NULL,
    speaker     TEXT,
    speaker_key TEXT,
    evidence    TEXT NOT NULL
);
CREATE INDEX quotes_doc ON quotes(doc_id);
CREATE INDEX quotes_speaker ON quotes(speaker_key, id);

CREATE TABLE figures (
    id        INTEGER PRIMARY KEY,
    doc_id    TEXT NOT NULL REFERENCES documents(id),
    value     REAL NOT NULL,
    unit      TEXT NOT NULL,
    metric    TEXT NOT NULL,
    period    TEXT,
    countries TEXT NOT NULL,
    evidence  TEXT NOT NULL
);
CREATE INDEX figures_doc ON figures(doc_id);
CREATE INDEX figures_metric ON figures(metric, id);
CREATE INDEX figures_period ON figures(period, id);
CREATE TABLE figure_countries (
    figure_id INTEGER NOT NULL REFERENCES figures(id),
    code      TEXT NOT NULL
);
CREATE INDEX figure_countries_code ON figure_countries(code, figure_id);

CREATE TABLE topics (
    id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(id),
    name TEXT NOT NULL, score REAL NOT NULL, evidence TEXT NOT NULL
);
CREATE INDEX topics_doc ON topics(doc_id);
CREATE INDEX topics_name ON topics(name);
"#;

/// The SQLite store. Cheap to share behind an `Arc`.
///
/// Dropping it closes the write queue and waits for its threads: the writer
/// stores the documents already queued, the indexer indexes them, and both
/// close their connections. The folder can then be opened again at once.
pub struct SqliteStore {
    writer: mpsc::Sender<WriteJob>,
    readers: Vec<Arc<Mutex<Connection>>>,
    next_reader: AtomicUsize,
    index: Arc<Progress>,
    /// The writer and the indexer, joined on drop.
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        // Closing the queue (by replacing the only sender) ends the writer
        // once it has stored what is queued; the indexer then makes a last
        // pass and ends too.
        drop(std::mem::replace(&mut self.writer, mpsc::channel(1).0));
        let behind = self.index.behind();
        if behind > 0 {
            tracing::info!(documents = behind, "closing the store: indexing the documents the index has not read yet");
        }
        for thread in self.threads.drain(..) {
            let name = thread.thread().name().unwrap_or("store").to_owned();
            if thread.join().is_err() {
                tracing::error!(thread = %name, "a store thread panicked before the store closed; please report it with this log");
            }
        }
    }
}

struct WriteJob {
    docs: Vec<NewDocument>,
    reply: oneshot::Sender<Vec<Result<InsertOutcome, StoreError>>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `data_dir`, with `readers` read
    /// connections, and starts its writer thread.
    pub fn open(data_dir: &Path, readers: usize) -> Result<Self, StoreError> {
        let path = data_dir.join(FILE_NAME);
        let open_err = |reason: String| StoreError::Open { path: path.display().to_string(), reason };
        std::fs::create_dir_all(data_dir)
            .map_err(|e| open_err(format!("cannot create the folder: {e}; choose another --data-dir")))?;
        let writer = open_connection(&path).map_err(|e| open_err(e.to_string()))?;
        writer.pragma_update(None, "wal_autocheckpoint", WRITER_CHECKPOINT_PAGES).map_err(|e| open_err(e.to_string()))?;
        writer.pragma_update(None, "cache_size", -WRITER_CACHE_KIB).map_err(|e| open_err(e.to_string()))?;
        migrate(&writer).map_err(|e| open_err(e.to_string()))?;
        let stored = index::stored_upto(&writer).map_err(|e| open_err(e.to_string()))?;
        let (index_conn, indexed) = index::open(data_dir, stored)?;
        let progress = Arc::new(Progress::default());
        progress.committed(stored);
        progress.indexed(indexed);
        let readers = (0..readers.max(1))
            .map(|_| {
                let c = open_connection(&path)?;
                index::attach(&c, data_dir)?;
                c.pragma_update(None, "query_only", true)?;
                c.pragma_update(Some(index::SCHEMA_NAME), "cache_size", -READER_CACHE_KIB)?;
                Ok(Arc::new(Mutex::new(c)))
            })
            .collect::<Result<Vec<_>, rusqlite::Error>>()
            .map_err(|e| open_err(e.to_string()))?;
        let indexer = index::Indexer {
            store: open_connection(&path).map_err(|e| open_err(e.to_string()))?,
            index: index_conn,
            upto: indexed,
            progress: Arc::clone(&progress),
        };
        let (nudge, wake) = index::nudge();
        let (tx, rx) = mpsc::channel(WRITE_QUEUE);
        let writer_progress = Arc::clone(&progress);
        let writer = std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || writer_loop(writer, rx, &writer_progress, &nudge))
            .map_err(|e| open_err(format!("cannot start the writer thread: {e}")))?;
        // The indexer ends when the writer does (its nudge goes away).
        let indexer = std::thread::Builder::new()
            .name("sqlite-indexer".into())
            .spawn(move || indexer.run(wake))
            .map_err(|e| open_err(format!("cannot start the indexer thread: {e}")))?;
        Ok(Self { writer: tx, readers, next_reader: AtomicUsize::new(0), index: progress, threads: vec![writer, indexer] })
    }

    /// Returns the path of the database file for a data folder.
    pub fn file_path(data_dir: &Path) -> PathBuf {
        data_dir.join(FILE_NAME)
    }

    /// Runs `f` on a read connection on the blocking pool.
    fn read<T, F>(&self, f: F) -> StoreFuture<'_, T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.read_indexed(false, f)
    }

    /// Runs `f` on a read connection on the blocking pool; with `indexed`,
    /// only once the index file covers every document committed so far.
    fn read_indexed<T, F>(&self, indexed: bool, f: F) -> StoreFuture<'_, T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        let conn = Arc::clone(&self.readers[i]);
        let index = Arc::clone(&self.index);
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                if indexed {
                    index.wait_for_committed()?;
                }
                f(&lock(&conn))
            })
                .await
                .map_err(|e| StoreError::Backend(format!("read task failed: {e}")))?
        })
    }
}

/// Locks a connection; a panic in an earlier holder leaves the connection
/// itself usable (SQLite rolls back any open statement), so poison is ignored.
fn lock(conn: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn open_connection(path: &Path) -> Result<Connection, rusqlite::Error> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL syncs the WAL at every commit: an acknowledged document is on disk.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    // Room for every statement the writer and the queries use.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// Creates the schema in a new database, or brings an older one up to
/// [`SCHEMA_VERSION`], in one transaction.
fn migrate(conn: &Connection) -> Result<(), StoreError> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(backend)?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::Corrupt(format!(
            "schema version {version} is newer than this briefing understands ({SCHEMA_VERSION}); upgrade briefing"
        )));
    }
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn.unchecked_transaction().map_err(backend)?;
    if version == 0 {
        tx.execute_batch(DOCUMENTS).map_err(backend)?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(backend)?;
        return tx.commit().map_err(backend);
    }
    if version < 3 {
        tx.execute_batch("DROP TABLE IF EXISTS documents_fts; DROP TABLE IF EXISTS quotes_fts;").map_err(backend)?;
    }
    if version < 4 {
        tx.execute_batch(ALIAS_NAMES).map_err(backend)?;
    }
    if version < 5 {
        tx.execute_batch(FIGURE_COUNTRY_METRIC).map_err(backend)?;
    }
    if version < 6 {
        tx.execute_batch(EVENT_KEYS_AND_COUNTS).map_err(backend)?;
    }
    if version < 7 {
        tx.execute_batch(UNREAD).map_err(backend)?;
    }
    if version < 8 {
        facts_into_documents(&tx)?;
    }
    if version < 9 {
        tx.execute_batch(FACTS_INTO_INDEX).map_err(backend)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(backend)?;
    tx.commit().map_err(backend)
}

/// Schema 8: writes the facts of every stored document into its row, from
/// the fact tables, then drops what only that read needed
/// ([`FACT_TABLES_READ_BY_DOCUMENT`]). Rewrites every document twice: once
/// to fill the column, once to drop the two it replaces.
fn facts_into_documents(tx: &Connection) -> Result<(), StoreError> {
    tx.execute_batch("ALTER TABLE documents ADD COLUMN facts BLOB").map_err(backend)?;
    let docs = tx
        .prepare("SELECT seq, id, facts_published, diagnostics FROM documents ORDER BY seq")
        .and_then(|mut stmt| stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect())
        .map_err(backend)?;
    let docs: Vec<(i64, String, Option<String>, String)> = docs;
    if !docs.is_empty() {
        tracing::info!(documents = docs.len(), "moving each document's facts into its row (store schema 8), once");
    }
    for (seq, id, published, diagnostics) in docs {
        let facts = Extraction {
            published: parse_date(published)?,
            diagnostics: from_json(&diagnostics)?,
            ..facts_from_tables(tx, &id)?
        };
        exec(tx, "UPDATE documents SET facts = ?1 WHERE seq = ?2", params![encode_facts(&facts)?, seq]).map_err(backend)?;
    }
    tx.execute_batch(FACT_TABLES_READ_BY_DOCUMENT).map_err(backend)
}

/// Reads a document's facts from the fact tables, the way a store before
/// schema 8 kept them (but for the publication date and diagnostics, which
/// are in the document's row).
fn facts_from_tables(conn: &Connection, id: &str) -> Result<Extraction, StoreError> {
    Ok(Extraction {
        persons: query_facts(conn, "SELECT * FROM persons WHERE doc_id = ?1 ORDER BY id", id, read_person)?,
        organizations: query_facts(conn, "SELECT * FROM organizations WHERE doc_id = ?1 ORDER BY id", id, |r| {
            Ok(Organization { name: r.get("name")?, country: r.get("country")?, evidence: json_col(r, "evidence")? })
        })?,
        countries: query_facts(conn, "SELECT * FROM countries WHERE doc_id = ?1 ORDER BY id", id, |r| {
            Ok(Country { code: r.get("code")?, name: r.get("name")?, evidence: json_col(r, "evidence")? })
        })?,
        places: query_facts(conn, "SELECT * FROM places WHERE doc_id = ?1 ORDER BY id", id, |r| {
            Ok(Place { name: r.get("name")?, country: r.get("country")?, evidence: json_col(r, "evidence")? })
        })?,
        events: query_facts(conn, "SELECT * FROM events WHERE doc_id = ?1 ORDER BY id", id, read_event)?,
        quotes: query_facts(conn, "SELECT * FROM quotes WHERE doc_id = ?1 ORDER BY id", id, read_quote)?,
        figures: query_facts(conn, "SELECT * FROM figures WHERE doc_id = ?1 ORDER BY id", id, read_figure)?,
        topics: query_facts(conn, "SELECT * FROM topics WHERE doc_id = ?1 ORDER BY id", id, |r| {
            Ok(Topic { name: r.get("name")?, score: r.get::<_, f64>("score")? as f32, evidence: json_col(r, "evidence")? })
        })?,
        ..Extraction::default()
    })
}

/// Encodes a document's facts for its `facts` column (schema 8), in
/// `postcard`'s encoding: a third of the JSON's size (evidence is mostly
/// small numbers) and quicker both ways. Reading a document is then one row;
/// the fact tables beside it are there for the listings. The encoding is read
/// by position, so a change to a fact type needs a new schema version that
/// rewrites the column.
fn encode_facts(x: &Extraction) -> Result<Vec<u8>, StoreError> {
    postcard::to_stdvec(x).map_err(|e| StoreError::Backend(format!("cannot encode the facts: {e}")))
}

fn decode_facts(id: &str, bytes: &[u8]) -> Result<Extraction, StoreError> {
    postcard::from_bytes(bytes).map_err(|e| {
        StoreError::Corrupt(format!("the facts of document {id:?} do not decode ({e}); restore the store from a backup"))
    })
}

fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn to_json<T: Serialize + ?Sized>(v: &T) -> String {
    // Plain data (strings, numbers, vectors) always serialises.
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

fn from_json<T: DeserializeOwned>(s: &str) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("bad JSON column: {e}")))
}

// ---------------------------------------------------------------- writing

fn writer_loop(mut conn: Connection, mut rx: mpsc::Receiver<WriteJob>, index: &Progress, nudge: &index::Nudge) {
    while let Some(first) = rx.blocking_recv() {
        if index.wait_for_room(index::MOST_BEHIND) {
            tracing::debug!("waited for the index to catch up before storing more documents");
        }
        let mut docs = first.docs.len();
        let mut jobs = vec![first];
        while docs < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => {
                    docs += job.docs.len();
                    jobs.push(job);
                }
                Err(_) => break,
            }
        }
        let mut results = write_batch(&mut conn, jobs.iter().flat_map(|j| &j.docs)).into_iter();
        // Before anyone hears of the commit, so a listing made after an
        // acknowledgement waits for the indexer to read it.
        match index::stored_upto(&conn) {
            Ok(seq) => index.committed(seq),
            Err(e) => tracing::warn!(error = %e, "reading the last stored row failed; listings may miss the newest documents"),
        }
        nudge.send();
        for job in jobs {
            let answer = results.by_ref().take(job.docs.len()).collect();
            // A caller that went away no longer needs its answer.
            let _ = job.reply.send(answer);
        }
    }
}

/// Writes the documents, in order, in one transaction, and returns once it
/// is committed. The whole batch goes in without savepoints first (they were
/// chosen when the indexes lived in this transaction, where each savepoint
/// flushed an FTS5 segment; the indexes have since moved to the index file,
/// so the saving is small now). Should any document fail,
/// that transaction is rolled back and the batch written again with a
/// savepoint per document, so one failing document does not take the others
/// down.
fn write_batch<'a>(
    conn: &mut Connection,
    docs: impl Iterator<Item = &'a NewDocument> + Clone,
) -> Vec<Result<InsertOutcome, StoreError>> {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    match write_together(conn, docs.clone(), now) {
        Ok(results) => results.into_iter().map(Ok).collect(),
        Err(_) => write_each(conn, docs, now),
    }
}

/// Writes every document in one transaction; any failure rolls it all back.
fn write_together<'a>(
    conn: &mut Connection,
    docs: impl Iterator<Item = &'a NewDocument>,
    now: i64,
) -> Result<Vec<InsertOutcome>, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(backend)?;
    let results = docs.map(|doc| insert_one(&tx, doc, now)).collect::<Result<Vec<_>, _>>()?;
    tx.commit().map_err(backend)?;
    Ok(results)
}

/// Writes the documents in one transaction with a savepoint each.
fn write_each<'a>(
    conn: &mut Connection,
    docs: impl Iterator<Item = &'a NewDocument> + Clone,
    now: i64,
) -> Vec<Result<InsertOutcome, StoreError>> {
    let fail_all = |e: rusqlite::Error| docs.clone().map(|_| Err(backend_ref(&e))).collect();
    let mut tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => return fail_all(e),
    };
    let mut results = Vec::new();
    for doc in docs.clone() {
        let result = tx.savepoint().map_err(backend).and_then(|sp| {
            let outcome = insert_one(&sp, doc, now)?;
            sp.commit().map_err(backend)?;
            Ok(outcome)
        });
        results.push(result);
    }
    if let Err(e) = tx.commit() {
        return fail_all(e);
    }
    results
}

fn backend_ref(e: &rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// Runs one statement through the connection's statement cache: the writer
/// runs the same dozen inserts for every document, so each is parsed once.
fn exec(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> Result<usize, rusqlite::Error> {
    conn.prepare_cached(sql)?.execute(params)
}

fn insert_one(tx: &Connection, new: &NewDocument, now: i64) -> Result<InsertOutcome, StoreError> {
    let NewDocument { document: d, text_hash, facts } = new;
    let existing: Option<String> = tx
        .prepare_cached("SELECT text_hash FROM documents WHERE id = ?1")
        .and_then(|mut stmt| stmt.query_row([&d.id], |r| r.get(0)))
        .optional()
        .map_err(backend)?;
    if let Some(h) = existing {
        return Ok(if &h == text_hash { InsertOutcome::Duplicate } else { InsertOutcome::Conflict });
    }
    exec(tx, 
        "INSERT INTO documents (id, url, source, title, published, language, text, text_hash, text_bytes,
                                ingested_at, facts)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            d.id,
            d.url,
            d.source,
            d.title,
            d.published.map(|p| p.to_string()),
            d.language,
            d.text,
            text_hash,
            d.text.len() as i64,
            now,
            encode_facts(facts)?,
        ],
    )
    .map_err(backend)?;
    Ok(InsertOutcome::Created { seq: tx.last_insert_rowid() as u64 })
}

/// Files a document's facts in the index file's tables (the indexer's
/// transaction), with the words of its quotes; the changes to person
/// profiles are gathered in `profiles`, which the batch writes at its end.
fn insert_facts(tx: &Connection, doc_id: &str, x: &Extraction, profiles: &mut ProfileChanges) -> Result<(), rusqlite::Error> {
    for p in &x.persons {
        let key = name_key(&p.name);
        exec(tx, 
            "INSERT INTO persons (doc_id, name, name_key, aliases, titles, organization, country, evidence)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                doc_id,
                p.name,
                key,
                to_json(&p.aliases),
                to_json(&p.titles),
                p.organization,
                p.country.as_deref().map(str::to_uppercase),
                to_json(&p.evidence)
            ],
        )?;
        for alias in &p.aliases {
            let alias = name_key(alias);
            exec(tx, "INSERT OR IGNORE INTO alias_names (alias_key, name_key) VALUES (?1, ?2)", params![alias, key])?;
        }
        let change = profiles.0.entry(key).or_default();
        change.tally.add(p);
        change.mentions += 1;
    }
    for e in &x.events {
        insert_event(tx, doc_id, e, &x.persons)?;
    }
    for q in &x.quotes {
        let speaker_key = q.speaker.as_deref().map(name_key);
        exec(tx, 
            "INSERT INTO quotes (doc_id, text, speaker, speaker_key, evidence) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![doc_id, q.text, q.speaker, speaker_key, to_json(&q.evidence)],
        )?;
        exec(tx, "INSERT INTO quotes_fts (rowid, text) VALUES (?1, ?2)", params![tx.last_insert_rowid(), q.text])?;
        if let Some(key) = speaker_key {
            profiles.0.entry(key).or_default().quotes += 1;
        }
    }
    for f in &x.figures {
        exec(tx, 
            "INSERT INTO figures (doc_id, value, unit, metric, period, countries, evidence)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![doc_id, f.value, f.unit, f.metric, f.period, to_json(&f.countries), to_json(&f.evidence)],
        )?;
        let figure_id = tx.last_insert_rowid();
        for code in unique_upper(f.countries.iter().map(String::as_str)) {
            exec(
                tx,
                "INSERT INTO figure_countries (figure_id, code, metric) VALUES (?1, ?2, ?3)",
                params![figure_id, code, f.metric],
            )?;
        }
    }
    Ok(())
}

/// The changes one indexing batch makes to person profiles, by name key,
/// each written once at the batch's end: a person named in many documents
/// of a batch costs one read and one write of their profile.
#[derive(Default)]
pub(super) struct ProfileChanges(BTreeMap<String, ProfileChange>);

/// What the documents of a batch add to one person's profile.
#[derive(Default)]
struct ProfileChange {
    tally: ProfileTally,
    /// Documents naming the person.
    mentions: i64,
    /// Quotes whose speaker has the person's name key.
    quotes: i64,
}

impl ProfileChanges {
    /// Adds the changes to the stored profiles.
    pub(super) fn write(self, tx: &Connection) -> Result<(), rusqlite::Error> {
        let mut write = tx.prepare_cached(
            "INSERT OR REPLACE INTO person_profiles (name_key, tally, mentions, quotes) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for (key, change) in self.0 {
            let (tally, mentions, quotes) = match stored_profile(tx, &key)? {
                Some((bytes, mentions, quotes)) => {
                    let mut tally = postcard::from_bytes::<ProfileTally>(&bytes).unwrap_or_else(|e| {
                        // Only the index is affected, and deleting it rebuilds it.
                        tracing::warn!(name_key = %key, error = %e, "a stored person profile does not decode; it starts again");
                        ProfileTally::default()
                    });
                    tally.absorb(&change.tally);
                    (tally, mentions + change.mentions, quotes + change.quotes)
                }
                None => (change.tally, change.mentions, change.quotes),
            };
            let tally = postcard::to_stdvec(&tally).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
            write.execute(params![key, tally, mentions, quotes])?;
        }
        Ok(())
    }
}

/// The stored profile row of a name key: its tally (encoded), documents and
/// quotes.
fn stored_profile(conn: &Connection, key: &str) -> Result<Option<(Vec<u8>, i64, i64)>, rusqlite::Error> {
    conn.prepare_cached("SELECT tally, mentions, quotes FROM person_profiles WHERE name_key = ?1")?
        .query_row([key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()
}

/// Adds one to the count of events `code` is involved in, starting it if it
/// is the first.
fn add_state_event(tx: &Connection, code: &str) -> Result<(), rusqlite::Error> {
    exec(
        tx,
        "INSERT INTO state_events (code, events) VALUES (?1, 1) ON CONFLICT (code) DO UPDATE SET events = events + 1",
        [code],
    )
    .map(drop)
}

/// Stores an event with its filter rows: each participant's key (and the keys
/// of the name and aliases of the person it names), and the states involved directly or
/// through a participant's country.
fn insert_event(tx: &Connection, doc_id: &str, e: &Event, persons: &[Person]) -> Result<(), rusqlite::Error> {
    let bounds = e.date.as_ref().map(date_bounds);
    exec(tx, 
        "INSERT INTO events (doc_id, kind, date, date_start, date_end, place, place_key, participants, ordinal,
                             countries, evidence)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            doc_id,
            e.kind.as_str(),
            e.date.map(|d| d.to_string()),
            bounds.as_ref().map(|b| &b.0),
            bounds.as_ref().map(|b| &b.1),
            e.place,
            e.place.as_deref().map(name_key),
            to_json(&e.participants),
            e.ordinal,
            to_json(&e.countries),
            to_json(&e.evidence),
        ],
    )?;
    let event_id = tx.last_insert_rowid();
    let mut keys = Vec::new();
    let mut codes: Vec<&str> = e.countries.iter().map(String::as_str).collect();
    for participant in &e.participants {
        let key = name_key(participant);
        let person = persons
            .iter()
            .find(|p| name_key(&p.name) == key || p.aliases.iter().any(|a| name_key(a) == key));
        if let Some(p) = person {
            keys.push(name_key(&p.name));
            keys.extend(p.aliases.iter().map(|a| name_key(a)));
            codes.extend(p.country.as_deref());
        }
        keys.push(key);
    }
    keys.sort();
    keys.dedup();
    for key in keys {
        exec(tx, "INSERT INTO event_participants (name_key, event_id) VALUES (?1, ?2)", params![key, event_id])?;
    }
    let (start, end) = bounds.unzip();
    for code in unique_upper(codes.into_iter()) {
        exec(
            tx,
            "INSERT INTO event_countries (code, event_id, date_start, date_end) VALUES (?1, ?2, ?3, ?4)",
            params![code, event_id, start, end],
        )?;
        add_state_event(tx, &code)?;
    }
    Ok(())
}

// ---------------------------------------------------------------- reading

fn parse_date(s: Option<String>) -> Result<Option<PartialDate>, StoreError> {
    s.map(|s| s.parse().map_err(|e| StoreError::Corrupt(format!("{e}")))).transpose()
}

fn read_document(row: &rusqlite::Row<'_>, with_text: bool) -> Result<StoredDocument, rusqlite::Error> {
    let published: Option<String> = row.get("published")?;
    let ts: i64 = row.get("ingested_at")?;
    Ok(StoredDocument {
        document: Document {
            id: row.get("id")?,
            url: row.get("url")?,
            source: row.get("source")?,
            title: row.get("title")?,
            published: published.and_then(|p| p.parse().ok()),
            language: row.get("language")?,
            text: if with_text { row.get("text")? } else { String::new() },
        },
        ingested_at: OffsetDateTime::from_unix_timestamp(ts).unwrap_or(OffsetDateTime::UNIX_EPOCH),
        seq: row.get::<_, i64>("seq")? as u64,
        text_bytes: row.get::<_, i64>("text_bytes")? as u64,
    })
}

fn get_document(conn: &Connection, id: &str) -> Result<Option<(StoredDocument, Extraction)>, StoreError> {
    let row = conn
        .prepare_cached("SELECT * FROM documents WHERE id = ?1")
        .and_then(|mut stmt| stmt.query_row([id], |r| Ok((read_document(r, true)?, r.get::<_, Option<Vec<u8>>>("facts")?))))
        .optional()
        .map_err(backend)?;
    let Some((doc, facts)) = row else { return Ok(None) };
    let facts = facts.ok_or_else(|| {
        StoreError::Corrupt(format!("document {id:?} has no facts in its row; restore the store from a backup"))
    })?;
    Ok(Some((doc, decode_facts(id, &facts)?)))
}

fn query_facts<T>(
    conn: &Connection,
    sql: &str,
    id: &str,
    read: impl Fn(&rusqlite::Row<'_>) -> Result<T, rusqlite::Error>,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let rows = stmt.query_map([id], |r| read(r)).map_err(backend)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(backend)
}

/// Reads a JSON column, reporting bad JSON as a conversion failure of that column.
fn json_col<T: DeserializeOwned>(row: &rusqlite::Row<'_>, col: &str) -> Result<T, rusqlite::Error> {
    let s: String = row.get(col)?;
    serde_json::from_str(&s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn read_person(r: &rusqlite::Row<'_>) -> Result<Person, rusqlite::Error> {
    Ok(Person {
        name: r.get("name")?,
        aliases: json_col(r, "aliases")?,
        titles: json_col(r, "titles")?,
        organization: r.get("organization")?,
        country: r.get("country")?,
        evidence: json_col(r, "evidence")?,
    })
}

fn read_event(r: &rusqlite::Row<'_>) -> Result<Event, rusqlite::Error> {
    let kind: String = r.get("kind")?;
    let date: Option<String> = r.get("date")?;
    Ok(Event {
        kind: EventKind::parse(&kind).unwrap_or(EventKind::Other),
        date: date.and_then(|d| d.parse().ok()),
        place: r.get("place")?,
        participants: json_col(r, "participants")?,
        ordinal: r.get("ordinal")?,
        countries: json_col(r, "countries")?,
        evidence: json_col(r, "evidence")?,
    })
}

fn read_quote(r: &rusqlite::Row<'_>) -> Result<Quote, rusqlite::Error> {
    Ok(Quote { text: r.get("text")?, speaker: r.get("speaker")?, evidence: json_col(r, "evidence")? })
}

fn read_figure(r: &rusqlite::Row<'_>) -> Result<Figure, rusqlite::Error> {
    Ok(Figure {
        value: r.get("value")?,
        unit: r.get("unit")?,
        metric: r.get("metric")?,
        period: r.get("period")?,
        countries: json_col(r, "countries")?,
        evidence: json_col(r, "evidence")?,
    })
}

/// Reads `(id, doc_id, fact)` rows as page rows keyed by id.
fn doc_fact_rows<T>(
    stmt: &mut rusqlite::Statement<'_>,
    params: impl rusqlite::Params,
    read: impl Fn(&rusqlite::Row<'_>) -> Result<T, rusqlite::Error>,
) -> Result<Vec<(String, DocFact<T>)>, StoreError> {
    let rows = stmt
        .query_map(params, |r| {
            let id: i64 = r.get("id")?;
            Ok((id.to_string(), DocFact { document_id: r.get("doc_id")?, fact: read(r)? }))
        })
        .map_err(backend)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(backend)
}

fn list_documents(conn: &Connection, f: &DocumentFilter, page: &PageRequest) -> Result<Page<StoredDocument>, StoreError> {
    const COLUMNS: &str = "d.seq, d.id, d.url, d.source, d.title, d.published, d.language, '' AS text, d.text_bytes, d.ingested_at";
    let index = index::SCHEMA_NAME;
    // With words to find, the text index drives: it yields its matches in
    // row order from the page's start, so a page costs its own rows. Tested
    // against each document in turn instead, a rare phrase walked every
    // document (150–300 ms on 310,000 of them, against under 1 ms).
    let sql = if f.text.is_empty() {
        format!(
            "SELECT {COLUMNS} FROM documents d
             WHERE d.seq > ?1 AND (?2 IS NULL OR d.source = ?2)
             ORDER BY d.seq LIMIT ?4"
        )
    } else {
        format!(
            "SELECT {COLUMNS} FROM {index}.documents_fts w CROSS JOIN documents d ON d.seq = w.rowid
             WHERE w.documents_fts MATCH ?3 AND w.rowid > ?1 AND (?2 IS NULL OR d.source = ?2)
             ORDER BY w.rowid LIMIT ?4"
        )
    };
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    let phrases: Vec<String> = f.text.iter().map(|phrase| phrase.join(" ")).collect();
    let rows = stmt
        .query_map(params![int_key(page)?, f.source, fts_query(&phrases), limit(page)], |r| {
            let d = read_document(r, false)?;
            Ok((d.seq.to_string(), d))
        })
        .map_err(backend)?;
    Ok(paginate(rows.collect::<Result<Vec<_>, _>>().map_err(backend)?, page.size))
}

fn list_persons(conn: &Connection, f: &PersonFilter, page: &PageRequest) -> Result<Page<PersonProfile>, StoreError> {
    // With a state, its rows are walked in name order in the index on
    // (country, name_key): behind `?2 IS NULL OR …` the planner walked every
    // name and read each row for its state (5.8 s for a rare state on the
    // 310,000-document store, against under a millisecond).
    let country = if f.country.is_some() { "p.country = ?2 AND" } else { "" };
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT DISTINCT p.name_key FROM persons p
             WHERE {country} p.name_key > ?1
               AND (?3 IS NULL OR instr(p.name_key, ?3) > 0)
             ORDER BY p.name_key LIMIT ?4"
        ))
        .map_err(backend)?;
    let keys = stmt
        .query_map(params![page.after.as_deref().unwrap_or(""), f.country, f.name_contains, limit(page)], |r| {
            r.get::<_, String>(0)
        })
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    let mut rows = Vec::with_capacity(keys.len());
    for key in keys {
        let profile = person_documents(conn, &key).and_then(|ids| profile_of(conn, &key, ids))?;
        rows.push((key, profile));
    }
    Ok(paginate(rows, page.size))
}

/// Returns the latest [`PERSON_DETAIL_LIMIT`] mentions of the person with
/// this name key, with their evidence, in commit order (the indexer files
/// them in commit order, so row ids follow it).
fn person_mentions(conn: &Connection, key: &str) -> Result<Vec<DocFact<Person>>, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT * FROM (SELECT * FROM persons WHERE name_key = ?1 ORDER BY id DESC LIMIT ?2) ORDER BY id")
        .map_err(backend)?;
    let rows = stmt
        .query_map(params![key, PERSON_DETAIL_LIMIT as i64], |r| {
            Ok(DocFact { document_id: r.get("doc_id")?, fact: read_person(r)? })
        })
        .map_err(backend)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(backend)
}

/// Returns the latest documents naming the person with this name key, in
/// commit order, as a profile lists them.
fn person_documents(conn: &Connection, key: &str) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT doc_id FROM persons WHERE name_key = ?1 ORDER BY id DESC LIMIT ?2")
        .map_err(backend)?;
    let newest_first = stmt
        .query_map(params![key, PERSON_DETAIL_LIMIT as i64], |r| r.get::<_, String>(0))
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    Ok(document_ids(newest_first.iter().map(String::as_str)))
}

/// Returns the profile of the person with this name key, merged over every
/// mention, listing these documents.
fn profile_of(conn: &Connection, key: &str, document_ids: Vec<String>) -> Result<PersonProfile, StoreError> {
    let Some((tally, documents, quotes)) = stored_profile(conn, key).map_err(backend)? else {
        return Ok(PersonProfile { document_ids, ..PersonProfile::default() });
    };
    let tally: ProfileTally = postcard::from_bytes(&tally).map_err(|e| {
        StoreError::Corrupt(format!(
            "the profile of {key:?} in {} does not decode ({e}); delete that file and the store rebuilds it",
            index::FILE_NAME
        ))
    })?;
    let mut profile = tally.into_profile(document_ids);
    profile.document_count = u32::try_from(documents).unwrap_or(u32::MAX);
    profile.quote_count = u32::try_from(quotes).unwrap_or(u32::MAX);
    Ok(profile)
}

/// Returns the name key of the person a name names: the name itself if a
/// document names someone so, else the full name it is an alias of
/// ("Vassilenko"), the person named first if several share it.
fn resolve_person(conn: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    let named = conn
        .prepare_cached("SELECT 1 FROM person_profiles WHERE name_key = ?1 AND mentions > 0")
        .and_then(|mut stmt| stmt.exists([key]))
        .map_err(backend)?;
    if named {
        return Ok(Some(key.to_owned()));
    }
    conn.query_row(
        "SELECT a.name_key FROM alias_names a WHERE a.alias_key = ?1
         ORDER BY (SELECT min(p.id) FROM persons p WHERE p.name_key = a.name_key) LIMIT 1",
        [key],
        |r| r.get(0),
    )
    .optional()
    .map_err(backend)
}

/// The person's latest mentions with the profile.
fn person_profile(conn: &Connection, key: &str) -> Result<(PersonProfile, Vec<DocFact<Person>>), StoreError> {
    let mentions = person_mentions(conn, key)?;
    let ids = document_ids(mentions.iter().rev().map(|m| m.document_id.as_str()));
    Ok((profile_of(conn, key, ids)?, mentions))
}

/// The latest quotes whose speaker has this name key, in commit order.
fn person_quotes(conn: &Connection, key: &str) -> Result<Vec<DocFact<Quote>>, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT * FROM (SELECT * FROM quotes WHERE speaker_key = ?1 ORDER BY id DESC LIMIT ?2) ORDER BY id")
        .map_err(backend)?;
    let rows = doc_fact_rows(&mut stmt, params![key, PERSON_DETAIL_LIMIT as i64], read_quote)?;
    Ok(rows.into_iter().map(|(_, q)| q).collect())
}

/// The latest events a participant with this name key took part in, in
/// commit order.
fn person_events(conn: &Connection, key: &str) -> Result<Vec<DocFact<Event>>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT * FROM (SELECT e.* FROM event_participants x CROSS JOIN events e
                            WHERE x.name_key = ?1 AND e.id = x.event_id
                            ORDER BY x.event_id DESC LIMIT ?2)
             ORDER BY id",
        )
        .map_err(backend)?;
    let rows = doc_fact_rows(&mut stmt, params![key, PERSON_DETAIL_LIMIT as i64], read_event)?;
    Ok(rows.into_iter().map(|(_, e)| e).collect())
}

/// Returns the SQL of a listing that walks `from` in the order of `id`, keeps
/// the rows meeting every condition and stops after `LIMIT ?{limit}` rows.
/// Listings build their SQL from the filters actually given, and walk the
/// index of the most selective one in id order: the planner cannot use an
/// index behind `?n IS NULL OR …`, and a scan of every fact in id order
/// takes a second at a few hundred thousand documents when the filter is rare.
fn listing_sql(select: &str, from: &str, id: &str, conditions: &[&str], limit: u8) -> String {
    let mut sql = format!("SELECT {select} FROM {from} WHERE {id} > ?1");
    for c in conditions {
        sql.push_str(" AND ");
        sql.push_str(c);
    }
    sql.push_str(&format!(" ORDER BY {id} LIMIT ?{limit}"));
    sql
}

fn list_events(conn: &Connection, f: &EventFilter, page: &PageRequest) -> Result<Page<DocFact<Event>>, StoreError> {
    let mut conditions: Vec<String> = Vec::new();
    // Walking a state's rows, the dates are tested in its index, before the
    // event is read.
    let (from, id, dates) = if f.participant.is_some() {
        conditions.extend(["x.name_key = ?6".into(), "e.id = x.event_id".into()]);
        ("event_participants x CROSS JOIN events e", "x.event_id", "e")
    } else if f.country.is_some() {
        conditions.extend(["x.code = ?7".into(), "e.id = x.event_id".into()]);
        ("event_countries x CROSS JOIN events e", "x.event_id", "x")
    } else {
        ("events e", "e.id", "e")
    };
    // A pair walks the rows of its rarer state and probes the other's.
    let (country, other_country) = match (&f.country, &f.other_country) {
        (Some(a), Some(b)) if f.participant.is_none() => {
            let (rarer, other) = rarer_first(conn, a, b)?;
            (Some(rarer), Some(other))
        }
        (a, b) => (a.as_deref(), b.as_deref()),
    };
    let involves = |param: u8| format!("EXISTS (SELECT 1 FROM event_countries c WHERE c.code = ?{param} AND c.event_id = {id})");
    if f.participant.is_some() && f.country.is_some() {
        conditions.push(involves(7));
    }
    if f.other_country.is_some() {
        conditions.push(involves(8));
    }
    conditions.extend(f.since.as_ref().map(|_| format!("{dates}.date_end >= ?4")));
    conditions.extend(f.until.as_ref().map(|_| format!("{dates}.date_start <= ?5")));
    conditions.extend(f.kind.map(|_| "e.kind = ?2".into()));
    conditions.extend(f.place.as_ref().map(|_| "e.place_key = ?3".into()));
    let conditions: Vec<&str> = conditions.iter().map(String::as_str).collect();
    let mut stmt = conn.prepare_cached(&listing_sql("e.*", from, id, &conditions, 9)).map_err(backend)?;
    let since = f.since.as_ref().map(|d| date_bounds(d).0);
    let until = f.until.as_ref().map(|d| date_bounds(d).1);
    let rows = doc_fact_rows(
        &mut stmt,
        params![
            int_key(page)?,
            f.kind.map(EventKind::as_str),
            f.place,
            since,
            until,
            f.participant,
            country,
            other_country,
            limit(page)
        ],
        read_event,
    )?;
    Ok(paginate(rows, page.size))
}

/// Returns the two states with the one in fewer events first.
fn rarer_first<'a>(conn: &Connection, a: &'a str, b: &'a str) -> Result<(&'a str, &'a str), StoreError> {
    let mut stmt = conn.prepare_cached("SELECT events FROM state_events WHERE code = ?1").map_err(backend)?;
    let mut count = |code: &str| {
        stmt.query_row([code], |r| r.get::<_, i64>(0)).optional().map(Option::unwrap_or_default).map_err(backend)
    };
    Ok(if count(b)? < count(a)? { (b, a) } else { (a, b) })
}

/// Returns an FTS5 query matching all the words, or phrases of space-separated
/// words: each is quoted, so no word is read as FTS syntax.
fn fts_query(words: &[String]) -> Option<String> {
    (!words.is_empty()).then(|| {
        words.iter().map(|w| format!("\"{}\"", w.replace('"', "\"\""))).collect::<Vec<_>>().join(" ")
    })
}

/// Returns the speaker keys a quote filter stands for: the key itself and
/// the full names of the persons it is an alias of ("vassilenko").
fn speaker_keys(conn: &Connection, key: &str) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT name_key FROM alias_names WHERE alias_key = ?1",
        )
        .map_err(backend)?;
    let mut keys = vec![key.to_owned()];
    for k in stmt.query_map([key], |r| r.get::<_, String>(0)).map_err(backend)? {
        let k = k.map_err(backend)?;
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    Ok(keys)
}

fn list_quotes(conn: &Connection, f: &QuoteFilter, page: &PageRequest) -> Result<Page<DocFact<Quote>>, StoreError> {
    let keys = f.speaker.as_deref().map(|s| speaker_keys(conn, s)).transpose()?;
    let index = index::SCHEMA_NAME;
    let words_match = format!("q.id IN (SELECT rowid FROM {index}.quotes_fts WHERE quotes_fts MATCH ?3)");
    let words_first = format!("{index}.quotes_fts w CROSS JOIN quotes q");
    let mut conditions = Vec::new();
    // A speaker's index is walked when one is given; otherwise words to find
    // are looked up in the text index, which yields its matches in id order
    // (tested against each quote in turn, rare words walked every quote).
    let (from, id) = match (&keys, f.words.is_empty()) {
        (Some(_), _) => {
            conditions.push("q.speaker_key = ?2");
            if !f.words.is_empty() {
                conditions.push(words_match.as_str());
            }
            ("quotes q", "q.id")
        }
        (None, false) => {
            conditions.extend(["w.quotes_fts MATCH ?3", "q.id = w.rowid"]);
            (words_first.as_str(), "w.rowid")
        }
        (None, true) => ("quotes q", "q.id"),
    };
    let mut stmt = conn.prepare_cached(&listing_sql("q.*", from, id, &conditions, 4)).map_err(backend)?;
    let (after, words) = (int_key(page)?, fts_query(&f.words));
    let Some(keys) = keys else {
        let rows = doc_fact_rows(&mut stmt, params![after, None::<String>, words, limit(page)], read_quote)?;
        return Ok(paginate(rows, page.size));
    };
    // Each key's page comes in id order from the speaker index; merging them
    // here costs a page per key, where `IN (keys) ORDER BY id` sorted every
    // quote of every key.
    let mut rows = Vec::new();
    for key in &keys {
        rows.extend(doc_fact_rows(&mut stmt, params![after, key, words, limit(page)], read_quote)?);
    }
    rows.sort_by_key(|(id, _)| id.parse::<i64>().unwrap_or(i64::MAX));
    rows.truncate(page.size + 1);
    Ok(paginate(rows, page.size))
}

fn list_figures(conn: &Connection, f: &FigureFilter, page: &PageRequest) -> Result<Page<DocFact<Figure>>, StoreError> {
    let mut conditions = Vec::new();
    // A country is usually rarer than a metric: walk its index when given.
    let (from, id) = if f.country.is_some() {
        conditions.extend(["x.code = ?4", "f.id = x.figure_id"]);
        conditions.extend(f.metric.as_ref().map(|_| "x.metric = ?2"));
        ("figure_countries x CROSS JOIN figures f", "x.figure_id")
    } else {
        ("figures f", "f.id")
    };
    conditions.extend(f.metric.as_ref().map(|_| "f.metric = ?2"));
    conditions.extend(f.period.as_ref().map(|_| "f.period = ?3"));
    let mut stmt = conn.prepare_cached(&listing_sql("f.*", from, id, &conditions, 5)).map_err(backend)?;
    let rows = doc_fact_rows(&mut stmt, params![int_key(page)?, f.metric, f.period, f.country, limit(page)], read_figure)?;
    Ok(paginate(rows, page.size))
}

impl Store for SqliteStore {
    fn insert_batch(&self, docs: Vec<NewDocument>) -> StoreFuture<'_, Vec<Result<InsertOutcome, StoreError>>> {
        Box::pin(async move {
            let stopped = || StoreError::Unavailable("the writer thread stopped".into());
            let (reply, answer) = oneshot::channel();
            self.writer.send(WriteJob { docs, reply }).await.map_err(|_| stopped())?;
            answer.await.map_err(|_| stopped())
        })
    }

    fn text_hash(&self, id: String) -> StoreFuture<'_, Option<String>> {
        self.read(move |c| {
            c.prepare_cached("SELECT text_hash FROM documents WHERE id = ?1")
                .and_then(|mut stmt| stmt.query_row([&id], |r| r.get(0)))
                .optional()
                .map_err(backend)
        })
    }

    fn visit_ids(&self, mut visit: Box<dyn FnMut(&str) + Send>) -> StoreFuture<'_, u64> {
        self.read(move |c| {
            let mut stmt = c.prepare("SELECT id FROM documents").map_err(backend)?;
            let mut rows = stmt.query([]).map_err(backend)?;
            let mut count = 0;
            while let Some(row) = rows.next().map_err(backend)? {
                visit(row.get_ref(0).and_then(|v| Ok(v.as_str()?)).map_err(backend)?);
                count += 1;
            }
            Ok(count)
        })
    }

    fn get_document(&self, id: String) -> StoreFuture<'_, Option<(StoredDocument, Extraction)>> {
        self.read(move |c| get_document(c, &id))
    }

    fn stats(&self) -> StoreFuture<'_, StoreStats> {
        self.read(|c| {
            let documents: i64 = c.query_row("SELECT count(*) FROM documents", [], |r| r.get(0)).map_err(backend)?;
            let bytes = |schema: &str| -> Result<i64, StoreError> {
                let pages: i64 = c.query_row(&format!("PRAGMA {schema}.page_count"), [], |r| r.get(0)).map_err(backend)?;
                let page_size: i64 = c.query_row(&format!("PRAGMA {schema}.page_size"), [], |r| r.get(0)).map_err(backend)?;
                Ok(pages.saturating_mul(page_size))
            };
            let bytes = bytes("main")?.saturating_add(bytes(index::SCHEMA_NAME)?);
            let unsigned = |n: i64| u64::try_from(n).unwrap_or(0);
            Ok(StoreStats { documents: unsigned(documents), bytes: unsigned(bytes) })
        })
    }

    fn list_documents(&self, filter: DocumentFilter, page: PageRequest) -> StoreFuture<'_, Page<StoredDocument>> {
        self.read_indexed(!filter.text.is_empty(), move |c| list_documents(c, &filter, &page))
    }

    fn list_persons(&self, filter: PersonFilter, page: PageRequest) -> StoreFuture<'_, Page<PersonProfile>> {
        self.read_indexed(true, move |c| list_persons(c, &filter, &page))
    }

    fn get_person(&self, name_key: String) -> StoreFuture<'_, Option<PersonDetail>> {
        Box::pin(async move {
            let Some(key) = self.read_indexed(true, move |c| resolve_person(c, &name_key)).await? else {
                return Ok(None);
            };
            // The three parts are independent, and for a much-named person
            // each reads a hundred rows a page apart: three read connections
            // read them at once.
            let (quotes_key, events_key) = (key.clone(), key.clone());
            let ((profile, mentions), quotes, events) = tokio::try_join!(
                self.read_indexed(true, move |c| person_profile(c, &key)),
                self.read_indexed(true, move |c| person_quotes(c, &quotes_key)),
                self.read_indexed(true, move |c| person_events(c, &events_key)),
            )?;
            Ok(Some(PersonDetail { profile, mentions, quotes, events }))
        })
    }

    fn list_events(&self, filter: EventFilter, page: PageRequest) -> StoreFuture<'_, Page<DocFact<Event>>> {
        self.read_indexed(true, move |c| list_events(c, &filter, &page))
    }

    fn list_quotes(&self, filter: QuoteFilter, page: PageRequest) -> StoreFuture<'_, Page<DocFact<Quote>>> {
        self.read_indexed(true, move |c| list_quotes(c, &filter, &page))
    }

    fn list_figures(&self, filter: FigureFilter, page: PageRequest) -> StoreFuture<'_, Page<DocFact<Figure>>> {
        self.read_indexed(true, move |c| list_figures(c, &filter, &page))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path(), 2).unwrap();
        (dir, store)
    }

    #[tokio::test]
    async fn passes_the_store_suite() {
        let (_dir, store) = open();
        crate::store::suite::run_all(&store).await;
    }

    #[tokio::test]
    async fn reopening_keeps_the_documents() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = SqliteStore::open(dir.path(), 1).unwrap();
            crate::store::suite::insert_sample(&store, "kept").await;
        }
        let store = SqliteStore::open(dir.path(), 1).unwrap();
        assert!(store.get_document("kept".into()).await.unwrap().is_some());
    }

    #[tokio::test]
    async fn dropping_the_store_waits_for_its_threads_to_store_and_index_what_they_hold() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path(), 1).unwrap();
        for i in 0..20 {
            crate::store::suite::insert_sample(&store, &format!("closing-{i}")).await;
        }
        // No listing has waited for the index; the drop must.
        drop(store);
        let indexed: i64 = Connection::open(dir.path().join(index::FILE_NAME))
            .unwrap()
            .query_row("SELECT upto FROM progress WHERE source = 'documents'", [], |r| r.get(0))
            .unwrap();
        let stored: i64 =
            Connection::open(dir.path().join(FILE_NAME)).unwrap().query_row("SELECT max(seq) FROM documents", [], |r| r.get(0)).unwrap();
        assert_eq!(indexed, stored, "the indexer read every stored document before the store closed");
    }

    #[tokio::test]
    async fn a_deleted_index_file_is_rebuilt_from_the_documents_rows() {
        let dir = tempfile::tempdir().unwrap();
        let events = |store: SqliteStore| async move {
            let filter = EventFilter { country: Some("KZ".into()), ..Default::default() };
            store.list_events(filter, PageRequest { size: 10, after: None }).await.unwrap().items.len()
        };
        {
            let store = SqliteStore::open(dir.path(), 1).unwrap();
            crate::store::suite::insert_sample(&store, "rebuilt").await;
            assert_eq!(events(store).await, 1);
        }
        let index = dir.path().join(index::FILE_NAME);
        std::fs::remove_file(&index).unwrap();
        std::fs::write(dir.path().join("search.sqlite"), b"text indexes of store schema 8").unwrap();
        let store = SqliteStore::open(dir.path(), 1).unwrap();
        assert_eq!(events(store).await, 1, "the facts were read again from the document's row");
        assert!(index.exists());
        assert!(!dir.path().join("search.sqlite").exists(), "the file the index replaces is removed");
    }

    #[tokio::test]
    async fn an_index_file_of_version_1_is_rebuilt_with_person_profiles() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path(), 1).unwrap();
        crate::store::suite::insert_sample(&store, "profiled").await;
        store.list_persons(PersonFilter::default(), PageRequest { size: 1, after: None }).await.unwrap();
        // Dropping the store ends its threads, closing the index file.
        drop(store);
        {
            // The layout of version 1 kept only counts, in `name_counts`.
            let index = Connection::open(dir.path().join(index::FILE_NAME)).unwrap();
            index.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
            index
                .execute_batch(
                    "DROP TABLE person_profiles;
                     CREATE TABLE name_counts (name_key TEXT PRIMARY KEY, mentions INTEGER, quotes INTEGER) WITHOUT ROWID;
                     PRAGMA user_version = 1;",
                )
                .unwrap();
        }
        let store = SqliteStore::open(dir.path(), 1).unwrap();
        let detail = store.get_person(name_key("Roman Vassilenko")).await.unwrap().expect("the person is found again");
        assert_eq!(detail.profile.titles, ["Deputy Foreign Minister"]);
        assert_eq!(detail.profile.document_count, 1);
        let index = Connection::open(dir.path().join(index::FILE_NAME)).unwrap();
        let version: i64 = index.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(version, 2, "the file was rebuilt in the current layout");
    }

    #[tokio::test]
    async fn a_version_3_store_learns_the_full_names_of_its_aliases() {
        let dir = tempfile::tempdir().unwrap();
        {
            let conn = open_connection(&SqliteStore::file_path(dir.path())).unwrap();
            conn.execute_batch(&format!(
                "{SCHEMA_1} PRAGMA user_version = 3;
                 INSERT INTO documents (id, text, text_hash, text_bytes, ingested_at, diagnostics)
                     VALUES ('old', 'Ambassador Wendy Sherman spoke.', 'h', 31, 0, '[]');
                 INSERT INTO persons (id, doc_id, name, name_key, aliases, titles, evidence)
                     VALUES (7, 'old', 'Wendy Sherman', 'wendy sherman', '[\"Sherman\"]', '[]', '[]');
                 INSERT INTO person_aliases (person_id, alias_key) VALUES (7, 'sherman');
                 INSERT INTO quotes (doc_id, text, speaker, speaker_key, evidence)
                     VALUES ('old', 'We spoke.', 'Wendy Sherman', 'wendy sherman', '[]');"
            ))
            .unwrap();
        }
        let store = SqliteStore::open(dir.path(), 1).unwrap();
        let filter = QuoteFilter { speaker: Some("sherman".into()), ..Default::default() };
        let page = store.list_quotes(filter, PageRequest { size: 10, after: None }).await.unwrap();
        assert_eq!(page.items.iter().map(|q| q.fact.text.as_str()).collect::<Vec<_>>(), ["We spoke."]);
    }

    #[tokio::test]
    async fn a_version_4_store_learns_the_metric_of_each_figure_country() {
        let dir = tempfile::tempdir().unwrap();
        {
            let conn = open_connection(&SqliteStore::file_path(dir.path())).unwrap();
            conn.execute_batch(&format!(
                "{SCHEMA_1} {ALIAS_NAMES} PRAGMA user_version = 4;
                 INSERT INTO documents (id, text, text_hash, text_bytes, ingested_at, diagnostics)
                     VALUES ('old', 'Trade grew to $2 billion.', 'h', 25, 0, '[]');
                 INSERT INTO figures (id, doc_id, value, unit, metric, period, countries, evidence)
                     VALUES (3, 'old', 2e9, 'USD', 'trade_turnover', '2024', '[\"KZ\"]', '[]'),
                            (4, 'old', 5.0, 'count', 'agreements', NULL, '[\"KZ\"]', '[]');
                 INSERT INTO figure_countries (figure_id, code) VALUES (3, 'KZ'), (4, 'KZ');"
            ))
            .unwrap();
        }
        let store = SqliteStore::open(dir.path(), 1).unwrap();
        let filter = FigureFilter { metric: Some("trade_turnover".into()), country: Some("KZ".into()), period: None };
        let page = store.list_figures(filter, PageRequest { size: 10, after: None }).await.unwrap();
        assert_eq!(page.items.iter().map(|f| f.fact.value).collect::<Vec<_>>(), [2e9]);
    }

    #[tokio::test]
    async fn a_version_5_store_keeps_its_event_filters_and_counts_its_names() {
        let dir = tempfile::tempdir().unwrap();
        {
            let conn = open_connection(&SqliteStore::file_path(dir.path())).unwrap();
            conn.execute_batch(&format!(
                "{SCHEMA_1} {ALIAS_NAMES} {FIGURE_COUNTRY_METRIC} PRAGMA user_version = 5;
                 INSERT INTO documents (id, text, text_hash, text_bytes, ingested_at, diagnostics)
                     VALUES ('old', 'Ana Tinca met Roman Vassilenko.', 'h', 31, 0, '[]');
                 INSERT INTO persons (id, doc_id, name, name_key, aliases, titles, country, evidence)
                     VALUES (1, 'old', 'Ana Tinca', 'ana tinca', '[]', '[]', 'RO', '[]'),
                            (2, 'old', 'Roman Vassilenko', 'roman vassilenko', '[]', '[]', 'KZ', '[]');
                 INSERT INTO quotes (doc_id, text, speaker, speaker_key, evidence)
                     VALUES ('old', 'We met.', 'Ana Tinca', 'ana tinca', '[]'), ('old', 'Again.', 'Ana Tinca', 'ana tinca', '[]');
                 INSERT INTO events (id, doc_id, kind, date, date_start, date_end, participants, countries, evidence)
                     VALUES (5, 'old', 'meeting', '2025-03', '2025-03-01', '2025-03-31',
                             '[\"Ana Tinca\", \"Roman Vassilenko\"]', '[]', '[]');
                 INSERT INTO event_participants (event_id, name_key) VALUES (5, 'ana tinca'), (5, 'roman vassilenko');
                 INSERT INTO event_countries (event_id, code) VALUES (5, 'RO'), (5, 'KZ');"
            ))
            .unwrap();
        }
        let store = SqliteStore::open(dir.path(), 1).unwrap();
        let page = PageRequest { size: 10, after: None };
        let d = |s: &str| Some(s.parse().unwrap());
        let pair = EventFilter { country: Some("KZ".into()), other_country: Some("RO".into()), ..Default::default() };
        let in_march = EventFilter { since: d("2025-03-15"), until: d("2025-03-15"), ..pair.clone() };
        assert_eq!(store.list_events(in_march, page.clone()).await.unwrap().items.len(), 1, "the dates moved with the states");
        let in_april = EventFilter { since: d("2025-04"), ..pair };
        assert!(store.list_events(in_april, page.clone()).await.unwrap().items.is_empty());
        let by_participant = EventFilter { participant: Some("roman vassilenko".into()), ..Default::default() };
        assert_eq!(store.list_events(by_participant, page).await.unwrap().items.len(), 1);
        let person = store.get_person("ana tinca".into()).await.unwrap().unwrap();
        assert_eq!((person.profile.document_count, person.profile.quote_count), (1, 2));
        assert_eq!(person.events.len(), 1);
        let conn = open_connection(&dir.path().join(index::FILE_NAME)).unwrap();
        let events: i64 = conn.query_row("SELECT events FROM state_events WHERE code = 'KZ'", [], |r| r.get(0)).unwrap();
        assert_eq!(events, 1);
    }

    #[tokio::test]
    async fn a_version_7_store_moves_each_documents_facts_into_its_row() {
        let dir = tempfile::tempdir().unwrap();
        {
            let conn = open_connection(&SqliteStore::file_path(dir.path())).unwrap();
            conn.execute_batch(&format!(
                "{SCHEMA_1} {ALIAS_NAMES} {FIGURE_COUNTRY_METRIC} {EVENT_KEYS_AND_COUNTS} {UNREAD} PRAGMA user_version = 7;
                 INSERT INTO documents (id, text, text_hash, text_bytes, ingested_at, facts_published, diagnostics)
                     VALUES ('old', 'Ana Tinca met the OSCE in Astana.', 'h', 33, 0, '2025-03-04', '[]'),
                            ('bare', 'Nothing here.', 'h2', 13, 0, NULL, '[]');
                 INSERT INTO persons (doc_id, name, name_key, aliases, titles, country, evidence)
                     VALUES ('old', 'Ana Tinca', 'ana tinca', '[]', '[\"State Secretary\"]', 'RO', '[]');
                 INSERT INTO organizations (doc_id, name, country, evidence) VALUES ('old', 'OSCE', NULL, '[]');
                 INSERT INTO countries (doc_id, code, name, evidence)
                     VALUES ('old', 'RO', 'Romania', '[]'), ('old', 'KZ', 'Kazakhstan', '[]');
                 INSERT INTO places (doc_id, name, country, evidence) VALUES ('old', 'Astana', 'KZ', '[]');
                 INSERT INTO events (doc_id, kind, date, participants, countries, evidence)
                     VALUES ('old', 'meeting', '2025-03-04', '[\"Ana Tinca\"]', '[\"KZ\"]', '[]');
                 INSERT INTO quotes (doc_id, text, speaker, speaker_key, evidence)
                     VALUES ('old', 'We met.', 'Ana Tinca', 'ana tinca', '[]');
                 INSERT INTO figures (doc_id, value, unit, metric, countries, evidence)
                     VALUES ('old', 3.0, 'count', 'agreements', '[]', '[]');
                 INSERT INTO topics (doc_id, name, score, evidence) VALUES ('old', 'trade', 2.0, '[]');"
            ))
            .unwrap();
        }
        let store = SqliteStore::open(dir.path(), 1).unwrap();
        let (_, facts) = store.get_document("old".into()).await.unwrap().unwrap();
        assert_eq!(facts.published, Some("2025-03-04".parse().unwrap()));
        assert_eq!(facts.persons[0].titles, ["State Secretary"]);
        assert_eq!(facts.organizations.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(), ["OSCE"]);
        assert_eq!(facts.countries.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(), ["RO", "KZ"], "in the order read");
        assert_eq!(facts.places[0].country.as_deref(), Some("KZ"));
        assert_eq!((facts.events[0].kind, facts.quotes[0].text.as_str()), (EventKind::Meeting, "We met."));
        assert_eq!((facts.figures[0].value, facts.topics[0].name.as_str()), (3.0, "trade"));
        assert_eq!(store.get_document("bare".into()).await.unwrap().unwrap().1, Extraction::default());
        let conn = open_connection(&SqliteStore::file_path(dir.path())).unwrap();
        let left: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_schema WHERE name IN ('topics', 'countries', 'persons_doc')", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0, "the tables and indexes read only with a document are gone");
        let copies: i64 = conn
            .query_row(
                "SELECT count(*) FROM pragma_table_info('documents') WHERE name IN ('facts_published', 'diagnostics')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(copies, 0, "the row's facts hold the publication date and diagnostics");
        let facts_left: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_schema WHERE name IN ('persons', 'events', 'quotes', 'figures')", [], |r| r.get(0))
            .unwrap();
        assert_eq!(facts_left, 0, "the fact tables are in the index file (schema 9)");
        let quotes = store.list_quotes(QuoteFilter::default(), PageRequest { size: 10, after: None }).await.unwrap();
        assert_eq!(quotes.items.iter().map(|q| q.fact.text.as_str()).collect::<Vec<_>>(), ["We met."]);
    }

    #[tokio::test]
    async fn the_index_counts_the_events_of_each_state() {
        let (dir, store) = open();
        crate::store::suite::insert_sample(&store, "counted-1").await;
        crate::store::suite::insert_sample(&store, "counted-2").await;
        // A listing returns once the index has read both documents.
        store.list_events(EventFilter::default(), PageRequest { size: 1, after: None }).await.unwrap();
        let conn = open_connection(&dir.path().join(index::FILE_NAME)).unwrap();
        let events = |code: &str| conn.query_row("SELECT events FROM state_events WHERE code = ?1", [code], |r| r.get(0));
        assert_eq!((events("KZ").unwrap(), events("RO").unwrap()), (2, 2), "one per event, through its participants");
        assert!(events("FR").is_err());
    }

    #[test]
    fn a_pair_of_states_walks_the_rarer_one_first() {
        let dir = tempfile::tempdir().unwrap();
        let (conn, _) = index::open(dir.path(), 0).unwrap();
        conn.execute_batch("INSERT INTO state_events (code, events) VALUES ('US', 900), ('PS', 12)").unwrap();
        assert_eq!(rarer_first(&conn, "US", "PS").unwrap(), ("PS", "US"));
        assert_eq!(rarer_first(&conn, "PS", "US").unwrap(), ("PS", "US"));
        assert_eq!(rarer_first(&conn, "US", "NR").unwrap(), ("NR", "US"), "a state in no event is rarest");
    }

    #[tokio::test]
    async fn a_version_1_store_gains_text_search_over_its_documents() {
        let dir = tempfile::tempdir().unwrap();
        {
            let conn = open_connection(&SqliteStore::file_path(dir.path())).unwrap();
            conn.execute_batch(&format!("{SCHEMA_1} PRAGMA user_version = 1;")).unwrap();
            conn.execute(
                "INSERT INTO documents (id, text, text_hash, text_bytes, ingested_at, diagnostics)
                 VALUES ('old', 'Consultations held in Bucharest today.', 'h', 38, 0, '[]')",
                [],
            )
            .unwrap();
        }
        let store = SqliteStore::open(dir.path(), 1).unwrap();
        let filter = DocumentFilter { text: vec![vec!["bucharest".into()]], ..Default::default() };
        let page = store.list_documents(filter, PageRequest { size: 10, after: None }).await.unwrap();
        assert_eq!(page.items.iter().map(|d| d.document.id.as_str()).collect::<Vec<_>>(), ["old"]);
    }
}
