//! Pagination, page tokens and argument checking of the query service.

use briefing::pb;
use tonic::Code;

use crate::support::{TestServer, ingest_stream, text_input};

async fn with_documents(n: usize) -> TestServer {
    let server = TestServer::start().await;
    let mut client = server.ingest().await;
    let inputs = (0..n).map(|i| text_input(&format!("doc-{i:02}"), &format!("Release number {i}."))).collect();
    ingest_stream(&mut client, inputs).await;
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_walk_every_document_once_in_order() {
    let server = with_documents(23).await;
    let mut q = server.query().await;
    let mut ids = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let r = q
            .list_documents(pb::ListDocumentsRequest { page_size: 5, page_token: token, ..Default::default() })
            .await
            .unwrap()
            .into_inner();
        assert!(r.documents.len() <= 5);
        assert!(r.documents.iter().all(|d| d.text.is_empty() && d.text_bytes > 0), "listings omit the text");
        ids.extend(r.documents.into_iter().map(|d| d.id));
        pages += 1;
        if r.next_page_token.is_empty() {
            break;
        }
        token = r.next_page_token;
    }
    assert_eq!(pages, 5);
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 23);
    let default = q.list_documents(pb::ListDocumentsRequest::default()).await.unwrap().into_inner();
    assert_eq!(default.documents.len(), 23, "the default page holds 50");
    assert!(default.next_page_token.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_arguments_are_invalid_with_a_clear_message() {
    let server = with_documents(3).await;
    let mut q = server.query().await;
    let first = q.list_documents(pb::ListDocumentsRequest { page_size: 1, ..Default::default() }).await.unwrap().into_inner();
    assert!(!first.next_page_token.is_empty());

    let cases: Vec<(tonic::Status, &str)> = vec![
        (
            q.list_documents(pb::ListDocumentsRequest { page_token: "not-a-token".into(), ..Default::default() }).await.unwrap_err(),
            "page_token",
        ),
        (q.list_documents(pb::ListDocumentsRequest { page_size: -1, ..Default::default() }).await.unwrap_err(), "negative"),
        (
            q.list_documents(pb::ListDocumentsRequest { page_token: first.next_page_token.clone(), source: "other".into(), ..Default::default() })
                .await
                .unwrap_err(),
            "other filters",
        ),
        (
            q.list_figures(pb::ListFiguresRequest { page_token: first.next_page_token.clone(), ..Default::default() }).await.unwrap_err(),
            "documents listing",
        ),
        (
            q.list_events(pb::ListEventsRequest { start_date: "2025-02".into(), end_date: "2025-01-31".into(), ..Default::default() })
                .await
                .unwrap_err(),
            "after end date",
        ),
        (q.list_events(pb::ListEventsRequest { start_date: "yesterday".into(), ..Default::default() }).await.unwrap_err(), "start date"),
        (q.list_events(pb::ListEventsRequest { r#type: 42, ..Default::default() }).await.unwrap_err(), "not an EventType"),
        (q.list_persons(pb::ListPersonsRequest { country_code: "Kazakhstan".into(), ..Default::default() }).await.unwrap_err(), "ISO 3166"),
        (q.list_quotes(pb::ListQuotesRequest { words: "?!".into(), ..Default::default() }).await.unwrap_err(), "words"),
        (q.get_person(pb::GetPersonRequest { name: " ".into() }).await.unwrap_err(), "name is empty"),
    ];
    for (status, want) in cases {
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        assert!(status.message().contains(want), "{:?} should mention {want:?}", status.message());
    }
    let missing = q.get_person(pb::GetPersonRequest { name: "Nobody Atall".into() }).await.unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
}
