//! Pagination, page tokens and argument checking of the query service.

use briefing::pb;
use tonic::Code;

use crate::support::{TestServer, ingest_stream, input, seed, text_input};

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
        (q.list_documents(pb::ListDocumentsRequest { text: "\"--\"".into(), ..Default::default() }).await.unwrap_err(), "text holds no"),
        (q.get_person(pb::GetPersonRequest { name: " ".into() }).await.unwrap_err(), "name is empty"),
    ];
    for (status, want) in cases {
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        assert!(status.message().contains(want), "{:?} should mention {want:?}", status.message());
    }
    let missing = q.get_person(pb::GetPersonRequest { name: "Nobody Atall".into() }).await.unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_are_found_by_the_words_of_their_text() {
    let server = TestServer::start().await;
    let inputs = vec![
        input(&seed()),
        text_input("astana", "Romanian and Kazakh delegations met in Astana to discuss a strategic dialogue."),
        text_input("oslo", "The foreign ministers of Norway and Chile met in Oslo."),
    ];
    ingest_stream(&mut server.ingest().await, inputs).await;
    let mut q = server.query().await;
    let ids = |text: &str, page_size: i32, page_token: String| {
        let req = pb::ListDocumentsRequest { text: text.into(), page_size, page_token, ..Default::default() };
        let mut q = q.clone();
        async move {
            let r = q.list_documents(req).await.unwrap().into_inner();
            (r.documents.into_iter().map(|d| d.id).collect::<Vec<_>>(), r.next_page_token)
        }
    };
    let seed_id = "kz-ro-consultations-2025-03-19.txt";
    assert_eq!(ids("kazakh ROMANIAN", 0, String::new()).await.0, [seed_id, "astana"]);
    assert_eq!(ids("Kazakh-Romanian", 0, String::new()).await.0, [seed_id], "written with a hyphen, a phrase");
    assert_eq!(ids("\"strategic partnership\" Bucharest", 0, String::new()).await.0, [seed_id]);
    assert!(ids("\"partnership strategic\"", 0, String::new()).await.0.is_empty(), "a phrase keeps its order");
    assert_eq!(ids("met", 0, String::new()).await.0, ["astana", "oslo"]);

    let (first, token) = ids("met", 1, String::new()).await;
    assert_eq!((first, token.is_empty()), (vec!["astana".to_string()], false));
    assert_eq!(ids("met", 1, token.clone()).await.0, ["oslo"]);
    let other = pb::ListDocumentsRequest { text: "Oslo".into(), page_token: token, ..Default::default() };
    let other = q.list_documents(other).await;
    assert_eq!(other.unwrap_err().code(), Code::InvalidArgument, "a token belongs to its search");
}
