//! `WatchFacts`: subscribers see documents ingested after they subscribed.

use std::time::Duration;

use briefing::pb;
use briefing::pb::watch_facts_response::Event;

use crate::support::{TestServer, ingest_stream, input, seed, text_input};

async fn next(s: &mut tonic::Streaming<pb::WatchFactsResponse>) -> pb::WatchFactsResponse {
    let msg = tokio::time::timeout(Duration::from_secs(10), s.message()).await.expect("a message in time");
    msg.expect("no error").expect("the stream goes on")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_receives_the_facts_of_a_document_ingested_after_it_subscribed() {
    let server = TestServer::start().await;
    let mut ingest = server.ingest().await;
    ingest_stream(&mut ingest, vec![text_input("before", "Ingested before anyone watched.")]).await;

    let mut q = server.query().await;
    let mut all = q.watch_facts(pb::WatchFactsRequest::default()).await.unwrap().into_inner();
    let mut kz = q.watch_facts(pb::WatchFactsRequest { country_code: "KZ".into(), ..Default::default() }).await.unwrap().into_inner();
    // The subscription is live once the response headers are back.
    ingest_stream(&mut ingest, vec![text_input("plain", "Nothing about any state."), input(&seed())]).await;

    let ids: Vec<String> = [next(&mut all).await, next(&mut all).await]
        .into_iter()
        .map(|m| match m.event {
            Some(Event::Facts(f)) => f.document_id,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(ids, vec!["plain".to_string(), seed().id], "documents before the subscription are not sent");

    match next(&mut kz).await.event {
        Some(Event::Facts(f)) => {
            assert_eq!(f.document_id, seed().id, "the filter skips documents without KZ");
            assert!(f.persons.iter().any(|p| p.name == "Roman Vassilenko"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_watch_filters_are_refused() {
    let server = TestServer::start().await;
    let mut q = server.query().await;
    let err = q.watch_facts(pb::WatchFactsRequest { event_type: 99, ..Default::default() }).await.unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
}
