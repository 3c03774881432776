//! The store's indexes, kept off the commit path.
//!
//! Everything the listings search lives in a second SQLite file,
//! `index.sqlite`, next to the store: the fact tables keyed by name, state,
//! metric and date, each person's profile merged over every mention, the
//! counts of states' events, and two contentless FTS5 indexes over documents
//! and quotes, with how far they have read. The store itself holds each
//! document with its facts in one row, so a commit writes that row and little
//! else, and an acknowledgement waits for a few pages to reach the disk rather
//! than a page of every index a document touches.
//!
//! An indexer thread reads what the writer committed, in batches, and files
//! each document's facts and words. Batching is what makes this cheap: the
//! index pages a tenth of a second of documents share are written once, and
//! FTS5 flushes one segment per batch rather than per commit. The same
//! thread checkpoints the store's write-ahead log, so the writer does not
//! stop for that either.
//!
//! A listing first waits until the indexes have read everything committed
//! when it began, so a query made after an acknowledgement finds that
//! document. The index file needs no durability of its own: it is written
//! with `synchronous=NORMAL`, and after a crash it resumes from the last
//! batch it kept, which it records in the same transaction. Deleting it
//! makes the store rebuild it from the documents' rows.

use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, WaitTimeoutResult};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension, params};
use tracing::{info, warn};

use crate::store::{StoreError, TEXT_SEARCH_CHARS};

/// Name of the index file inside the data folder.
pub(super) const FILE_NAME: &str = "index.sqlite";
/// Name of the file that held only the text indexes (store schemas 3 to 8);
/// it is removed once the index file replaces it.
const OLD_FILE_NAME: &str = "search.sqlite";
/// Schema name the index file is attached under on read connections.
pub(super) const SCHEMA_NAME: &str = "idx";
/// Version of the index file's schema (`PRAGMA user_version`). A file of
/// another version is rebuilt. Version 2 keeps each person's profile, merged
/// over every mention, where version 1 kept only the counts.
const SCHEMA_VERSION: i64 = 2;
/// Page cache of the indexer's connection to the index file, in KiB: the
/// name-keyed indexes take new rows anywhere, and their inner pages and
/// recent leaves stay in memory as the store grows (the writer's cache did
/// this when they were in the store, with 64 MiB).
const INDEX_CACHE_KIB: i64 = 96 * 1024;

/// The index file's tables. Row ids of facts follow commit order, so the
/// listings page by them; nothing here refers to the store's rows but by
/// document id, and nothing in the store refers to these.
const SCHEMA: &str = "
CREATE TABLE progress (
    source TEXT PRIMARY KEY,
    upto   INTEGER NOT NULL
);
CREATE VIRTUAL TABLE documents_fts USING fts5(
    text, content='', tokenize='unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE quotes_fts USING fts5(
    text, content='', tokenize='unicode61 remove_diacritics 2'
);

CREATE TABLE persons (
    id           INTEGER PRIMARY KEY,
    doc_id       TEXT NOT NULL,
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
CREATE TABLE alias_names (
    alias_key TEXT NOT NULL,
    name_key  TEXT NOT NULL,
    PRIMARY KEY (alias_key, name_key)
) WITHOUT ROWID;
CREATE TABLE person_profiles (
    name_key TEXT PRIMARY KEY,
    tally    BLOB NOT NULL,
    mentions INTEGER NOT NULL,
    quotes   INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE events (
    id           INTEGER PRIMARY KEY,
    doc_id       TEXT NOT NULL,
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
CREATE INDEX events_kind ON events(kind);
CREATE INDEX events_place ON events(place_key);
CREATE INDEX events_date ON events(date_start, date_end);
CREATE TABLE event_participants (
    name_key TEXT NOT NULL,
    event_id INTEGER NOT NULL,
    PRIMARY KEY (name_key, event_id)
) WITHOUT ROWID;
CREATE TABLE event_countries (
    code       TEXT NOT NULL,
    event_id   INTEGER NOT NULL,
    date_start TEXT,
    date_end   TEXT,
    PRIMARY KEY (code, event_id)
) WITHOUT ROWID;
CREATE TABLE state_events (
    code   TEXT PRIMARY KEY,
    events INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE quotes (
    id          INTEGER PRIMARY KEY,
    doc_id      TEXT NOT NULL,
    text        TEXT NOT NULL,
    speaker     TEXT,
    speaker_key TEXT,
    evidence    TEXT NOT NULL
);
CREATE INDEX quotes_speaker ON quotes(speaker_key, id);

CREATE TABLE figures (
    id        INTEGER PRIMARY KEY,
    doc_id    TEXT NOT NULL,
    value     REAL NOT NULL,
    unit      TEXT NOT NULL,
    metric    TEXT NOT NULL,
    period    TEXT,
    countries TEXT NOT NULL,
    evidence  TEXT NOT NULL
);
CREATE INDEX figures_metric ON figures(metric, id);
CREATE INDEX figures_period ON figures(period, id);
CREATE TABLE figure_countries (
    figure_id INTEGER NOT NULL,
    code      TEXT NOT NULL,
    metric    TEXT
);
CREATE INDEX figure_countries_code ON figure_countries(code, figure_id);
CREATE INDEX figure_countries_metric ON figure_countries(code, metric, figure_id);
";

/// Most documents indexed in one transaction of the index file. The
/// name-keyed indexes take new rows at leaves all over their b-trees, and in
/// a large store nearly every row of a batch lands on a page of its own,
/// which the commit writes to the log and a checkpoint writes again: on a
/// 390,000-document store the indexer wrote 200–370 KB a document in
/// batches of 500, against 40 KB on an empty one. Batches of 2,000 share
/// more of those pages: a third fewer bytes written and less of the
/// indexer's CPU in the kernel there, and no change on an empty store.
const DOCUMENT_BATCH: i64 = 2_000;
/// Segments of one size a text index gathers before merging them into one
/// of the next size (FTS5's `automerge`, 4 by default). Every word of a
/// document is copied once per merge level it goes through, so merging
/// costs more a document as the store grows; with 16, each merge gathers
/// four times as much and a word goes through half as many levels. On a
/// 300,000-document store, alternating runs on two copies of it: the
/// indexer's CPU fell 12 % and ingest rose 16 % (2,300 against 1,981
/// documents a second, medians of four); on an empty store no change
/// within the noise. A search reads more segments per word, at most 15 of
/// each size; at 300,000 documents its latency is in BENCHMARKS.md.
const FTS_AUTOMERGE: i64 = 16;
/// Longest the indexer sleeps without a nudge from the writer.
const IDLE_WAKE: Duration = Duration::from_millis(250);
/// Least time between two indexing passes while no query waits. Under a
/// steady stream of small commits, indexing after each one wrote the same
/// index pages again for every document and flushed an FTS5 segment per
/// commit, and the merges that followed cost as much again; gathering a
/// tenth of a second of commits into one pass halves both. A waiting query
/// cuts the wait short.
const INDEX_EVERY: Duration = Duration::from_millis(100);
/// Least time between two checkpoints of the store's log.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);
/// Longest a listing waits for the indexes to catch up.
const CATCH_UP_WAIT: Duration = Duration::from_secs(10);
/// Most documents the index may be behind the last commit before the writer
/// waits for it. A server saturated with documents gives the indexer, at its
/// lower priority, less time than it needs, and without a bound the index
/// fell minutes behind a long burst, with every listing waiting for it in
/// the meantime; with this bound a listing waits a few seconds at most, and
/// ingest goes at the pace at which documents become listable.
pub(super) const MOST_BEHIND: i64 = 4_000;
/// Longest the writer waits for the index to come within [`MOST_BEHIND`];
/// an index that stopped (its file unwritable, say) must not stop ingest.
const ROOM_WAIT: Duration = Duration::from_secs(30);
/// How often a long catch-up (a rebuild) reports how far it has come.
const REPORT_EVERY: Duration = Duration::from_secs(15);

/// What the writer has committed and what the indexer has indexed (document
/// `seq`s), shared by the writer, the indexer and the readers.
#[derive(Debug, Default)]
pub(super) struct Progress {
    /// (committed, indexed).
    upto: Mutex<(i64, i64)>,
    changed: Condvar,
    /// Listings waiting for the indexes to catch up.
    waiting: AtomicUsize,
}

impl Progress {
    fn lock(&self) -> MutexGuard<'_, (i64, i64)> {
        self.upto.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records what the writer has just committed.
    pub(super) fn committed(&self, seq: i64) {
        self.lock().0 = seq;
    }

    /// The last document `seq` committed.
    fn committed_upto(&self) -> i64 {
        self.lock().0
    }

    /// How many committed documents the index has not read yet.
    pub(super) fn behind(&self) -> i64 {
        let upto = self.lock();
        upto.0 - upto.1
    }

    pub(super) fn indexed(&self, seq: i64) {
        self.lock().1 = seq;
        self.changed.notify_all();
    }

    /// Waits until the indexes cover everything committed when it was
    /// called; on time-out, says how far behind they are.
    pub(super) fn wait_for_committed(&self) -> Result<(), StoreError> {
        let guard = self.lock();
        let target = guard.0;
        if guard.1 >= target {
            return Ok(());
        }
        // Tells a gathering indexer to index now (it waits on `changed`).
        self.waiting.fetch_add(1, Ordering::SeqCst);
        self.changed.notify_all();
        let _waiting = Waiting(&self.waiting);
        let (guard, _) = self.wait_while(guard, CATCH_UP_WAIT, |upto| upto.1 < target);
        if guard.1 < target {
            let behind = target - guard.1;
            return Err(StoreError::Unavailable(format!(
                "the index is still catching up with the store ({behind} documents to go); retry the query in a moment"
            )));
        }
        Ok(())
    }

    /// Waits while the indexes are more than `most` documents behind the
    /// last commit, for [`ROOM_WAIT`] at most; returns whether it waited.
    pub(super) fn wait_for_room(&self, most: i64) -> bool {
        let behind = |upto: &(i64, i64)| upto.0 - upto.1 > most;
        let guard = self.lock();
        if !behind(&guard) {
            return false;
        }
        let (guard, _) = self.wait_while(guard, ROOM_WAIT, |upto| behind(upto));
        if behind(&guard) {
            warn!(behind = guard.0 - guard.1, "the index is not catching up; storing documents anyway");
        }
        true
    }

    /// Waits until `until`, or until a listing waits for the indexes.
    fn gather(&self, until: Instant) {
        let guard = self.lock();
        let left = until.saturating_duration_since(Instant::now());
        drop(self.wait_while(guard, left, |_| self.waiting.load(Ordering::SeqCst) == 0));
    }

    /// Waits on `changed` while `condition` holds, for `most` at most.
    fn wait_while<'a>(
        &self,
        guard: MutexGuard<'a, (i64, i64)>,
        most: Duration,
        condition: impl FnMut(&mut (i64, i64)) -> bool,
    ) -> (MutexGuard<'a, (i64, i64)>, WaitTimeoutResult) {
        self.changed.wait_timeout_while(guard, most, condition).unwrap_or_else(|p| p.into_inner())
    }
}

/// Counts a listing as waiting while it lives.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Returns the highest document `seq` stored.
pub(super) fn stored_upto(store: &Connection) -> Result<i64, rusqlite::Error> {
    store.query_row("SELECT coalesce(max(seq), 0) FROM documents", [], |r| r.get(0))
}

/// Opens (creating or rebuilding if needed) the index file of `data_dir`
/// for the indexer, given the last document `seq` of the store beside it;
/// returns it with the last `seq` it has indexed.
pub(super) fn open(data_dir: &Path, stored: i64) -> Result<(Connection, i64), StoreError> {
    let path = data_dir.join(FILE_NAME);
    let open_err = |e: &dyn std::fmt::Display| StoreError::Open {
        path: path.display().to_string(),
        reason: format!("{e}; the index is rebuilt from the store if you delete this file"),
    };
    remove_with_log(&data_dir.join(OLD_FILE_NAME)).map_err(|e| open_err(&e))?;
    let mut conn = open_connection(&path).map_err(|e| open_err(&e))?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(|e| open_err(&e))?;
    let upto = if version == SCHEMA_VERSION { read_upto(&conn).map_err(|e| open_err(&e))? } else { 0 };
    // Indexed past what the store holds: this index belongs to another store.
    let upto = if version != SCHEMA_VERSION || upto > stored {
        if version != 0 {
            info!(path = %path.display(), version, "rebuilding the index from the store");
            drop(conn);
            remove_with_log(&path).map_err(|e| open_err(&e))?;
            conn = open_connection(&path).map_err(|e| open_err(&e))?;
        }
        conn.execute_batch(SCHEMA).map_err(|e| open_err(&e))?;
        conn.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(|e| open_err(&e))?;
        0
    } else {
        upto
    };
    // Set at every opening, so files made before the policy take it too.
    set_merge_policy(&conn).map_err(|e| open_err(&e))?;
    Ok((conn, upto))
}

/// Sets how many segments of a size each text index gathers before merging
/// them (FTS5 `automerge`; kept in the file).
fn set_merge_policy(conn: &Connection) -> Result<(), rusqlite::Error> {
    for table in ["documents_fts", "quotes_fts"] {
        conn.execute(&format!("INSERT INTO {table} ({table}, rank) VALUES ('automerge', ?1)"), [FTS_AUTOMERGE])?;
    }
    Ok(())
}

/// Removes an SQLite file and its log and shared-memory files, if present.
fn remove_with_log(path: &Path) -> std::io::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        match std::fs::remove_file(&name) {
            Ok(()) if suffix.is_empty() => info!(path = %path.display(), "removed a derived file the store rebuilds"),
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn open_connection(path: &Path) -> Result<Connection, rusqlite::Error> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // Rebuildable from the store: consistent after a crash is enough.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "cache_size", -INDEX_CACHE_KIB)?;
    conn.set_prepared_statement_cache_capacity(super::STATEMENT_CACHE);
    Ok(conn)
}

fn read_upto(conn: &Connection) -> Result<i64, rusqlite::Error> {
    conn.query_row("SELECT upto FROM progress WHERE source = 'documents'", [], |r| r.get::<_, i64>(0))
        .optional()
        .map(Option::unwrap_or_default)
}

/// Attaches the index file to a read connection of the store.
pub(super) fn attach(reader: &Connection, data_dir: &Path) -> Result<(), rusqlite::Error> {
    let path = data_dir.join(FILE_NAME);
    reader.execute(&format!("ATTACH DATABASE ?1 AS {SCHEMA_NAME}"), [path.to_string_lossy()])?;
    Ok(())
}

/// The indexer's side: a connection to the store (for reading new rows and
/// checkpointing its log) and one to the index file.
pub(super) struct Indexer {
    pub(super) store: Connection,
    pub(super) index: Connection,
    pub(super) upto: i64,
    pub(super) progress: Arc<Progress>,
}

/// A handle the writer uses to wake the indexer after a commit.
#[derive(Clone)]
pub(super) struct Nudge(SyncSender<()>);

impl Nudge {
    /// Wakes the indexer (a wake-up already pending is enough).
    pub(super) fn send(&self) {
        match self.0.try_send(()) {
            Ok(()) | Err(TrySendError::Full(())) | Err(TrySendError::Disconnected(())) => {}
        }
    }
}

/// Gives the calling thread a lower CPU priority (nice 10), so that reading
/// and committing documents, which clients wait for, go first; the indexer
/// takes the time left over. On Linux only, where a nice value is per thread.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    if let Err(e) = rustix::process::setpriority_process(Some(rustix::thread::gettid()), 10) {
        warn!(error = %e, "cannot lower the indexer's priority; it competes with ingest at full priority");
    }
}

/// Returns the writer's nudge and the indexer's receiving end.
pub(super) fn nudge() -> (Nudge, Receiver<()>) {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    (Nudge(tx), rx)
}

impl Indexer {
    /// Indexes until the writer goes away: after each nudge, and every
    /// [`IDLE_WAKE`] in any case, but no sooner than [`INDEX_EVERY`] after
    /// the last pass unless a query waits.
    pub(super) fn run(mut self, wake: Receiver<()>) {
        lower_priority();
        if let Ok(stored) = stored_upto(&self.store)
            && stored - self.upto > DOCUMENT_BATCH
        {
            info!(documents = stored - self.upto, "indexing the documents the index has not read yet");
        }
        let mut last_checkpoint = Instant::now();
        let mut last_pass = Instant::now();
        let mut last_report = Instant::now();
        loop {
            let closing = matches!(wake.recv_timeout(IDLE_WAKE), Err(RecvTimeoutError::Disconnected));
            if !closing {
                self.progress.gather(last_pass + INDEX_EVERY);
            }
            last_pass = Instant::now();
            loop {
                match self.index_batch() {
                    Ok(true) => {
                        if last_report.elapsed() >= REPORT_EVERY {
                            let to_go = self.progress.committed_upto() - self.upto;
                            info!(indexed_upto = self.upto, to_go, "indexing the store's documents");
                            last_report = Instant::now();
                        }
                    }
                    Ok(false) => break,
                    Err(e) => {
                        warn!(error = %e, "indexing failed; retrying shortly");
                        std::thread::sleep(IDLE_WAKE);
                        break;
                    }
                }
            }
            if last_checkpoint.elapsed() >= CHECKPOINT_EVERY {
                // PASSIVE never waits for readers or the writer; frames it
                // cannot copy now are copied next time.
                if let Err(e) = self.store.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                    warn!(error = %e, "checkpointing the store's log failed; the writer checkpoints it instead");
                }
                last_checkpoint = Instant::now();
            }
            if closing {
                return;
            }
        }
    }

    /// Indexes the next batch of committed documents, their facts and their
    /// words; returns whether more may be waiting.
    fn index_batch(&mut self) -> Result<bool, rusqlite::Error> {
        let tx = self.index.transaction()?;
        let mut upto = self.upto;
        let mut docs = 0;
        let mut profiles = super::ProfileChanges::default();
        {
            let mut read = self.store.prepare_cached(
                "SELECT seq, id, substr(text, 1, ?2), facts FROM documents WHERE seq > ?1 ORDER BY seq LIMIT ?3",
            )?;
            let mut words = tx.prepare_cached("INSERT INTO documents_fts (rowid, text) VALUES (?1, ?2)")?;
            let mut rows = read.query(params![upto, TEXT_SEARCH_CHARS as i64, DOCUMENT_BATCH])?;
            while let Some(row) = rows.next()? {
                let seq: i64 = row.get(0)?;
                let id = row.get_ref(1)?.as_str()?;
                words.execute(params![seq, row.get_ref(2)?.as_str()?])?;
                // A row whose facts cannot be read keeps its words; the
                // error names the document, and reading it says the same.
                match row.get_ref(3)?.as_blob_or_null()?.map(|bytes| super::decode_facts(id, bytes)) {
                    Some(Ok(facts)) => super::insert_facts(&tx, id, &facts, &mut profiles)?,
                    Some(Err(e)) => warn!(error = %e, "a document's facts are left out of the index"),
                    None => warn!(document = id, "a document without facts is left out of the index"),
                }
                upto = seq;
                docs += 1;
            }
        }
        if docs == 0 {
            return Ok(false);
        }
        profiles.write(&tx)?;
        tx.execute("INSERT OR REPLACE INTO progress (source, upto) VALUES ('documents', ?1)", [upto])?;
        tx.commit()?;
        self.upto = upto;
        self.progress.indexed(upto);
        Ok(docs == DOCUMENT_BATCH)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_indexes_merge_sixteen_segments_at_a_time_in_new_files_and_old_ones() {
        let dir = tempfile::tempdir().unwrap();
        let automerge = |conn: &Connection, table: &str| -> Option<i64> {
            conn.query_row(&format!("SELECT v FROM {table}_config WHERE k = 'automerge'"), [], |r| r.get(0))
                .optional()
                .unwrap()
        };
        let (conn, _) = open(dir.path(), 0).unwrap();
        for table in ["documents_fts", "quotes_fts"] {
            assert_eq!(automerge(&conn, table), Some(FTS_AUTOMERGE), "{table} in a new file");
            // As a file written before the policy was set: FTS5's default.
            conn.execute(&format!("DELETE FROM {table}_config WHERE k = 'automerge'"), []).unwrap();
            assert_eq!(automerge(&conn, table), None);
        }
        drop(conn);
        let (conn, _) = open(dir.path(), 0).unwrap();
        for table in ["documents_fts", "quotes_fts"] {
            assert_eq!(automerge(&conn, table), Some(FTS_AUTOMERGE), "{table} in a file opened again");
        }
    }

    #[test]
    fn the_writer_waits_for_an_index_too_far_behind() {
        let progress = Arc::new(Progress::default());
        progress.committed(10);
        assert!(!progress.wait_for_room(10), "ten behind is within ten");
        let indexer = {
            let progress = Arc::clone(&progress);
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(50));
                progress.indexed(3);
                std::thread::sleep(Duration::from_millis(50));
                progress.indexed(6);
            })
        };
        progress.wait_for_room(4);
        assert!(progress.lock().1 >= 6, "returned only once the index was within four");
        indexer.join().unwrap();
    }

    #[test]
    fn a_listing_waits_for_what_was_committed_when_it_began() {
        let progress = Arc::new(Progress::default());
        progress.committed(5);
        let indexer = {
            let progress = Arc::clone(&progress);
            std::thread::spawn(move || {
                // Once the listing waits, more is committed, then indexed up to
                // where the listing began.
                while progress.waiting.load(Ordering::SeqCst) == 0 {
                    std::thread::sleep(Duration::from_millis(1));
                }
                progress.committed(9);
                progress.indexed(5);
            })
        };
        progress.wait_for_committed().unwrap();
        assert_eq!(progress.lock().1, 5, "commits after it began are not waited for");
        indexer.join().unwrap();
    }
}
