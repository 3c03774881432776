//! Flow control against the real binary: a client that keeps sending but
//! never reads its acknowledgements is held back by HTTP/2 flow control, the
//! server's memory stays bounded while it waits, and another client's stream
//! gets all its acknowledgements meanwhile.

#[path = "process/server.rs"]
#[allow(dead_code)] // each test binary uses part of it
mod server;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use briefing::pb;
use briefing::pb::IngestStatus;
use briefing::pb::ingest_service_client::IngestServiceClient;
use tokio_stream::StreamExt as _;

use server::ServerProcess;

/// Documents the slow client offers: 10,000 × 64 KB, 640 MB in all, more
/// than the memory bound below.
const OFFERED: usize = 10_000;
const TEXT_BYTES: usize = 64 * 1024;
/// Generous, so a busy machine cannot make it fail; buffering what the
/// slow client offers would pass it.
const RSS_BOUND_KIB: u64 = 500 * 1024;
const GUARD: Duration = Duration::from_secs(120);

fn request(id: String, text: String) -> pb::IngestDocumentsRequest {
    pb::IngestDocumentsRequest { document: Some(pb::DocumentInput { id, text, ..Default::default() }) }
}

/// Waits until `offered` has not moved for two seconds (the sender is held
/// back), sampling the server's memory meanwhile; returns the count and the
/// highest RSS seen.
async fn wait_until_held(offered: &AtomicUsize, server: &ServerProcess) -> (usize, u64) {
    let (mut last, mut still, mut peak) = (usize::MAX, 0, 0);
    let deadline = tokio::time::Instant::now() + GUARD;
    while still < 8 {
        assert!(tokio::time::Instant::now() < deadline, "the slow client was never held back");
        tokio::time::sleep(Duration::from_millis(250)).await;
        peak = peak.max(server.rss_kib());
        let now = offered.load(Ordering::SeqCst);
        still = if now == last { still + 1 } else { 0 };
        last = now;
    }
    (last, peak)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_its_acks_is_held_back_and_others_go_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(&dir.path().join("data"), &dir.path().join("server.log")).await;
    let text = "The foreign ministers discussed trade, transit and energy in Astana. ".repeat(TEXT_BYTES / 69);

    // The slow client resends one stored document, so each costs the server
    // a hash and a look-up, not an extraction: the test measures buffering,
    // not CPU. Its receive window is the HTTP/2 default (64 KiB, about a
    // thousand acknowledgements); larger windows only move the point where
    // the server stops reading.
    let mut first = server.ingest().await;
    let stored = first.ingest_document(pb::IngestDocumentRequest { document: request("slow".into(), text.clone()).document }).await;
    assert_eq!(stored.unwrap().into_inner().result.unwrap().status, i32::from(IngestStatus::Created));
    let endpoint = tonic::transport::Channel::from_shared(server.url().to_owned()).unwrap();
    let channel = endpoint.initial_stream_window_size(65_535).initial_connection_window_size(65_535).connect().await.unwrap();
    let mut slow = IngestServiceClient::new(channel).max_encoding_message_size(briefing::config::DEFAULT_MAX_MESSAGE_BYTES);
    let offered = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&offered);
    let requests = tokio_stream::iter(0..OFFERED).map(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
        request("slow".into(), text.clone())
    });
    let rss_start = server.rss_kib();
    let mut unread = slow.ingest_documents(requests).await.expect("stream opens").into_inner();

    let (held_at, mut peak) = wait_until_held(&offered, &server).await;
    assert!(held_at < OFFERED / 2, "the server took {held_at} of {OFFERED} documents without their acks being read");

    // Another client, on its own connection, is answered in full meanwhile.
    let mut other = server.ingest().await;
    let docs = (0..100).map(|i| request(format!("other-{i}"), format!("Release {i}: the ministers met in Bucharest.")));
    let mut acks = other.ingest_documents(tokio_stream::iter(docs)).await.expect("stream opens").into_inner();
    let mut answered = 0;
    while let Some(ack) = tokio::time::timeout(GUARD, acks.message()).await.expect("no hang").expect("ack") {
        let result = ack.result.expect("result");
        assert_eq!((result.index, result.status), (answered, i32::from(IngestStatus::Created)));
        answered += 1;
        peak = peak.max(server.rss_kib());
    }
    assert_eq!(answered, 100);
    let still_held = offered.load(Ordering::SeqCst);
    eprintln!(
        "slow client held after {held_at} of {OFFERED} documents ({still_held} after the other stream); \
         server RSS {} MiB at start, peak {} MiB",
        rss_start / 1024,
        peak / 1024
    );
    assert!(still_held < OFFERED / 2, "the slow client was let through: {still_held}");
    assert!(peak < RSS_BOUND_KIB, "server RSS reached {} MiB", peak / 1024);

    // Reading resumes the slow stream where it stood.
    for index in 0..100 {
        let ack = tokio::time::timeout(GUARD, unread.message()).await.expect("no hang").expect("ack").expect("open");
        let result = ack.result.expect("result");
        assert_eq!((result.index, result.status), (index, i32::from(IngestStatus::Duplicate)));
    }
}
