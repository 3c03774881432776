//! The PostgreSQL store: the state of several Briefing servers in one
//! database, through a connection pool, with the schema migrated at start.
//!
//! Writes take one transaction-scoped advisory lock, so sequence numbers
//! follow commit order across servers and the same id sent to two servers is
//! stored once. Each created document is announced with `NOTIFY` (delivered
//! on commit); every server `LISTEN`s on a dedicated connection and feeds the
//! facts of other servers' documents to its own live feed. Losing the
//! database is [`StoreError::Disconnected`]: callers are refused with
//! "unavailable" and the pool reconnects once the database is back.

use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{ClientWrapper, Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Runtime};
use futures_util::StreamExt as _;
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use tokio_postgres::types::{FromSql, ToSql};
use tokio_postgres::{AsyncMessage, NoTls, Row};
use tracing::{info, warn};

use super::{
    DocFact, DocumentFilter, EventFilter, FigureFilter, InsertOutcome, NewDocument, Page, PageRequest,
    PersonDetail, PersonFilter, PersonProfile, QuoteFilter, Store, StoreError, StoreFuture, StoreStats, StoredDocument,
    PERSON_DETAIL_LIMIT, PROFILE_MENTIONS, date_bounds, int_key, keep_latest, limit, name_key, paginate, unique_upper,
};
use crate::domain::{
    Country, Document, Event, EventKind, Extraction, Figure, Organization, PartialDate, Person, Place, Quote,
    Topic,
};
use crate::feed::{Feed, StoredFacts};

/// The versioned migrations, applied in order; each runs once per database.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "initial", include_str!("../../migrations/0001_initial.sql")),
    (2, "document_text_search", include_str!("../../migrations/0002_document_text_search.sql")),
    (3, "alias_names", include_str!("../../migrations/0003_alias_names.sql")),
];
/// Advisory lock held while migrating, so servers starting together take turns.
const MIGRATION_LOCK: i64 = 0x6272_6965_666d_6967;
/// Advisory lock held by every write transaction: commit order is seq order.
const WRITE_LOCK: i64 = 0x6272_6965_6677_7269;
/// The channel documents are announced on; the payload is `instance:id`.
const CHANNEL: &str = "briefing_documents";
/// How long a caller waits for a connection (or for a new one) before the
/// database counts as unavailable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Pause between attempts to re-establish the notification connection.
const LISTEN_RETRY: Duration = Duration::from_secs(1);

/// The PostgreSQL store. Cheap to share behind an `Arc`.
pub struct PgStore {
    pool: Pool,
    config: tokio_postgres::Config,
    /// Tells this server's announcements from other servers'.
    instance: String,
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user@host:port/db`),
    /// migrates its schema and returns a store with up to `pool_size`
    /// connections.
    pub async fn connect(url: &str, pool_size: usize) -> Result<Self, StoreError> {
        let config: tokio_postgres::Config = url.parse().map_err(|e| StoreError::Open {
            path: redact(url),
            reason: format!("{e}; write it as postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE"),
        })?;
        Self::with_config(config, pool_size).await
    }

    /// Returns a store over a parsed connection configuration; see [`PgStore::connect`].
    pub async fn with_config(mut config: tokio_postgres::Config, pool_size: usize) -> Result<Self, StoreError> {
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let manager = Manager::from_config(config.clone(), NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager)
            .max_size(pool_size.max(2))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(CONNECT_TIMEOUT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .recycle_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|e| StoreError::Open { path: describe(&config), reason: e.to_string() })?;
        let store = Self { pool, config, instance: instance_id() };
        let open_err = |e: StoreError| StoreError::Open { path: describe(&store.config), reason: e.to_string() };
        let mut client = store.client().await.map_err(open_err)?;
        migrate(&mut client).await.map_err(open_err)?;
        Ok(store)
    }

    /// Feeds the facts of documents other servers store to `feed`, for as
    /// long as the runtime runs: a task `LISTEN`s on its own connection and
    /// reconnects whenever that connection is lost. Documents announced while
    /// it is disconnected are not replayed to watchers.
    pub fn forward_notifications(self: &Arc<Self>, feed: Feed) {
        let store = Arc::clone(self);
        tokio::spawn(async move {
            loop {
                let error = store.listen(&feed).await;
                warn!(%error, "lost the notification connection; reconnecting");
                tokio::time::sleep(LISTEN_RETRY).await;
            }
        });
    }

    /// Listens until the notification connection fails; returns why.
    async fn listen(&self, feed: &Feed) -> StoreError {
        let (client, mut connection) = match self.config.connect(NoTls).await {
            Ok(c) => c,
            Err(e) => return pg_err(e),
        };
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
            while let Some(Ok(message)) = messages.next().await {
                if let AsyncMessage::Notification(n) = message {
                    let _ = tx.send(n.payload().to_owned());
                }
            }
        });
        if let Err(e) = client.batch_execute(&format!("LISTEN {CHANNEL}")).await {
            return pg_err(e);
        }
        info!("listening for documents stored by other servers");
        while let Some(payload) = rx.recv().await {
            let Some((instance, id)) = payload.split_once(':') else { continue };
            if instance == self.instance {
                continue; // this server published it already
            }
            match self.get_document(id.to_owned()).await {
                Ok(Some((_, facts))) => feed.publish(StoredFacts { document_id: id.to_owned(), facts: Arc::new(facts) }),
                Ok(None) => {} // stored in another schema or database on the same server
                Err(error) => warn!(%error, doc_id = id, "cannot load the facts of an announced document"),
            }
        }
        StoreError::Disconnected("the notification connection closed".into())
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool.get().await.map_err(pool_err)
    }

    /// Runs `f` with a pooled connection.
    fn read<'a, T, F, Fut>(&'a self, f: F) -> StoreFuture<'a, T>
    where
        T: Send + 'a,
        F: FnOnce(deadpool_postgres::Object) -> Fut + Send + 'a,
        Fut: Future<Output = Result<T, StoreError>> + Send + 'a,
    {
        Box::pin(async move { f(self.client().await?).await })
    }
}

/// Returns an id unique to this process for a while: pid and start time.
fn instance_id() -> String {
    let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
    format!("{:x}-{:x}", std::process::id(), nanos)
}

/// Returns where a configuration points, without its password.
fn describe(config: &tokio_postgres::Config) -> String {
    let host = config.get_hosts().first().map_or_else(String::new, |h| match h {
        tokio_postgres::config::Host::Tcp(h) => h.clone(),
        tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
    });
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!("postgres://{}@{host}:{port}/{}", config.get_user().unwrap_or(""), config.get_dbname().unwrap_or(""))
}

/// Returns a URL with any password replaced, for error messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let user_info = &url[scheme + 3..at];
            let user = user_info.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

// ---------------------------------------------------------------- errors

/// Returns the store error of a failed statement: a lost or refused
/// connection, or a server shutting down, is `Disconnected`.
fn pg_err(e: tokio_postgres::Error) -> StoreError {
    if let Some(db) = e.as_db_error() {
        let code = db.code().code();
        // 08: connection exception; 57P0x: shutdown, crash, starting up; 53300: too many connections.
        if code.starts_with("08") || code.starts_with("57P") || code == "53300" {
            return StoreError::Disconnected(db.message().to_owned());
        }
        return StoreError::Backend(format!("{} ({code})", db.message()));
    }
    let io = std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>());
    if e.is_closed() || io || e.to_string().contains("connection") {
        StoreError::Disconnected(e.to_string())
    } else {
        StoreError::Backend(e.to_string())
    }
}

fn pool_err(e: PoolError) -> StoreError {
    match e {
        PoolError::Backend(e) => pg_err(e),
        PoolError::Timeout(_) => {
            StoreError::Disconnected(format!("no database connection within {} s", CONNECT_TIMEOUT.as_secs()))
        }
        other => StoreError::Disconnected(other.to_string()),
    }
}

fn corrupt(e: tokio_postgres::Error) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

// ---------------------------------------------------------------- schema

/// Applies the migrations this database lacks, in one transaction under an
/// advisory lock: a second server starting meanwhile waits, then finds them
/// applied.
async fn migrate(client: &mut ClientWrapper) -> Result<(), StoreError> {
    let tx = client.transaction().await.map_err(pg_err)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await.map_err(pg_err)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    BIGINT PRIMARY KEY,
             name       TEXT NOT NULL,
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         )",
    )
    .await
    .map_err(pg_err)?;
    let applied: Vec<i64> = tx
        .query("SELECT version FROM schema_migrations ORDER BY version", &[])
        .await
        .map_err(pg_err)?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    if let Some(&newest) = applied.last().filter(|v| **v > known) {
        return Err(StoreError::Corrupt(format!(
            "schema version {newest} is newer than this briefing understands ({known}); upgrade briefing"
        )));
    }
    for (version, name, sql) in MIGRATIONS {
        if applied.contains(version) {
            continue;
        }
        tx.batch_execute(sql).await.map_err(pg_err)?;
        tx.execute("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", &[version, name])
            .await
            .map_err(pg_err)?;
        info!(version, name, "applied a schema migration");
    }
    tx.commit().await.map_err(pg_err)
}

fn to_json<T: Serialize + ?Sized>(v: &T) -> String {
    // Plain data (strings, numbers, vectors) always serialises.
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

fn from_json<T: DeserializeOwned>(s: &str) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("bad JSON column: {e}")))
}

// ---------------------------------------------------------------- writing

type Tx<'a> = deadpool_postgres::Transaction<'a>;

/// Writes the documents, in order, in one transaction under the write lock.
/// Each document has its own savepoint, so one failing document does not
/// take the others down; a lost connection fails them all.
async fn write_batch(
    client: &mut ClientWrapper,
    docs: &[NewDocument],
    instance: &str,
) -> Result<Vec<Result<InsertOutcome, StoreError>>, StoreError> {
    let tx = client.transaction().await.map_err(pg_err)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK]).await.map_err(pg_err)?;
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let mut results = Vec::with_capacity(docs.len());
    for doc in docs {
        tx.batch_execute("SAVEPOINT doc").await.map_err(pg_err)?;
        match insert_one(&tx, doc, now, instance).await {
            Ok(outcome) => {
                tx.batch_execute("RELEASE SAVEPOINT doc").await.map_err(pg_err)?;
                results.push(Ok(outcome));
            }
            Err(e @ StoreError::Disconnected(_)) => return Err(e),
            Err(e) => {
                tx.batch_execute("ROLLBACK TO SAVEPOINT doc").await.map_err(pg_err)?;
                results.push(Err(e));
            }
        }
    }
    tx.commit().await.map_err(pg_err)?;
    Ok(results)
}

async fn insert_one(tx: &Tx<'_>, new: &NewDocument, now: i64, instance: &str) -> Result<InsertOutcome, StoreError> {
    let NewDocument { document: d, text_hash, facts } = new;
    let stmt = tx.prepare_cached("SELECT text_hash FROM documents WHERE id = $1").await.map_err(pg_err)?;
    if let Some(row) = tx.query_opt(&stmt, &[&d.id]).await.map_err(pg_err)? {
        let stored: String = row.try_get(0).map_err(corrupt)?;
        return Ok(if &stored == text_hash { InsertOutcome::Duplicate } else { InsertOutcome::Conflict });
    }
    let stmt = tx
        .prepare_cached(
            "INSERT INTO documents (id, url, source, title, published, language, text, text_hash, text_bytes,
                                    ingested_at, facts_published, diagnostics)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING seq",
        )
        .await
        .map_err(pg_err)?;
    let row = tx
        .query_one(
            &stmt,
            &[
                &d.id,
                &d.url,
                &d.source,
                &d.title,
                &d.published.map(|p| p.to_string()),
                &d.language,
                &d.text,
                text_hash,
                &(d.text.len() as i64),
                &now,
                &facts.published.map(|p| p.to_string()),
                &to_json(&facts.diagnostics),
            ],
        )
        .await
        .map_err(pg_err)?;
    let seq: i64 = row.try_get(0).map_err(corrupt)?;
    let mut pipeline = insert_facts(tx, &d.id, facts).await?;
    // Delivered to every listener when (and only if) the transaction commits.
    let announce: Vec<Param> = vec![Box::new(CHANNEL), Box::new(format!("{instance}:{}", d.id))];
    pipeline.add(tx, "SELECT pg_notify($1, $2)", announce).await?;
    pipeline.run(tx).await?;
    Ok(InsertOutcome::Created { seq: seq as u64 })
}

async fn insert_facts(tx: &Tx<'_>, doc_id: &str, x: &Extraction) -> Result<Pipeline, StoreError> {
    let mut p = Pipeline::default();
    let id = || -> Param { Box::new(doc_id.to_owned()) };
    for person in &x.persons {
        let aliases: Vec<String> = person.aliases.iter().map(|a| name_key(a)).collect();
        let sql = "WITH p AS (
                 INSERT INTO persons (doc_id, name, name_key, aliases, titles, organization, country, evidence)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id),
             a AS (INSERT INTO person_aliases (person_id, alias_key) SELECT p.id, k FROM p, unnest($9::text[]) AS k)
             INSERT INTO alias_names (alias_key, name_key) SELECT DISTINCT k, $3 FROM unnest($9::text[]) AS k
             ON CONFLICT DO NOTHING";
        p.add(tx, sql, vec![
            id(),
            Box::new(person.name.clone()),
            Box::new(name_key(&person.name)),
            Box::new(to_json(&person.aliases)),
            Box::new(to_json(&person.titles)),
            Box::new(person.organization.clone()),
            Box::new(person.country.as_deref().map(str::to_uppercase)),
            Box::new(to_json(&person.evidence)),
            Box::new(aliases),
        ])
        .await?;
    }
    for o in &x.organizations {
        let sql = "INSERT INTO organizations (doc_id, name, country, evidence) VALUES ($1, $2, $3, $4)";
        p.add(tx, sql, vec![id(), Box::new(o.name.clone()), Box::new(o.country.clone()), Box::new(to_json(&o.evidence))]).await?;
    }
    for c in &x.countries {
        let sql = "INSERT INTO countries (doc_id, code, name, evidence) VALUES ($1, $2, $3, $4)";
        p.add(tx, sql, vec![id(), Box::new(c.code.to_uppercase()), Box::new(c.name.clone()), Box::new(to_json(&c.evidence))]).await?;
    }
    for place in &x.places {
        let sql = "INSERT INTO places (doc_id, name, country, evidence) VALUES ($1, $2, $3, $4)";
        let params: Vec<Param> =
            vec![id(), Box::new(place.name.clone()), Box::new(place.country.clone()), Box::new(to_json(&place.evidence))];
        p.add(tx, sql, params).await?;
    }
    for e in &x.events {
        insert_event(tx, &mut p, doc_id, e, &x.persons).await?;
    }
    for q in &x.quotes {
        let sql = "INSERT INTO quotes (doc_id, text, speaker, speaker_key, evidence, words)
                   VALUES ($1, $2, $3, $4, $5, to_tsvector('simple', $2))";
        p.add(tx, sql, vec![
            id(),
            Box::new(q.text.clone()),
            Box::new(q.speaker.clone()),
            Box::new(q.speaker.as_deref().map(name_key)),
            Box::new(to_json(&q.evidence)),
        ])
        .await?;
    }
    for f in &x.figures {
        let codes = unique_upper(f.countries.iter().map(String::as_str));
        let sql = "WITH f AS (
                 INSERT INTO figures (doc_id, value, unit, metric, period, countries, evidence)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id)
             INSERT INTO figure_countries (figure_id, code) SELECT f.id, c FROM f, unnest($8::text[]) AS c";
        p.add(tx, sql, vec![
            id(),
            Box::new(f.value),
            Box::new(f.unit.clone()),
            Box::new(f.metric.clone()),
            Box::new(f.period.clone()),
            Box::new(to_json(&f.countries)),
            Box::new(to_json(&f.evidence)),
            Box::new(codes),
        ])
        .await?;
    }
    for t in &x.topics {
        let sql = "INSERT INTO topics (doc_id, name, score, evidence) VALUES ($1, $2, $3, $4)";
        let params: Vec<Param> = vec![id(), Box::new(t.name.clone()), Box::new(f64::from(t.score)), Box::new(to_json(&t.evidence))];
        p.add(tx, sql, params).await?;
    }
    Ok(p)
}

/// Queues an event with its filter rows, as the embedded store stores them:
/// each participant's key (and the keys of the name and aliases of the
/// person it names), and the states involved directly or through a participant.
async fn insert_event(tx: &Tx<'_>, p: &mut Pipeline, doc_id: &str, e: &Event, persons: &[Person]) -> Result<(), StoreError> {
    let bounds = e.date.as_ref().map(date_bounds);
    let mut keys = Vec::new();
    let mut codes: Vec<&str> = e.countries.iter().map(String::as_str).collect();
    for participant in &e.participants {
        let key = name_key(participant);
        let person = persons.iter().find(|p| name_key(&p.name) == key || p.aliases.iter().any(|a| name_key(a) == key));
        if let Some(person) = person {
            keys.push(name_key(&person.name));
            keys.extend(person.aliases.iter().map(|a| name_key(a)));
            codes.extend(person.country.as_deref());
        }
        keys.push(key);
    }
    keys.sort();
    keys.dedup();
    let codes = unique_upper(codes.into_iter());
    let sql = "WITH e AS (
             INSERT INTO events (doc_id, kind, date, date_start, date_end, place, place_key, participants, ordinal,
                                 countries, evidence)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id),
         k AS (INSERT INTO event_participants (event_id, name_key) SELECT e.id, k FROM e, unnest($12::text[]) AS k)
         INSERT INTO event_countries (event_id, code) SELECT e.id, c FROM e, unnest($13::text[]) AS c";
    p.add(tx, sql, vec![
        Box::new(doc_id.to_owned()),
        Box::new(e.kind.as_str()),
        Box::new(e.date.map(|d| d.to_string())),
        Box::new(bounds.as_ref().map(|b| b.0.clone())),
        Box::new(bounds.as_ref().map(|b| b.1.clone())),
        Box::new(e.place.clone()),
        Box::new(e.place.as_deref().map(name_key)),
        Box::new(to_json(&e.participants)),
        Box::new(e.ordinal.map(i64::from)),
        Box::new(to_json(&e.countries)),
        Box::new(to_json(&e.evidence)),
        Box::new(keys),
        Box::new(codes),
    ])
    .await
}

/// An owned statement parameter.
type Param = Box<dyn ToSql + Sync + Send>;

/// Statements sent together without waiting for each answer (one round trip
/// instead of one per fact). PostgreSQL runs them in the order sent, so fact
/// ids follow the order of the facts.
#[derive(Default)]
struct Pipeline {
    jobs: Vec<(tokio_postgres::Statement, Vec<Param>)>,
}

impl Pipeline {
    /// Prepares (once per connection) and queues a statement.
    async fn add(&mut self, tx: &Tx<'_>, sql: &str, params: Vec<Param>) -> Result<(), StoreError> {
        let stmt = tx.prepare_cached(sql).await.map_err(pg_err)?;
        self.jobs.push((stmt, params));
        Ok(())
    }

    /// Sends every queued statement, then waits for all the answers.
    async fn run(&self, tx: &Tx<'_>) -> Result<(), StoreError> {
        let mut pending: Vec<_> = self
            .jobs
            .iter()
            .map(|(stmt, params)| {
                let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync)).collect();
                futures_util::future::maybe_done(Box::pin(async move { tx.execute(stmt, &refs).await }))
            })
            .collect();
        // The first poll of each sends its statement: poll them once, in order.
        std::future::poll_fn(|cx| {
            for f in &mut pending {
                let _ = std::pin::Pin::new(f).poll(cx);
            }
            std::task::Poll::Ready(())
        })
        .await;
        for f in &mut pending {
            (&mut *f).await;
            if let Some(Err(e)) = std::pin::Pin::new(f).take_output() {
                return Err(pg_err(e));
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- reading

async fn query(c: &ClientWrapper, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>, StoreError> {
    let stmt = c.prepare_cached(sql).await.map_err(pg_err)?;
    c.query(&stmt, params).await.map_err(pg_err)
}

fn get<'a, T: FromSql<'a>>(r: &'a Row, col: &str) -> Result<T, StoreError> {
    r.try_get(col).map_err(corrupt)
}

fn json<T: DeserializeOwned>(r: &Row, col: &str) -> Result<T, StoreError> {
    from_json(get::<&str>(r, col)?)
}

fn parse_date(s: Option<String>) -> Result<Option<PartialDate>, StoreError> {
    s.map(|s| s.parse().map_err(|e| StoreError::Corrupt(format!("{e}")))).transpose()
}

fn read_document(r: &Row, with_text: bool) -> Result<StoredDocument, StoreError> {
    let published: Option<String> = get(r, "published")?;
    let ts: i64 = get(r, "ingested_at")?;
    Ok(StoredDocument {
        document: Document {
            id: get(r, "id")?,
            url: get(r, "url")?,
            source: get(r, "source")?,
            title: get(r, "title")?,
            published: published.and_then(|p| p.parse().ok()),
            language: get(r, "language")?,
            text: if with_text { get(r, "text")? } else { String::new() },
        },
        ingested_at: OffsetDateTime::from_unix_timestamp(ts).unwrap_or(OffsetDateTime::UNIX_EPOCH),
        seq: get::<i64>(r, "seq")? as u64,
        text_bytes: get::<i64>(r, "text_bytes")? as u64,
    })
}

fn read_person(r: &Row) -> Result<Person, StoreError> {
    Ok(Person {
        name: get(r, "name")?,
        aliases: json(r, "aliases")?,
        titles: json(r, "titles")?,
        organization: get(r, "organization")?,
        country: get(r, "country")?,
        evidence: json(r, "evidence")?,
    })
}

fn read_organization(r: &Row) -> Result<Organization, StoreError> {
    Ok(Organization { name: get(r, "name")?, country: get(r, "country")?, evidence: json(r, "evidence")? })
}

fn read_country(r: &Row) -> Result<Country, StoreError> {
    Ok(Country { code: get(r, "code")?, name: get(r, "name")?, evidence: json(r, "evidence")? })
}

fn read_place(r: &Row) -> Result<Place, StoreError> {
    Ok(Place { name: get(r, "name")?, country: get(r, "country")?, evidence: json(r, "evidence")? })
}

fn read_event(r: &Row) -> Result<Event, StoreError> {
    let kind: String = get(r, "kind")?;
    let date: Option<String> = get(r, "date")?;
    let ordinal: Option<i64> = get(r, "ordinal")?;
    Ok(Event {
        kind: EventKind::parse(&kind).unwrap_or(EventKind::Other),
        date: date.and_then(|d| d.parse().ok()),
        place: get(r, "place")?,
        participants: json(r, "participants")?,
        ordinal: ordinal.and_then(|o| u32::try_from(o).ok()),
        countries: json(r, "countries")?,
        evidence: json(r, "evidence")?,
    })
}

fn read_quote(r: &Row) -> Result<Quote, StoreError> {
    Ok(Quote { text: get(r, "text")?, speaker: get(r, "speaker")?, evidence: json(r, "evidence")? })
}

fn read_figure(r: &Row) -> Result<Figure, StoreError> {
    Ok(Figure {
        value: get(r, "value")?,
        unit: get(r, "unit")?,
        metric: get(r, "metric")?,
        period: get(r, "period")?,
        countries: json(r, "countries")?,
        evidence: json(r, "evidence")?,
    })
}

fn read_topic(r: &Row) -> Result<Topic, StoreError> {
    Ok(Topic { name: get(r, "name")?, score: get::<f64>(r, "score")? as f32, evidence: json(r, "evidence")? })
}

/// Returns the facts of one kind of a document, in stored order.
async fn facts_of<T>(
    c: &ClientWrapper,
    table: &str,
    id: &str,
    read: fn(&Row) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let rows = query(c, &format!("SELECT * FROM {table} WHERE doc_id = $1 ORDER BY id"), &[&id]).await?;
    rows.iter().map(read).collect()
}

async fn get_document(c: &ClientWrapper, id: &str) -> Result<Option<(StoredDocument, Extraction)>, StoreError> {
    let rows = query(
        c,
        "SELECT seq, id, url, source, title, published, language, text, text_bytes, ingested_at, facts_published,
                diagnostics
         FROM documents WHERE id = $1",
        &[&id],
    )
    .await?;
    let Some(row) = rows.first() else { return Ok(None) };
    let doc = read_document(row, true)?;
    let facts = Extraction {
        published: parse_date(get(row, "facts_published")?)?,
        persons: facts_of(c, "persons", id, read_person).await?,
        organizations: facts_of(c, "organizations", id, read_organization).await?,
        countries: facts_of(c, "countries", id, read_country).await?,
        places: facts_of(c, "places", id, read_place).await?,
        events: facts_of(c, "events", id, read_event).await?,
        quotes: facts_of(c, "quotes", id, read_quote).await?,
        figures: facts_of(c, "figures", id, read_figure).await?,
        topics: facts_of(c, "topics", id, read_topic).await?,
        diagnostics: json(row, "diagnostics")?,
    };
    Ok(Some((doc, facts)))
}

/// Reads `(id, doc_id, fact)` rows as page rows keyed by id.
fn doc_fact_rows<T>(rows: &[Row], read: fn(&Row) -> Result<T, StoreError>) -> Result<Vec<(String, DocFact<T>)>, StoreError> {
    rows.iter()
        .map(|r| {
            let id: i64 = get(r, "id")?;
            Ok((id.to_string(), DocFact { document_id: get(r, "doc_id")?, fact: read(r)? }))
        })
        .collect()
}

async fn list_documents(c: &ClientWrapper, f: &DocumentFilter, page: &PageRequest) -> Result<Page<StoredDocument>, StoreError> {
    // websearch_to_tsquery reads a quoted phrase as words that must follow one
    // another, and joins the phrases by AND; the words hold only letters and
    // digits, so nothing in them is taken as query syntax.
    let phrases = f.text.iter().map(|phrase| format!("\"{}\"", phrase.join(" "))).collect::<Vec<_>>();
    let text = (!phrases.is_empty()).then(|| phrases.join(" "));
    let rows = query(
        c,
        "SELECT seq, id, url, source, title, published, language, text_bytes, ingested_at
         FROM documents
         WHERE seq > $1
           AND ($2::text IS NULL OR source = $2)
           AND ($3::text IS NULL OR words @@ websearch_to_tsquery('simple', $3))
         ORDER BY seq LIMIT $4",
        &[&int_key(page)?, &f.source, &text, &limit(page)],
    )
    .await?;
    let rows = rows
        .iter()
        .map(|r| read_document(r, false).map(|d| (d.seq.to_string(), d)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(paginate(rows, page.size))
}

async fn list_persons(c: &ClientWrapper, f: &PersonFilter, page: &PageRequest) -> Result<Page<PersonProfile>, StoreError> {
    // Byte order ("C"), as the embedded store sorts, whatever the database's collation.
    let rows = query(
        c,
        r#"SELECT DISTINCT name_key COLLATE "C" AS name_key FROM persons
           WHERE name_key COLLATE "C" > $1
             AND ($2::text IS NULL OR country = $2)
             AND ($3::text IS NULL OR strpos(name_key, $3) > 0)
           ORDER BY 1 LIMIT $4"#,
        &[&page.after.as_deref().unwrap_or(""), &f.country, &f.name_contains, &limit(page)],
    )
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let key: String = get(row, "name_key")?;
        let mentions = person_mentions(c, &key).await?;
        let profile = profile_of(c, &key, &mentions).await?;
        out.push((key, profile));
    }
    Ok(paginate(out, page.size))
}

/// Returns the latest [`PROFILE_MENTIONS`] mentions of the person with this
/// name key, in commit order.
async fn person_mentions(c: &ClientWrapper, key: &str) -> Result<Vec<DocFact<Person>>, StoreError> {
    let limit = PROFILE_MENTIONS as i64;
    let rows = query(
        c,
        "SELECT * FROM (SELECT p.*, d.seq FROM persons p JOIN documents d ON d.id = p.doc_id
                        WHERE p.name_key = $1 ORDER BY d.seq DESC, p.id DESC LIMIT $2) latest
         ORDER BY seq, id",
        &[&key, &limit],
    )
    .await?;
    rows.iter().map(|r| Ok(DocFact { document_id: get(r, "doc_id")?, fact: read_person(r)? })).collect()
}

/// Merges the mentions of one person into a profile, as the embedded store does.
async fn profile_of(c: &ClientWrapper, key: &str, mentions: &[DocFact<Person>]) -> Result<PersonProfile, StoreError> {
    let mut profile = PersonProfile::merge(mentions);
    let rows = query(c, "SELECT count(*) FROM persons WHERE name_key = $1", &[&key]).await?;
    let documents: i64 = rows.first().map_or(Ok(0), |r| r.try_get(0).map_err(corrupt))?;
    profile.document_count = u32::try_from(documents).unwrap_or(u32::MAX);
    let rows = query(c, "SELECT count(*) FROM quotes WHERE speaker_key = $1", &[&key]).await?;
    let count: i64 = rows.first().map_or(Ok(0), |r| r.try_get(0).map_err(corrupt))?;
    profile.quote_count = u32::try_from(count).unwrap_or(u32::MAX);
    Ok(profile)
}

async fn get_person(c: &ClientWrapper, key: &str) -> Result<Option<PersonDetail>, StoreError> {
    let mut mentions = person_mentions(c, key).await?;
    let mut key = key.to_owned();
    if mentions.is_empty() {
        // Not a full name: try it as an alias ("Vassilenko").
        let rows = query(
            c,
            "SELECT p.name_key FROM person_aliases a JOIN persons p ON p.id = a.person_id
             WHERE a.alias_key = $1 ORDER BY p.id LIMIT 1",
            &[&key],
        )
        .await?;
        let Some(row) = rows.first() else { return Ok(None) };
        key = get(row, "name_key")?;
        mentions = person_mentions(c, &key).await?;
    }
    let profile = profile_of(c, &key, &mentions).await?;
    keep_latest(&mut mentions);
    let limit = PERSON_DETAIL_LIMIT as i64;
    let rows = query(
        c,
        "SELECT * FROM (SELECT * FROM quotes WHERE speaker_key = $1 ORDER BY id DESC LIMIT $2) q ORDER BY id",
        &[&key, &limit],
    )
    .await?;
    let quotes = doc_fact_rows(&rows, read_quote)?.into_iter().map(|(_, q)| q).collect();
    let rows = query(
        c,
        "SELECT * FROM (SELECT e.* FROM events e
                        WHERE e.id IN (SELECT event_id FROM event_participants WHERE name_key = $1)
                        ORDER BY e.id DESC LIMIT $2) e
         ORDER BY id",
        &[&key, &limit],
    )
    .await?;
    let events = doc_fact_rows(&rows, read_event)?.into_iter().map(|(_, e)| e).collect();
    Ok(Some(PersonDetail { profile, mentions, quotes, events }))
}

async fn list_events(c: &ClientWrapper, f: &EventFilter, page: &PageRequest) -> Result<Page<DocFact<Event>>, StoreError> {
    let since = f.since.as_ref().map(|d| date_bounds(d).0);
    let until = f.until.as_ref().map(|d| date_bounds(d).1);
    let rows = query(
        c,
        "SELECT e.* FROM events e
         WHERE e.id > $1
           AND ($2::text IS NULL OR e.kind = $2)
           AND ($3::text IS NULL OR e.place_key = $3)
           AND ($4::text IS NULL OR e.date_end >= $4)
           AND ($5::text IS NULL OR e.date_start <= $5)
           AND ($6::text IS NULL OR e.id IN (SELECT event_id FROM event_participants WHERE name_key = $6))
           AND ($7::text IS NULL OR e.id IN (SELECT event_id FROM event_countries WHERE code = $7))
           AND ($9::text IS NULL OR e.id IN (SELECT event_id FROM event_countries WHERE code = $9))
         ORDER BY e.id LIMIT $8",
        &[
            &int_key(page)?,
            &f.kind.map(EventKind::as_str),
            &f.place,
            &since,
            &until,
            &f.participant,
            &f.country,
            &limit(page),
            &f.other_country,
        ],
    )
    .await?;
    Ok(paginate(doc_fact_rows(&rows, read_event)?, page.size))
}

async fn list_quotes(c: &ClientWrapper, f: &QuoteFilter, page: &PageRequest) -> Result<Page<DocFact<Quote>>, StoreError> {
    // plainto_tsquery reads the words as plain text joined by AND: no word is
    // taken as query syntax.
    let words = (!f.words.is_empty()).then(|| f.words.join(" "));
    let rows = query(
        c,
        "SELECT q.* FROM quotes q
         WHERE q.id > $1
           AND ($2::text IS NULL OR q.speaker_key = $2 OR q.speaker_key IN (
                    SELECT name_key FROM alias_names WHERE alias_key = $2))
           AND ($3::text IS NULL OR q.words @@ plainto_tsquery('simple', $3))
         ORDER BY q.id LIMIT $4",
        &[&int_key(page)?, &f.speaker, &words, &limit(page)],
    )
    .await?;
    Ok(paginate(doc_fact_rows(&rows, read_quote)?, page.size))
}

async fn list_figures(c: &ClientWrapper, f: &FigureFilter, page: &PageRequest) -> Result<Page<DocFact<Figure>>, StoreError> {
    let rows = query(
        c,
        "SELECT f.* FROM figures f
         WHERE f.id > $1
           AND ($2::text IS NULL OR f.metric = $2)
           AND ($3::text IS NULL OR f.period = $3)
           AND ($4::text IS NULL OR f.id IN (SELECT figure_id FROM figure_countries WHERE code = $4))
         ORDER BY f.id LIMIT $5",
        &[&int_key(page)?, &f.metric, &f.period, &f.country, &limit(page)],
    )
    .await?;
    Ok(paginate(doc_fact_rows(&rows, read_figure)?, page.size))
}

impl Store for PgStore {
    fn insert_batch(&self, docs: Vec<NewDocument>) -> StoreFuture<'_, Vec<Result<InsertOutcome, StoreError>>> {
        Box::pin(async move {
            if docs.is_empty() {
                return Ok(Vec::new());
            }
            let written = match self.client().await {
                Ok(mut client) => write_batch(&mut client, &docs, &self.instance).await,
                Err(e) => Err(e),
            };
            // A failure of the whole batch is each document's answer, so its
            // message reaches every caller as the store said it.
            Ok(written.unwrap_or_else(|e| docs.iter().map(|_| Err(e.clone())).collect()))
        })
    }

    fn text_hash(&self, id: String) -> StoreFuture<'_, Option<String>> {
        self.read(move |c| async move {
            let rows = query(&c, "SELECT text_hash FROM documents WHERE id = $1", &[&id]).await?;
            rows.first().map(|r| get(r, "text_hash")).transpose()
        })
    }

    fn visit_ids(&self, mut visit: Box<dyn FnMut(&str) + Send>) -> StoreFuture<'_, u64> {
        self.read(move |c| async move {
            let rows = query(&c, "SELECT id FROM documents", &[]).await?;
            for row in &rows {
                visit(row.try_get::<_, &str>(0).map_err(corrupt)?);
            }
            Ok(rows.len() as u64)
        })
    }

    fn get_document(&self, id: String) -> StoreFuture<'_, Option<(StoredDocument, Extraction)>> {
        self.read(move |c| async move { get_document(&c, &id).await })
    }

    fn stats(&self) -> StoreFuture<'_, StoreStats> {
        self.read(|c| async move {
            let sql = "SELECT (SELECT count(*) FROM documents) AS documents, pg_database_size(current_database()) AS bytes";
            let rows = query(&c, sql, &[]).await?;
            let row = rows.first().ok_or_else(|| StoreError::Backend("the size query returned no row".into()))?;
            let unsigned = |n: i64| u64::try_from(n).unwrap_or(0);
            Ok(StoreStats { documents: unsigned(get(row, "documents")?), bytes: unsigned(get(row, "bytes")?) })
        })
    }

    fn list_documents(&self, filter: DocumentFilter, page: PageRequest) -> StoreFuture<'_, Page<StoredDocument>> {
        self.read(move |c| async move { list_documents(&c, &filter, &page).await })
    }

    fn list_persons(&self, filter: PersonFilter, page: PageRequest) -> StoreFuture<'_, Page<PersonProfile>> {
        self.read(move |c| async move { list_persons(&c, &filter, &page).await })
    }

    fn get_person(&self, name_key: String) -> StoreFuture<'_, Option<PersonDetail>> {
        self.read(move |c| async move { get_person(&c, &name_key).await })
    }

    fn list_events(&self, filter: EventFilter, page: PageRequest) -> StoreFuture<'_, Page<DocFact<Event>>> {
        self.read(move |c| async move { list_events(&c, &filter, &page).await })
    }

    fn list_quotes(&self, filter: QuoteFilter, page: PageRequest) -> StoreFuture<'_, Page<DocFact<Quote>>> {
        self.read(move |c| async move { list_quotes(&c, &filter, &page).await })
    }

    fn list_figures(&self, filter: FigureFilter, page: PageRequest) -> StoreFuture<'_, Page<DocFact<Figure>>> {
        self.read(move |c| async move { list_figures(&c, &filter, &page).await })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Returns a store in a schema of its own in the test database, or `None`
    /// (saying so) when `BRIEFING_TEST_DATABASE_URL` is not set.
    async fn fresh_store(name: &str) -> Option<(PgStore, tokio_postgres::Config)> {
        let Ok(url) = std::env::var("BRIEFING_TEST_DATABASE_URL") else {
            eprintln!(
                "skipped {name}: set BRIEFING_TEST_DATABASE_URL to a PostgreSQL database \
                 (`scripts/pg-test-cluster.sh start` prints one)"
            );
            return None;
        };
        let schema = format!("{name}_{}", instance_id().replace('-', "_"));
        let (client, connection) = tokio_postgres::connect(&url, NoTls).await.expect("test database reachable");
        tokio::spawn(connection);
        client.batch_execute(&format!("CREATE SCHEMA {schema}")).await.expect("schema created");
        let mut config: tokio_postgres::Config = url.parse().expect("test URL parses");
        config.options(format!("-c search_path={schema}")).application_name(&schema);
        let store = PgStore::with_config(config.clone(), 4).await.expect("store opens");
        Some((store, config))
    }

    #[tokio::test]
    async fn passes_the_store_suite() {
        let Some((store, _)) = fresh_store("suite").await else { return };
        crate::store::suite::run_all(&store).await;
    }

    #[tokio::test]
    async fn migrations_run_once_when_servers_start_together() {
        let Some((store, config)) = fresh_store("migrate").await else { return };
        let again = futures_util::future::join_all((0..3).map(|_| PgStore::with_config(config.clone(), 2))).await;
        assert!(again.iter().all(Result::is_ok), "{:?}", again.iter().find_map(|r| r.as_ref().err()));
        let c = store.client().await.unwrap();
        let sql = "SELECT version FROM schema_migrations ORDER BY version";
        let versions: Vec<i64> = c.query(sql, &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
        assert_eq!(versions, MIGRATIONS.iter().map(|m| m.0).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn a_lost_connection_is_unavailable_then_recovers() {
        let Some((store, config)) = fresh_store("reconnect").await else { return };
        crate::store::suite::insert_sample(&store, "before").await;
        // Cut every connection of this store, as a database restart does.
        let app = config.get_application_name().unwrap_or_default().to_owned();
        let (admin, connection) = config.connect(NoTls).await.unwrap();
        tokio::spawn(connection);
        admin
            .execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()",
                &[&app],
            )
            .await
            .unwrap();
        // The pool notices closed connections and opens new ones.
        let mut found = None;
        for _ in 0..20 {
            match store.get_document("before".into()).await {
                Ok(doc) => {
                    found = doc;
                    break;
                }
                Err(e) => assert_eq!(e.code(), crate::error::ErrorCode::Unavailable, "{e}"),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(found.is_some());
    }

    #[tokio::test]
    async fn an_unreachable_database_is_unavailable() {
        // Nothing listens on port 1.
        let Err(err) = PgStore::connect("postgres://briefing@127.0.0.1:1/briefing", 2).await else {
            panic!("no database listens there")
        };
        assert!(err.to_string().contains("127.0.0.1:1"), "{err}");
        let config: tokio_postgres::Config = "postgres://briefing@127.0.0.1:1/briefing".parse().unwrap();
        let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager).runtime(Runtime::Tokio1).create_timeout(Some(CONNECT_TIMEOUT)).build().unwrap();
        let Err(err) = pool.get().await.map_err(pool_err) else { panic!("no database listens there") };
        assert_eq!(err.code(), crate::error::ErrorCode::Unavailable, "{err}");
    }

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(redact("postgres://me:secret@db:5432/b"), "postgres://me:***@db:5432/b");
        assert_eq!(redact("postgres://db/b"), "postgres://db/b");
    }

    #[test]
    fn the_document_search_reads_as_many_characters_as_the_contract_says() {
        let (_, _, sql) = MIGRATIONS.iter().find(|m| m.0 == 2).unwrap();
        assert!(sql.contains(&format!("left(text, {})", crate::store::TEXT_SEARCH_CHARS)), "{sql}");
    }
}
