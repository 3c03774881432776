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
    PersonFilter, PersonProfile, QuoteFilter, Store, StoreError, StoreFuture, StoredDocument,
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
}

// ------------------------------------------------------------- raw wire

/// Path of the ingest stream, for clients that bypass the generated one.
const INGEST_STREAM_PATH: &str = "/briefing.v1.IngestService/IngestDocuments";

/// Returns a protobuf length-delimited field (wire type 2) holding `bytes`.
pub fn len_field(number: u8, bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![number << 3 | 2];
    let mut n = bytes.len();
    while n >= 0x80 {
        out.push(n as u8 | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
    out.extend_from_slice(bytes);
    out
}

/// A codec that sends request messages as the given bytes, unchecked, and
/// reads the answers as `D`.
struct RawRequests<D>(std::marker::PhantomData<D>);

struct RawEncoder;

impl tonic::codec::Encoder for RawEncoder {
    type Item = Vec<u8>;
    type Error = tonic::Status;

    fn encode(&mut self, item: Vec<u8>, dst: &mut tonic::codec::EncodeBuf<'_>) -> Result<(), tonic::Status> {
        prost::bytes::BufMut::put_slice(dst, &item);
        Ok(())
    }
}

impl<D: prost::Message + Default + Send + 'static> tonic::codec::Codec for RawRequests<D> {
    type Encode = Vec<u8>;
    type Decode = D;
    type Encoder = RawEncoder;
    type Decoder = tonic_prost::ProstDecoder<D>;

    fn encoder(&mut self) -> RawEncoder {
        RawEncoder
    }

    fn decoder(&mut self) -> Self::Decoder {
        tonic_prost::ProstDecoder::default()
    }
}

async fn raw_client(server: &TestServer) -> tonic::client::Grpc<Channel> {
    let mut grpc = tonic::client::Grpc::new(server.channel().await);
    grpc.ready().await.expect("channel ready");
    grpc
}

/// Sends already-encoded `IngestDocumentsRequest` messages on one ingest
/// stream; returns the acknowledgements received and the status that ended
/// the stream (`Ok` for a clean end).
pub async fn ingest_raw(server: &TestServer, messages: Vec<Vec<u8>>) -> (Vec<pb::IngestResult>, tonic::Status) {
    let path = tonic::codegen::http::uri::PathAndQuery::from_static(INGEST_STREAM_PATH);
    let request = tonic::Request::new(tokio_stream::iter(messages));
    let codec = RawRequests::<pb::IngestDocumentsResponse>(std::marker::PhantomData);
    let mut acks = raw_client(server).await.streaming(request, path, codec).await.expect("stream opens").into_inner();
    let mut out = Vec::new();
    loop {
        match acks.message().await {
            Ok(Some(ack)) => out.push(ack.result.expect("ack has a result")),
            Ok(None) => return (out, tonic::Status::ok("")),
            Err(status) => return (out, status),
        }
    }
}

/// Sends an already-encoded `IngestDocumentRequest` to the unary ingest.
pub async fn ingest_raw_unary(server: &TestServer, message: Vec<u8>) -> Result<pb::IngestDocumentResponse, tonic::Status> {
    let path = tonic::codegen::http::uri::PathAndQuery::from_static("/briefing.v1.IngestService/IngestDocument");
    let codec = RawRequests::<pb::IngestDocumentResponse>(std::marker::PhantomData);
    raw_client(server).await.unary(tonic::Request::new(message), path, codec).await.map(tonic::Response::into_inner)
}

/// How a client that sent part of a gRPC message leaves.
#[derive(Debug, Clone, Copy)]
pub enum Leaving {
    /// Closes the connection without a word.
    DropConnection,
    /// Resets the HTTP/2 stream.
    ResetStream,
    /// Ends the request stream as if the message were complete.
    EndStream,
}

/// Opens an ingest stream over plain HTTP/2, sends a gRPC frame header that
/// announces `announced` bytes followed by `sent` (fewer), then leaves as
/// `leaving` says. Returns the `grpc-status` the server answered, if the
/// client stayed to hear it.
pub async fn send_partial_message(addr: SocketAddr, announced: u32, sent: &[u8], leaving: Leaving) -> Option<String> {
    use tonic::codegen::http;
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (client, connection) = h2::client::handshake(tcp).await.expect("HTTP/2 handshake");
    let connection = tokio::spawn(connection);
    let mut client = client.ready().await.expect("HTTP/2 ready");
    let request = http::Request::post(format!("http://{addr}{INGEST_STREAM_PATH}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(())
        .expect("request");
    let (response, mut body) = client.send_request(request, false).expect("stream opens");
    let response = response.await.expect("response headers");
    let mut frame = vec![0];
    frame.extend_from_slice(&announced.to_be_bytes());
    frame.extend_from_slice(sent);
    body.send_data(frame.into(), false).expect("data sent");
    match leaving {
        Leaving::DropConnection => {
            // Give the connection task a moment to put the bytes on the wire.
            tokio::time::sleep(Duration::from_millis(200)).await;
            connection.abort();
            None
        }
        Leaving::ResetStream => {
            tokio::time::sleep(Duration::from_millis(200)).await;
            body.send_reset(h2::Reason::CANCEL);
            tokio::time::sleep(Duration::from_millis(200)).await;
            connection.abort();
            None
        }
        Leaving::EndStream => {
            body.send_data(prost::bytes::Bytes::new(), true).expect("end of stream sent");
            let status = |h: &http::HeaderMap| h.get("grpc-status").and_then(|v| v.to_str().ok()).map(str::to_owned);
            let (head, mut answer) = response.into_parts();
            if let Some(s) = status(&head.headers) {
                return Some(s);
            }
            while let Some(chunk) = answer.data().await {
                let chunk = chunk.expect("answer data");
                let _ = answer.flow_control().release_capacity(chunk.len());
            }
            let trailers = answer.trailers().await.expect("answer trailers").unwrap_or_default();
            connection.abort();
            status(&trailers)
        }
    }
}
