//! PostgreSQL end to end: two real `briefing serve` processes on one fresh
//! database of the test cluster named by `BRIEFING_TEST_DATABASE_URL`
//! (`scripts/pg-test-cluster.sh start` prints one). Skipped, with a note,
//! when it is not set. The database restart step runs the command in
//! `BRIEFING_TEST_DATABASE_RESTART` (the CI sets `scripts/pg-test-cluster.sh restart 2`).
//!
//! One test runs the steps in order, because restarting the database would
//! disturb any test running beside it:
//! - ingest through A, query and watch through B (and the other way round);
//! - the same document sent to A and B at the same moment is stored once;
//! - the database restarts during an ingest stream: every document ends up
//!   stored exactly once, after retrying those refused as unavailable.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use briefing::pb;
use briefing::pb::extract_service_client::ExtractServiceClient;
use briefing::pb::ingest_service_client::IngestServiceClient;
use briefing::pb::query_service_client::QueryServiceClient;
use briefing::pb::watch_facts_response::Event;
use tonic::transport::Channel;

/// A `briefing serve` process; killed when dropped.
struct Server {
    child: Child,
    addr: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts the server binary on a free port against `url` and waits until it answers.
    async fn start(url: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
        let log = dir.path().join("server.log");
        let child = Command::new(env!("CARGO_BIN_EXE_briefing"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--store", url])
            .arg("--data-dir")
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("the briefing binary starts");
        let server = Self { child, addr: format!("http://127.0.0.1:{port}"), log, _dir: dir };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Channel::from_shared(server.addr.clone()).unwrap().connect().await.is_err() {
            assert!(Instant::now() < deadline, "server did not start:\n{}", server.log());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        server
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    async fn channel(&self) -> Channel {
        Channel::from_shared(self.addr.clone()).unwrap().tcp_nodelay(true).connect().await.expect("connect")
    }

    async fn ingest(&self) -> IngestServiceClient<Channel> {
        IngestServiceClient::new(self.channel().await).max_encoding_message_size(16 << 20)
    }

    async fn query(&self) -> QueryServiceClient<Channel> {
        QueryServiceClient::new(self.channel().await).max_decoding_message_size(16 << 20)
    }
}

/// Creates a fresh database in the test cluster and returns its URL.
async fn fresh_database(url: &str) -> String {
    let admin = connect(url).await;
    let name = format!("briefing_it_{}", std::process::id());
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).await.expect("old database dropped");
    admin.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("database created");
    let base = url.rsplit_once('/').expect("URL names a database").0;
    format!("{base}/{name}")
}

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.expect("database reachable");
    tokio::spawn(connection);
    client
}

fn doc(id: &str, text: &str) -> pb::DocumentInput {
    pb::DocumentInput { id: id.into(), text: text.into(), ..Default::default() }
}

/// Returns the seed release as a wire document.
fn seed() -> pb::DocumentInput {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds/kz-ro-consultations-2025-03-19.txt");
    let d = briefing::docfile::read_path(&path).expect("seed reads").remove(0);
    pb::DocumentInput {
        id: d.id,
        published_date: d.published.map(|p| p.to_string()).unwrap_or_default(),
        title: d.title.unwrap_or_default(),
        text: d.text,
        ..Default::default()
    }
}

/// Returns `n` releases of the shared corpus under fresh ids `prefix-i`.
fn corpus(prefix: &str, n: usize) -> Vec<pb::DocumentInput> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/us-gov-releases.jsonl");
    let text = std::fs::read_to_string(&path).expect("the shared corpus is beside the repository");
    text.lines()
        .take(n)
        .enumerate()
        .map(|(i, line)| {
            let v: serde_json::Value = serde_json::from_str(line).expect("corpus line is JSON");
            let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
            pb::DocumentInput { id: format!("{prefix}-{i}"), title: s("title"), published_date: s("published"), text: s("text"), ..Default::default() }
        })
        .collect()
}

async fn ingest_stream(client: &mut IngestServiceClient<Channel>, docs: Vec<pb::DocumentInput>, pause: Duration) -> Vec<pb::IngestResult> {
    let requests = async_stream(docs, pause);
    let mut acks = client.ingest_documents(requests).await.expect("stream opens").into_inner();
    let mut out = Vec::new();
    while let Some(ack) = acks.message().await.expect("ack arrives") {
        out.push(ack.result.expect("ack has a result"));
    }
    out
}

/// Returns the documents as requests, one every `pause`.
fn async_stream(docs: Vec<pb::DocumentInput>, pause: Duration) -> impl tokio_stream::Stream<Item = pb::IngestDocumentsRequest> {
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    tokio::spawn(async move {
        for d in docs {
            if tx.send(pb::IngestDocumentsRequest { document: Some(d) }).await.is_err() {
                return;
            }
            tokio::time::sleep(pause).await;
        }
    });
    tokio_stream::wrappers::ReceiverStream::new(rx)
}

fn status(r: &pb::IngestResult) -> pb::IngestStatus {
    pb::IngestStatus::try_from(r.status).expect("known status")
}

async fn next_id(watch: &mut tonic::Streaming<pb::WatchFactsResponse>) -> String {
    let msg = tokio::time::timeout(Duration::from_secs(15), watch.message()).await.expect("a watch message in time");
    match msg.expect("no error").expect("the stream goes on").event {
        Some(Event::Facts(f)) => f.document_id,
        other => panic!("unexpected watch message {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_share_one_database() {
    let Ok(url) = std::env::var("BRIEFING_TEST_DATABASE_URL") else {
        eprintln!("skipped: set BRIEFING_TEST_DATABASE_URL (`scripts/pg-test-cluster.sh start` prints one)");
        return;
    };
    let db_url = fresh_database(&url).await;
    // Both start at once: the migration lock lets one create the schema.
    let (a, b) = tokio::join!(Server::start(&db_url), Server::start(&db_url));
    ingest_on_one_query_and_watch_on_the_other(&a, &b).await;
    the_same_document_on_both_is_stored_once(&a, &b).await;
    match std::env::var("BRIEFING_TEST_DATABASE_RESTART") {
        Ok(restart) => a_database_restart_loses_and_doubles_nothing(&a, &b, &db_url, &restart).await,
        Err(_) => eprintln!("skipped the restart step: set BRIEFING_TEST_DATABASE_RESTART to a command that restarts the database"),
    }
}

async fn ingest_on_one_query_and_watch_on_the_other(a: &Server, b: &Server) {
    let mut watch_b = b.query().await.watch_facts(pb::WatchFactsRequest::default()).await.unwrap().into_inner();
    let mut watch_a = a.query().await.watch_facts(pb::WatchFactsRequest::default()).await.unwrap().into_inner();
    let seed = seed();
    let acks = ingest_stream(&mut a.ingest().await, vec![seed.clone()], Duration::ZERO).await;
    assert_eq!(status(&acks[0]), pb::IngestStatus::Created, "{acks:?}");

    assert_eq!(next_id(&mut watch_b).await, seed.id, "B's watcher sees A's document");
    assert_eq!(next_id(&mut watch_a).await, seed.id, "A's watcher sees it once");
    let mut qb = b.query().await;
    let got = qb.get_document(pb::GetDocumentRequest { id: seed.id.clone() }).await.unwrap().into_inner();
    assert!(got.facts.unwrap().persons.iter().any(|p| p.name == "Roman Vassilenko"));
    let kz = qb.list_persons(pb::ListPersonsRequest { country_code: "KZ".into(), ..Default::default() }).await.unwrap().into_inner();
    assert!(kz.persons.iter().any(|p| p.name == "Roman Vassilenko"));
    let quotes = qb.list_quotes(pb::ListQuotesRequest { words: "strategic partnership".into(), ..Default::default() }).await;
    assert!(quotes.is_ok());

    // The other way round; each watcher gets each document exactly once.
    ingest_stream(&mut b.ingest().await, vec![doc("from-b", "Stored through the second server.")], Duration::ZERO).await;
    assert_eq!(next_id(&mut watch_a).await, "from-b");
    assert_eq!(next_id(&mut watch_b).await, "from-b");
    ingest_stream(&mut a.ingest().await, vec![doc("from-a", "Stored through the first server.")], Duration::ZERO).await;
    assert_eq!(next_id(&mut watch_a).await, "from-a");
    assert_eq!(next_id(&mut watch_b).await, "from-a");
}

async fn the_same_document_on_both_is_stored_once(a: &Server, b: &Server) {
    let (mut ia, mut ib) = (a.ingest().await, b.ingest().await);
    for (i, d) in corpus("dup", 5).into_iter().enumerate() {
        let req = || tonic::Request::new(pb::IngestDocumentRequest { document: Some(d.clone()) });
        let (ra, rb) = tokio::join!(ia.ingest_document(req()), ib.ingest_document(req()));
        let mut statuses = [status(&ra.unwrap().into_inner().result.unwrap()), status(&rb.unwrap().into_inner().result.unwrap())];
        statuses.sort_by_key(|s| *s as i32);
        assert_eq!(statuses, [pb::IngestStatus::Created, pb::IngestStatus::Duplicate], "document {i}");
    }
}

async fn a_database_restart_loses_and_doubles_nothing(a: &Server, b: &Server, db_url: &str, restart: &str) {
    const N: usize = 40;
    let docs = corpus("restart", N);
    // The stream runs for about 4 s; the database is down for about 2 s of it.
    let mut ia = a.ingest().await;
    let stream = tokio::spawn({
        let docs = docs.clone();
        async move { ingest_stream(&mut ia, docs, Duration::from_millis(100)).await }
    });
    // Meanwhile unary calls to B, which must be refused as UNAVAILABLE while the database is away.
    let mut ib = b.ingest().await;
    let unary = tokio::spawn(async move {
        let mut codes = Vec::new();
        for i in 0..50 {
            let d = doc(&format!("unary-{i}"), &format!("A short note number {i} about nothing."));
            let r = ib.ingest_document(pb::IngestDocumentRequest { document: Some(d) }).await;
            codes.push(r.err().map(|s| (s.code(), s.message().to_owned())));
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        codes
    });
    tokio::time::sleep(Duration::from_millis(800)).await;
    let restart = restart.to_owned();
    let out = tokio::task::spawn_blocking(move || Command::new("sh").arg("-c").arg(&restart).output()).await.unwrap().unwrap();
    assert!(out.status.success(), "restart failed: {}", String::from_utf8_lossy(&out.stderr));

    let acks = stream.await.unwrap();
    assert_eq!(acks.len(), N, "one acknowledgement per document");
    let mut retry = Vec::new();
    for (ack, d) in acks.iter().zip(&docs) {
        match status(ack) {
            pb::IngestStatus::Created | pb::IngestStatus::Duplicate => {}
            _ => {
                assert!(ack.reason.contains("unavailable"), "rejected for another reason: {}", ack.reason);
                assert_eq!(ack.rejection_code(), pb::RejectionCode::Unavailable, "{}", ack.reason);
                retry.push(d.clone());
            }
        }
    }
    let codes = unary.await.unwrap();
    let refused: Vec<_> = codes.iter().flatten().collect();
    assert!(refused.iter().all(|(code, _)| *code == tonic::Code::Unavailable), "{refused:?}");
    assert!(!refused.is_empty(), "the restart was noticed by B");
    assert!(refused[0].1.contains("database is unavailable"), "{}", refused[0].1);
    eprintln!("{} of {N} stream documents refused during the restart, retried", retry.len());

    let mut ia = a.ingest().await;
    for d in retry {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match ia.ingest_document(pb::IngestDocumentRequest { document: Some(d.clone()) }).await {
                Ok(_) => break,
                Err(s) if s.code() == tonic::Code::Unavailable && Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(s) => panic!("retry of {} failed: {s:?}", d.id),
            }
        }
    }
    let row = connect(db_url)
        .await
        .query_one("SELECT count(*), count(DISTINCT id) FROM documents WHERE id LIKE 'restart-%'", &[])
        .await
        .expect("count documents");
    let (count, distinct): (i64, i64) = (row.get(0), row.get(1));
    assert_eq!((count, distinct), (N as i64, N as i64), "every document stored once");
    // Facts are not doubled either: each document holds what extraction reads.
    let mut extract = ExtractServiceClient::new(a.channel().await).max_encoding_message_size(16 << 20);
    let mut qb = b.query().await;
    for d in docs.iter().take(10) {
        let stored = qb.get_document(pb::GetDocumentRequest { id: d.id.clone() }).await.unwrap().into_inner().facts.unwrap();
        let req = pb::ExtractRequest { text: d.text.clone(), published_date: d.published_date.clone(), title: d.title.clone() };
        let read = extract.extract(req).await.unwrap().into_inner().facts.unwrap();
        assert_eq!((stored.persons.len(), stored.quotes.len(), stored.events.len()), (read.persons.len(), read.quotes.len(), read.events.len()), "{}", d.id);
    }

    // Watching across servers resumes once the notification connection is back.
    let mut watch_b = b.query().await.watch_facts(pb::WatchFactsRequest::default()).await.unwrap().into_inner();
    let deadline = Instant::now() + Duration::from_secs(20);
    for i in 0.. {
        let id = format!("after-restart-{i}");
        ia.ingest_document(pb::IngestDocumentRequest { document: Some(doc(&id, &format!("Note {i} after the restart."))) }).await.unwrap();
        match tokio::time::timeout(Duration::from_secs(1), watch_b.message()).await {
            Ok(msg) => {
                assert!(matches!(msg.unwrap().unwrap().event, Some(Event::Facts(_))));
                break;
            }
            Err(_) => assert!(Instant::now() < deadline, "B's watchers stay deaf after the restart:\n{}", b.log()),
        }
    }
}
