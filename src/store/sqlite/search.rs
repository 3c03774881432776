//! The full-text indexes of the embedded store, kept off the commit path.
//!
//! Word search over documents and quotes lives in a second SQLite file,
//! `search.sqlite`, next to the store. It holds only what can be rebuilt
//! from the store: two contentless FTS5 indexes and how far each has read.
//! An indexer thread reads what the writer committed, in large batches,
//! and indexes it; batching is what makes FTS5 cheap (one segment flush per
//! batch rather than per commit), and the work runs beside the writer
//! instead of inside its transactions. The same thread checkpoints the
//! store's write-ahead log, so the writer does not stop for that either.
//!
//! A text query first waits until the indexes have read everything committed
//! when it began, so a search made after an acknowledgement finds that
//! document. The search file needs no durability of its own: it is written
//! with `synchronous=NORMAL`, and after a crash it resumes from the last
//! batch it kept. Deleting it makes the store rebuild it.

use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension, params};
use tracing::{info, warn};

use crate::store::{StoreError, TEXT_SEARCH_CHARS};

/// Name of the search file inside the data folder.
pub(super) const FILE_NAME: &str = "search.sqlite";
/// Schema name the search file is attached under on read connections.
pub(super) const SCHEMA_NAME: &str = "search";
/// Version of the search file's schema (`PRAGMA user_version`). A file of
/// another version is rebuilt.
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS progress (
    source TEXT PRIMARY KEY,
    upto   INTEGER NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5(
    text, content='', tokenize='unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE IF NOT EXISTS quotes_fts USING fts5(
    text, content='', tokenize='unicode61 remove_diacritics 2'
);
";

/// Most documents indexed in one search transaction.
const DOCUMENT_BATCH: i64 = 1_000;
/// Most quotes indexed in one search transaction.
const QUOTE_BATCH: i64 = 5_000;
/// Longest the indexer sleeps without a nudge from the writer.
const IDLE_WAKE: Duration = Duration::from_millis(250);
/// Least time between two indexing passes while no text query waits. Under
/// a steady stream of small commits, indexing after each one flushed an
/// FTS5 segment per commit, and the merges that followed cost as much CPU
/// and disk again as the indexing itself; gathering a tenth of a second of
/// commits into one pass halves both. A text query cuts the wait short.
const INDEX_EVERY: Duration = Duration::from_millis(100);
/// Least time between two checkpoints of the store's log.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);
/// Longest a text query waits for the indexes to catch up.
const CATCH_UP_WAIT: Duration = Duration::from_secs(10);

/// Row ids (document `seq`, quote `id`) up to which something is done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Marks {
    pub(super) documents: i64,
    pub(super) quotes: i64,
}

impl Marks {
    fn covers(self, other: Marks) -> bool {
        self.documents >= other.documents && self.quotes >= other.quotes
    }
}

/// What the writer has committed and what the indexer has indexed, shared by
/// the writer, the indexer and the readers.
#[derive(Debug, Default)]
pub(super) struct Progress {
    marks: Mutex<(Marks, Marks)>,
    changed: Condvar,
    /// Text queries waiting for the indexes to catch up.
    waiting: AtomicUsize,
}

impl Progress {
    fn lock(&self) -> std::sync::MutexGuard<'_, (Marks, Marks)> {
        self.marks.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records what the writer has just committed.
    pub(super) fn committed(&self, marks: Marks) {
        self.lock().0 = marks;
    }

    pub(super) fn indexed(&self, marks: Marks) {
        self.lock().1 = marks;
        self.changed.notify_all();
    }

    /// Waits until the indexes cover everything committed when it was
    /// called; on time-out, says how far behind they are.
    pub(super) fn wait_for_committed(&self) -> Result<(), StoreError> {
        let deadline = Instant::now() + CATCH_UP_WAIT;
        let mut guard = self.lock();
        let target = guard.0;
        if guard.1.covers(target) {
            return Ok(());
        }
        // Tells a gathering indexer to index now (it waits on `changed`).
        self.waiting.fetch_add(1, Ordering::SeqCst);
        self.changed.notify_all();
        let _waiting = Waiting(&self.waiting);
        while !guard.1.covers(target) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                let behind = target.documents - guard.1.documents;
                return Err(StoreError::Unavailable(format!(
                    "the text index is still catching up ({behind} documents to go); retry the search in a moment"
                )));
            }
            guard = self.changed.wait_timeout(guard, left).unwrap_or_else(|p| p.into_inner()).0;
        }
        Ok(())
    }

    /// Waits until `until`, or until a text query waits for the indexes.
    fn gather(&self, until: Instant) {
        let mut guard = self.lock();
        while self.waiting.load(Ordering::SeqCst) == 0 {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            guard = self.changed.wait_timeout(guard, left).unwrap_or_else(|p| p.into_inner()).0;
        }
    }
}

/// Counts a text query as waiting while it lives.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Returns the highest document `seq` and quote `id` stored.
pub(super) fn stored_marks(store: &Connection) -> Result<Marks, rusqlite::Error> {
    store.query_row(
        "SELECT (SELECT coalesce(max(seq), 0) FROM documents), (SELECT coalesce(max(id), 0) FROM quotes)",
        [],
        |r| Ok(Marks { documents: r.get(0)?, quotes: r.get(1)? }),
    )
}

/// Opens (creating or rebuilding if needed) the search file of `data_dir`
/// for the indexer, given the marks of the store beside it.
pub(super) fn open(data_dir: &Path, stored: Marks) -> Result<(Connection, Marks), StoreError> {
    let path = data_dir.join(FILE_NAME);
    let open_err = |e: &dyn std::fmt::Display| StoreError::Open {
        path: path.display().to_string(),
        reason: format!("{e}; the search index is rebuilt from the store if you delete this file"),
    };
    let conn = open_connection(&path).map_err(|e| open_err(&e))?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(|e| open_err(&e))?;
    let mut marks = if version == SCHEMA_VERSION { read_marks(&conn).map_err(|e| open_err(&e))? } else { Marks::default() };
    // Indexed past what the store holds: this index belongs to another store.
    if version != SCHEMA_VERSION || marks.documents > stored.documents || marks.quotes > stored.quotes {
        if version != 0 {
            info!(path = %path.display(), "rebuilding the text index");
        }
        conn.execute_batch("DROP TABLE IF EXISTS progress; DROP TABLE IF EXISTS documents_fts; DROP TABLE IF EXISTS quotes_fts;")
            .map_err(|e| open_err(&e))?;
        conn.execute_batch(SCHEMA).map_err(|e| open_err(&e))?;
        conn.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(|e| open_err(&e))?;
        marks = Marks::default();
    }
    Ok((conn, marks))
}

fn open_connection(path: &Path) -> Result<Connection, rusqlite::Error> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // Rebuildable from the store: consistent after a crash is enough.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(conn)
}

fn read_marks(conn: &Connection) -> Result<Marks, rusqlite::Error> {
    let upto = |source: &str| {
        conn.query_row("SELECT upto FROM progress WHERE source = ?1", [source], |r| r.get::<_, i64>(0))
            .optional()
            .map(Option::unwrap_or_default)
    };
    Ok(Marks { documents: upto("documents")?, quotes: upto("quotes")? })
}

/// Attaches the search file to a read connection of the store.
pub(super) fn attach(reader: &Connection, data_dir: &Path) -> Result<(), rusqlite::Error> {
    let path = data_dir.join(FILE_NAME);
    reader.execute(&format!("ATTACH DATABASE ?1 AS {SCHEMA_NAME}"), [path.to_string_lossy()])?;
    Ok(())
}

/// The indexer's side: a connection to the store (for reading new rows and
/// checkpointing its log) and one to the search file.
pub(super) struct Indexer {
    pub(super) store: Connection,
    pub(super) search: Connection,
    pub(super) marks: Marks,
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
    /// the last pass unless a text query waits.
    pub(super) fn run(mut self, wake: Receiver<()>) {
        lower_priority();
        let mut last_checkpoint = Instant::now();
        let mut last_pass = Instant::now();
        loop {
            let closing = matches!(wake.recv_timeout(IDLE_WAKE), Err(RecvTimeoutError::Disconnected));
            if !closing {
                self.progress.gather(last_pass + INDEX_EVERY);
            }
            last_pass = Instant::now();
            loop {
                match self.index_batch() {
                    Ok(true) => continue,
                    Ok(false) => break,
                    Err(e) => {
                        warn!(error = %e, "indexing for text search failed; retrying shortly");
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

    /// Indexes the next batch of committed documents and quotes; returns
    /// whether more may be waiting.
    fn index_batch(&mut self) -> Result<bool, rusqlite::Error> {
        let tx = self.search.transaction()?;
        let mut marks = self.marks;
        let mut docs = 0;
        {
            let mut read = self
                .store
                .prepare_cached("SELECT seq, substr(text, 1, ?2) FROM documents WHERE seq > ?1 ORDER BY seq LIMIT ?3")?;
            let mut write = tx.prepare_cached("INSERT INTO documents_fts (rowid, text) VALUES (?1, ?2)")?;
            let mut rows = read.query(params![marks.documents, TEXT_SEARCH_CHARS as i64, DOCUMENT_BATCH])?;
            while let Some(row) = rows.next()? {
                let seq: i64 = row.get(0)?;
                write.execute(params![seq, row.get_ref(1)?.as_str()?])?;
                marks.documents = seq;
                docs += 1;
            }
        }
        let mut quotes = 0;
        {
            let mut read = self.store.prepare_cached("SELECT id, text FROM quotes WHERE id > ?1 ORDER BY id LIMIT ?2")?;
            let mut write = tx.prepare_cached("INSERT INTO quotes_fts (rowid, text) VALUES (?1, ?2)")?;
            let mut rows = read.query(params![marks.quotes, QUOTE_BATCH])?;
            while let Some(row) = rows.next()? {
                let id: i64 = row.get(0)?;
                write.execute(params![id, row.get_ref(1)?.as_str()?])?;
                marks.quotes = id;
                quotes += 1;
            }
        }
        if marks == self.marks {
            return Ok(false);
        }
        let mut save = tx.prepare_cached("INSERT OR REPLACE INTO progress (source, upto) VALUES (?1, ?2)")?;
        save.execute(params!["documents", marks.documents])?;
        save.execute(params!["quotes", marks.quotes])?;
        drop(save);
        tx.commit()?;
        self.marks = marks;
        self.progress.indexed(marks);
        Ok(docs == DOCUMENT_BATCH || quotes == QUOTE_BATCH)
    }
}
