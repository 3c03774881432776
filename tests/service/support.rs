//! Test support: a real server on a free port with a temporary store, the
//! generated clients connected to it, and the shared release files.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use briefing::app::App;
use briefing::config::ServeConfig;
use briefing::domain::Document;
use briefing::ingest::Limits;
use briefing::pb;
use briefing::pb::ingest_service_client::IngestServiceClient;
use briefing::pb::query_service_client::QueryServiceClient;
use briefing::service::{ServeOptions, serve};
use briefing::store::sqlite::SqliteStore;
use briefing::store::{
    DocFact, DocumentFilter, EventFilter, FigureFilter, InsertOutcome, NewDocument, Page, PageRequest, PersonDetail,
    PersonFilter, PersonProfile, QuoteFilter, Store, StoreError, StoreFuture, StoreStats, StoredDocument,
};
use briefing::domain::{Event, Extraction, Figure, Quote};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tonic::transport::Channel;

/// A running server; dropping it shuts the server down and removes the store.
pub struct TestServer {
    pub addr: SocketAddr,
    _dir: tempfile::TempDir,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), briefing::service::ServeError>>,
}

impl TestServer {
    /// Starts a server with default limits.
    pub async fn start() -> Self {
        Self::with_limits(briefing::config::DEFAULT_MAX_TEXT_BYTES).await
    }

    /// Starts a server accepting texts up to `max_text_bytes`.
    pub async fn with_limits(max_text_bytes: usize) -> Self {
        Self::build(max_text_bytes, None).await
    }

    /// Starts a server whose store takes `delay` for every insert.
    pub async fn with_slow_store(delay: Duration) -> Self {
        Self::build(briefing::config::DEFAULT_MAX_TEXT_BYTES, Some(delay)).await
    }

    async fn build(max_text_bytes: usize, delay: Option<Duration>) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = ServeConfig::for_data_dir(dir.path().to_owned());
        let sqlite = SqliteStore::open(&config.data_dir, config.readers).expect("store opens");
        let store: Arc<dyn Store> = match delay {
            Some(delay) => Arc::new(SlowStore { inner: sqlite, delay }),
            None => Arc::new(sqlite),
        };
        let app = App::with_store(store, Limits { max_text_bytes });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let options = ServeOptions { max_message_bytes: config.max_message_bytes, stream_concurrency: config.stream_concurrency, ..ServeOptions::default() };
        let task = tokio::spawn(serve(app, listener, options, async move {
            let _ = stopped.await;
        }));
        Self { addr, _dir: dir, stop, task }
    }

    /// Signals shutdown as SIGTERM would and waits (at most 10 s) for the
    /// server to finish.
    pub async fn shut_down(self) -> Result<(), briefing::service::ServeError> {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("the server stops within 10 s")
            .expect("the server task does not panic")
    }

    pub async fn channel(&self) -> Channel {
        let url = format!("http://{}", self.addr);
        Channel::from_shared(url).expect("url").tcp_nodelay(true).connect().await.expect("connect")
    }

    pub async fn ingest(&self) -> IngestServiceClient<Channel> {
        IngestServiceClient::new(self.channel().await).max_encoding_message_size(briefing::config::DEFAULT_MAX_MESSAGE_BYTES)
    }

    pub async fn query(&self) -> QueryServiceClient<Channel> {
        QueryServiceClient::new(self.channel().await)
    }
}

/// The shared folder beside the repository (read-only in CI).
pub fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared")
}

/// Returns the seed release.
pub fn seed() -> Document {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds/kz-ro-consultations-2025-03-19.txt");
    briefing::docfile::read_path(&path).expect("seed reads").remove(0)
}

/// Returns a few development releases from `../shared/eval/dev`.
pub fn dev_docs(names: &[&str]) -> Vec<Document> {
    names
        .iter()
        .map(|n| briefing::docfile::read_path(&shared().join("eval/dev").join(n)).expect("dev file reads").remove(0))
        .collect()
}

/// Returns the wire form of a document.
pub fn input(doc: &Document) -> pb::DocumentInput {
    pb::DocumentInput {
        id: doc.id.clone(),
        url: doc.url.clone().unwrap_or_default(),
        source: doc.source.clone().unwrap_or_default(),
        title: doc.title.clone().unwrap_or_default(),
        published_date: doc.published.map(|p| p.to_string()).unwrap_or_default(),
        language: doc.language.clone().unwrap_or_default(),
        text: doc.text.clone(),
    }
}

/// Returns a minimal document input.
pub fn text_input(id: &str, text: &str) -> pb::DocumentInput {
    pb::DocumentInput { id: id.into(), text: text.into(), ..Default::default() }
}

/// Sends `inputs` on one ingest stream and returns every acknowledgement.
pub async fn ingest_stream(client: &mut IngestServiceClient<Channel>, inputs: Vec<pb::DocumentInput>) -> Vec<pb::IngestResult> {
    let requests = inputs.into_iter().map(|d| pb::IngestDocumentsRequest { document: Some(d) });
    let mut acks = client.ingest_documents(tokio_stream::iter(requests)).await.expect("stream opens").into_inner();
    let mut out = Vec::new();
    while let Some(ack) = acks.message().await.expect("ack arrives") {
        out.push(ack.result.expect("ack has a result"));
    }
    out
}

pub fn status_of(r: &pb::IngestResult) -> pb::IngestStatus {
    pb::IngestStatus::try_from(r.status).expect("known status")
}

/// A store that takes a fixed time for every insert, to make the server the
/// slow side of an ingest stream.
struct SlowStore {
    inner: SqliteStore,
    delay: Duration,
}

impl Store for SlowStore {
    fn insert_batch(&self, docs: Vec<NewDocument>) -> StoreFuture<'_, Vec<Result<InsertOutcome, StoreError>>> {
        Box::pin(async move {
            tokio::time::sleep(self.delay * docs.len() as u32).await;
            self.inner.insert_batch(docs).await
        })
    }
    fn text_hash(&self, id: String) -> StoreFuture<'_, Option<String>> {
        self.inner.text_hash(id)
    }
    fn visit_ids(&self, visit: Box<dyn FnMut(&str) + Send>) -> StoreFuture<'_, u64> {
        self.inner.visit_ids(visit)
    }
    fn get_document(&self, id: String) -> StoreFuture<'_, Option<(StoredDocument, Extraction)>> {
        self.inner.get_document(id)
    }
    fn list_documents(&self, f: DocumentFilter, p: PageRequest) -> StoreFuture<'_, Page<StoredDocument>> {
        self.inner.list_documents(f, p)
    }
    fn list_persons(&self, f: PersonFilter, p: PageRequest) -> StoreFuture<'_, Page<PersonProfile>> {
        self.inner.list_persons(f, p)
    }
    fn get_person(&self, key: String) -> StoreFuture<'_, Option<PersonDetail>> {
        self.inner.get_person(key)
    }
    fn list_events(&self, f: EventFilter, p: PageRequest) -> StoreFuture<'_, Page<DocFact<Event>>> {
        self.inner.list_events(f, p)
    }
    fn list_quotes(&self, f: QuoteFilter, p: PageRequest) -> StoreFuture<'_, Page<DocFact<Quote>>> {
        self.inner.list_quotes(f, p)
    }
    fn list_figures(&self, f: FigureFilter, p: PageRequest) -> StoreFuture<'_, Page<DocFact<Figure>>> {
        self.inner.list_figures(f, p)
    }
    fn stats(&self) -> StoreFuture<'_, StoreStats> {
        self.inner.stats()
    }
}
