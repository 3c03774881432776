//! The server as operators run it, through the real binary as a process:
//! bearer tokens, TLS, the limit on open streams, the metrics endpoint, the
//! configuration file, log formats, and the CLI's help, completions and
//! script-friendly output.

#[path = "support/process.rs"]
mod process;

use std::path::Path;
use std::time::{Duration, Instant};

use briefing::pb;
use briefing::pb::extract_service_client::ExtractServiceClient;
use briefing::pb::ingest_service_client::IngestServiceClient;
use briefing::pb::query_service_client::QueryServiceClient;
use process::{ServerProcess, free_port, run};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tonic::transport::{Certificate, Channel, ClientTlsConfig};
use tonic::{Code, Request, Status};

fn seed_path() -> String {
    format!("{}/seeds", env!("CARGO_MANIFEST_DIR"))
}

fn seed_text() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds/kz-ro-consultations-2025-03-19.txt");
    briefing::docfile::read_path(&path).expect("seed reads").remove(0).text
}

fn doc(id: &str, text: &str) -> pb::DocumentInput {
    pb::DocumentInput { id: id.into(), text: text.into(), ..Default::default() }
}

async fn connect(url: &str) -> Channel {
    Channel::from_shared(url.to_owned()).expect("url").connect().await.expect("connect")
}

/// An interceptor that sends `token` as a bearer token (nothing for `None`).
fn bearer(token: Option<&str>) -> impl FnMut(Request<()>) -> Result<Request<()>, Status> + Clone {
    let value = token.map(|t| format!("Bearer {t}").parse::<tonic::metadata::MetadataValue<_>>().expect("ascii token"));
    move |mut request: Request<()>| {
        if let Some(v) = &value {
            request.metadata_mut().insert("authorization", v.clone());
        }
        Ok(request)
    }
}

/// Streams `docs` on one `IngestDocuments` call and returns the statuses.
async fn stream_ingest<T>(client: &mut IngestServiceClient<T>, docs: Vec<pb::DocumentInput>) -> Result<Vec<pb::IngestStatus>, Status>
where
    T: tonic::client::GrpcService<tonic::body::Body>,
    T::Error: Into<tonic::codegen::StdError>,
    T::ResponseBody: tonic::codegen::Body<Data = tonic::codegen::Bytes> + Send + 'static,
    <T::ResponseBody as tonic::codegen::Body>::Error: Into<tonic::codegen::StdError> + Send,
{
    let requests = docs.into_iter().map(|d| pb::IngestDocumentsRequest { document: Some(d) });
    let mut acks = client.ingest_documents(tokio_stream::iter(requests)).await?.into_inner();
    let mut statuses = Vec::new();
    while let Some(ack) = acks.message().await? {
        let result = ack.result.expect("an ack carries a result");
        statuses.push(pb::IngestStatus::try_from(result.status).expect("a known status"));
    }
    Ok(statuses)
}

async fn health(channel: Channel) -> Result<i32, Status> {
    let mut client = tonic_health::pb::health_client::HealthClient::new(channel);
    let answer = client.check(tonic_health::pb::HealthCheckRequest { service: String::new() }).await?;
    Ok(answer.into_inner().status)
}

/// Retries `f` until it returns `Some` (at most 10 s).
async fn eventually<T, F: std::future::Future<Output = Option<T>>>(what: &str, mut f: impl FnMut() -> F) -> T {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn tokens_keep_ingest_and_queries_apart() {
    let envs = [("BRIEFING_INGEST_TOKEN", "ingest-secret"), ("BRIEFING_QUERY_TOKEN", "query-secret")];
    let server = ServerProcess::spawn(&[], &envs, |_| vec![]).ready().await;
    let channel = connect(&server.url()).await;
    use Code::{PermissionDenied, Unauthenticated};
    let table = [
        ("no token", None, Some(Unauthenticated), Some(Unauthenticated)),
        ("unknown token", Some("guess"), Some(Unauthenticated), Some(Unauthenticated)),
        ("query token", Some("query-secret"), Some(PermissionDenied), None),
        ("ingest token", Some("ingest-secret"), None, None),
    ];
    for (i, (case, token, ingest_code, query_code)) in table.into_iter().enumerate() {
        let mut ingest = IngestServiceClient::with_interceptor(channel.clone(), bearer(token));
        let unary = ingest
            .ingest_document(pb::IngestDocumentRequest { document: Some(doc(&format!("unary-{i}"), &seed_text())) })
            .await;
        assert_eq!(unary.err().map(|s| s.code()), ingest_code, "{case}: IngestDocument");
        let streamed = stream_ingest(&mut ingest, vec![doc(&format!("stream-{i}"), &seed_text())]).await;
        assert_eq!(streamed.as_ref().err().map(Status::code), ingest_code, "{case}: IngestDocuments");
        if let Ok(statuses) = streamed {
            assert_eq!(statuses, [pb::IngestStatus::Created], "{case}");
        }

        let mut query = QueryServiceClient::with_interceptor(channel.clone(), bearer(token));
        let persons = query.list_persons(pb::ListPersonsRequest::default()).await;
        assert_eq!(persons.err().map(|s| s.code()), query_code, "{case}: ListPersons");
        let watch = query.watch_facts(pb::WatchFactsRequest::default()).await;
        assert_eq!(watch.err().map(|s| s.code()), query_code, "{case}: WatchFacts");
        let mut extract = ExtractServiceClient::with_interceptor(channel.clone(), bearer(token));
        let extracted = extract.extract(pb::ExtractRequest { text: seed_text(), ..Default::default() }).await;
        assert_eq!(extracted.err().map(|s| s.code()), query_code, "{case}: Extract");
    }

    // Health and reflection stay open.
    assert_eq!(health(channel.clone()).await.expect("health answers without a token"), 1, "SERVING");
    let mut reflection = tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient::new(channel.clone());
    let list = tonic_reflection::pb::v1::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(tonic_reflection::pb::v1::server_reflection_request::MessageRequest::ListServices(String::new())),
    };
    let mut answers = reflection.server_reflection_info(tokio_stream::iter([list])).await.expect("reflection is open").into_inner();
    let answer = answers.message().await.expect("reflection answers").expect("one answer");
    assert!(format!("{answer:?}").contains("briefing.v1.QueryService"));

    // The CLI sends its token.
    let out = run(&["ingest", &seed_path(), "--server", &server.url(), "--json"], &[("BRIEFING_TOKEN", "ingest-secret")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("--json prints JSON");
    assert_eq!(summary["created"], 1, "{summary}");
    let out = run(&["ingest", &seed_path(), "--server", &server.url(), "--token", "query-secret"], &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("may query but not ingest"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!server.log().contains("secret"), "tokens are never logged:\n{}", server.log());
}

#[tokio::test]
async fn tls_with_a_self_signed_certificate() {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("certificate");
    let cert_pem = certified.cert.pem();
    let key_pem = certified.signing_key.serialize_pem();
    let server = ServerProcess::spawn(&[], &[], |dir| {
        std::fs::write(dir.join("cert.pem"), &cert_pem).unwrap();
        std::fs::write(dir.join("key.pem"), &key_pem).unwrap();
        let path = |name: &str| dir.join(name).display().to_string();
        vec!["--tls-cert".into(), path("cert.pem"), "--tls-key".into(), path("key.pem")]
    })
    .ready()
    .await;

    let tls = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(&cert_pem)).domain_name("localhost");
    let channel = Channel::from_shared(format!("https://127.0.0.1:{}", server.port))
        .unwrap()
        .tls_config(tls)
        .unwrap()
        .connect()
        .await
        .expect("a TLS connection trusting the certificate");
    assert_eq!(health(channel.clone()).await.expect("health over TLS"), 1);
    let statuses = stream_ingest(&mut IngestServiceClient::new(channel.clone()), vec![doc("seed", &seed_text())]).await.unwrap();
    assert_eq!(statuses, [pb::IngestStatus::Created]);

    // Plain text gets nowhere.
    let plain = Channel::from_shared(server.url()).unwrap().connect().await;
    if let Ok(plain) = plain {
        assert!(health(plain).await.is_err(), "a plain-text call must fail on a TLS server");
    }

    // The CLI trusts the certificate it is given.
    let ca = server.dir.path().join("cert.pem").display().to_string();
    let url = format!("https://localhost:{}", server.port);
    let out = run(&["query", "persons", "--server", &url, "--ca-cert", &ca, "--json"], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Roman Vassilenko"));
    let out = run(&["query", "persons", "--server", &url], &[]);
    assert!(!out.status.success(), "an untrusted certificate is refused");
}

#[tokio::test]
async fn streams_past_the_limit_are_refused() {
    const LIMIT: usize = 64;
    let server = ServerProcess::spawn(&["--max-streams", &LIMIT.to_string()], &[], |_| vec![]).ready().await;
    let channel = connect(&server.url()).await;

    // As many ingest streams as allowed, all at once, each storing its documents.
    let text = seed_text();
    let streams = (0..LIMIT).map(|i| {
        let mut client = IngestServiceClient::new(channel.clone());
        let docs = vec![doc(&format!("s{i}-a"), &text), doc(&format!("s{i}-b"), &format!("{text}\nStream {i}."))];
        async move { stream_ingest(&mut client, docs).await }
    });
    for (i, statuses) in futures_util::future::join_all(streams).await.into_iter().enumerate() {
        let statuses = statuses.unwrap_or_else(|s| panic!("stream {i}: {s:?}"));
        assert_eq!(statuses, [pb::IngestStatus::Created, pb::IngestStatus::Created], "stream {i}");
    }

    // Hold the limit with watchers: the next stream of either kind is refused.
    let mut query = QueryServiceClient::new(channel.clone());
    let mut held = Vec::new();
    for _ in 0..LIMIT {
        held.push(query.watch_facts(pb::WatchFactsRequest::default()).await.expect("a watcher within the limit").into_inner());
    }
    let refused = query.watch_facts(pb::WatchFactsRequest::default()).await.expect_err("one stream too many");
    assert_eq!(refused.code(), Code::ResourceExhausted);
    assert!(refused.message().contains(&format!("allows {LIMIT}")), "{}", refused.message());
    let refused = stream_ingest(&mut IngestServiceClient::new(channel.clone()), vec![doc("late", &text)]).await.expect_err("refused");
    assert_eq!(refused.code(), Code::ResourceExhausted);
    // Unary calls are not streams and still work.
    assert!(query.list_persons(pb::ListPersonsRequest::default()).await.is_ok());

    // A closed watcher frees its slot.
    held.pop();
    let ingest = IngestServiceClient::new(channel.clone());
    let statuses = eventually("a freed stream slot", || {
        let mut client = ingest.clone();
        async move { stream_ingest(&mut client, vec![doc("late", &seed_text())]).await.ok() }
    })
    .await;
    assert_eq!(statuses, [pb::IngestStatus::Created]);
}

/// Fetches `http://127.0.0.1:PORT/metrics` and returns the body.
async fn scrape(port: u16) -> Option<String> {
    let mut conn = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok()?;
    conn.write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await.ok()?;
    let mut response = String::new();
    conn.read_to_string(&mut response).await.ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.to_ascii_lowercase().contains("content-type: application/openmetrics-text"), "{head}");
    Some(body.to_owned())
}

/// Returns the value of the sample named exactly `name` (with its labels).
fn sample(body: &str, name: &str) -> f64 {
    body.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("no sample {name} in\n{body}"))
        .parse()
        .expect("a number")
}

#[tokio::test]
async fn metrics_count_what_was_ingested() {
    let metrics_port = free_port();
    let listen = format!("127.0.0.1:{metrics_port}");
    let server = ServerProcess::spawn(&["--metrics-listen", &listen], &[], |_| vec![]).ready().await;
    let channel = connect(&server.url()).await;
    let docs = vec![doc("seed", &seed_text()), doc("seed", &seed_text()), doc("blank", "   ")];
    let statuses = stream_ingest(&mut IngestServiceClient::new(channel), docs).await.unwrap();
    assert_eq!(statuses, [pb::IngestStatus::Created, pb::IngestStatus::Duplicate, pb::IngestStatus::Rejected]);

    let body = eventually("a scrape with the stream closed", || async {
        let body = scrape(metrics_port).await?;
        (sample(&body, "briefing_open_streams{rpc=\"ingest\"}") == 0.0).then_some(body)
    })
    .await;
    assert_eq!(sample(&body, "briefing_documents_ingested_total{status=\"created\"}"), 1.0);
    assert_eq!(sample(&body, "briefing_documents_ingested_total{status=\"duplicate\"}"), 1.0);
    assert_eq!(sample(&body, "briefing_documents_ingested_total{status=\"rejected\"}"), 1.0);
    assert!(sample(&body, "briefing_facts_extracted_total{kind=\"person\"}") >= 2.0, "the seed names two officials");
    assert!(sample(&body, "briefing_facts_extracted_total{kind=\"event\"}") >= 1.0);
    // Documents of one stream are read concurrently: the duplicate may have
    // been read before the first was stored.
    assert!((1.0..=2.0).contains(&sample(&body, "briefing_extraction_seconds_count")));
    assert!(sample(&body, "briefing_store_commit_seconds_count") >= 1.0);
    assert_eq!(sample(&body, "briefing_store_documents"), 1.0);
    assert!(sample(&body, "briefing_store_bytes") > 0.0);

    // The CLI's summary table, and nothing at all with --quiet.
    let out = run(&["ingest", &seed_path(), "--server", &server.url()], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.lines().any(|l| l.split_whitespace().eq(["created", "1"])), "{table}");
    let out = run(&["ingest", &seed_path(), "--server", &server.url(), "--quiet"], &[]);
    assert!(out.status.success() && out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stdout));
}

#[tokio::test]
async fn the_config_file_fills_in_what_flags_and_variables_leave() {
    let metrics_port = free_port();
    let file = format!("max-streams = 1\nmetrics-listen = \"127.0.0.1:{metrics_port}\"\nstream-concurrency = 2\n");
    let with_file = |contents: String| {
        move |dir: &Path| {
            std::fs::write(dir.join("briefing.toml"), contents).unwrap();
            vec!["--config".to_owned(), dir.join("briefing.toml").display().to_string()]
        }
    };
    // The variable wins over the file's max-streams; the file's metrics port applies.
    let server = ServerProcess::spawn(&[], &[("BRIEFING_MAX_STREAMS", "2")], with_file(file)).ready().await;
    let body = eventually("the metrics port from the file", || scrape(metrics_port)).await;
    assert!(body.contains("briefing_documents_ingested_total"));
    let mut query = QueryServiceClient::new(connect(&server.url()).await);
    let _a = query.watch_facts(pb::WatchFactsRequest::default()).await.expect("first of two");
    let _b = query.watch_facts(pb::WatchFactsRequest::default()).await.expect("second of two");
    let third = query.watch_facts(pb::WatchFactsRequest::default()).await.expect_err("the limit is 2");
    assert_eq!(third.code(), Code::ResourceExhausted);

    // A misspelt key stops the server with a message naming it.
    let mut bad = ServerProcess::spawn(&[], &[], with_file("lisen = \"127.0.0.1:1\"\n".into()));
    assert!(!bad.exit().success());
    let log = bad.log();
    assert!(log.contains("unknown setting `lisen`") && log.contains("briefing.toml") && log.contains("listen"), "{log}");
}

#[tokio::test]
async fn json_logs_name_documents_and_never_hold_their_text() {
    let server = ServerProcess::spawn(&["--log-format", "json"], &[], |_| vec![]).ready().await;
    let marker = "Zebulon-Quartz-Marker";
    let text = format!("{}\n{marker} appears only in this text.", seed_text());
    let docs = vec![doc("kept-doc", &text), doc("refused-doc", &format!("{marker}\u{0}"))];
    let statuses = stream_ingest(&mut IngestServiceClient::new(connect(&server.url()).await), docs).await.unwrap();
    assert_eq!(statuses, [pb::IngestStatus::Created, pb::IngestStatus::Rejected]);
    let log = eventually("the rejection logged", || {
        let log = server.log();
        async move { log.contains("refused-doc").then_some(log) }
    })
    .await;
    for line in log.lines().filter(|l| !l.trim().is_empty()) {
        let value: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(value.get("level").is_some() && value.get("fields").is_some(), "{line}");
    }
    assert!(!log.contains(marker), "document text reached the log:\n{log}");
}

#[tokio::test]
async fn sigterm_finishes_the_documents_in_flight_and_exits_cleanly() {
    let mut server = ServerProcess::spawn(&[], &[], |_| vec![]).ready().await;
    let mut client = IngestServiceClient::new(connect(&server.url()).await);
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    let mut acks = client.ingest_documents(tokio_stream::wrappers::ReceiverStream::new(rx)).await.expect("stream").into_inner();
    let text = seed_text();
    let send = |i: usize| pb::IngestDocumentsRequest { document: Some(doc(&format!("term-{i}"), &format!("{text}\nNote {i}."))) };
    for i in 0..10 {
        tx.send(send(i)).await.unwrap();
    }
    for _ in 0..10 {
        let ack = acks.message().await.expect("an ack").expect("not the end").result.unwrap();
        assert_eq!(ack.status(), pb::IngestStatus::Created);
    }
    // More documents on their way, then the signal.
    for i in 10..40 {
        tx.send(send(i)).await.unwrap();
    }
    server.terminate();
    let mut after = 0;
    // Whatever the server read before stopping is acknowledged as stored.
    while let Ok(Some(ack)) = acks.message().await {
        assert_eq!(ack.result.unwrap().status(), pb::IngestStatus::Created);
        after += 1;
    }
    assert!(after <= 30);
    let status = server.exit();
    assert!(status.success(), "exit status {status:?}\n{}", server.log());
    assert!(server.log().contains("stopped"), "{}", server.log());
}

#[test]
fn serve_help_documents_every_setting_and_its_default() {
    let out = run(&["serve", "--help"], &[]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "--listen",
        "[default: 127.0.0.1:50051]",
        "[env: BRIEFING_LISTEN=]",
        "--max-streams",
        "[default: 256]",
        "--ingest-token",
        "--query-token",
        "--tls-cert",
        "--tls-key",
        "--metrics-listen",
        "--config",
        "--log-format",
        "[default: text]",
    ] {
        assert!(help.contains(needle), "`serve --help` lacks {needle}:\n{help}");
    }
}

#[test]
fn completions_for_each_shell() {
    for (shell, marker) in [("bash", "_briefing()"), ("zsh", "#compdef briefing"), ("fish", "complete -c briefing")] {
        let out = run(&["completions", shell], &[]);
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(script.contains(marker) && script.contains("serve"), "{shell} script:\n{script}");
    }
    let out = run(&["completions", "tcsh"], &[]);
    assert!(!out.status.success());
}

#[test]
fn an_absent_server_is_named_plainly() {
    let out = run(&["ingest", &seed_path(), "--quiet", "--server", &format!("http://127.0.0.1:{}", free_port())], &[]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot reach briefing at") && stderr.contains("is `briefing serve` running?"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn events_take_one_state_or_a_pair() {
    let absent = format!("http://127.0.0.1:{}", free_port());
    let out = run(&["query", "events", "--country", "KZ", "--country", "RO", "--country", "FR", "--server", &absent], &[]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--country was given 3 times; give one state, or two for a pair"), "{stderr}");
    let out = run(&["query", "events", "--country", "KZ", "--country", "RO", "--server", &absent], &[]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot reach briefing at"), "a pair is accepted");
}
