//! Argument checking on every query RPC that takes pages or filters: bad
//! page sizes and page tokens on each listing, bad event filters on
//! `ListEvents` and `WatchFacts`. The messages must say what is wrong.

use briefing::pb;
use tonic::Code;

use crate::support::{TestServer, ingest_stream, input, seed, text_input};

/// The listings that page, for tables over all of them.
#[derive(Debug, Clone, Copy)]
enum Listing {
    Documents,
    Persons,
    Events,
    Quotes,
    Figures,
}

const LISTINGS: [Listing; 5] = [Listing::Documents, Listing::Persons, Listing::Events, Listing::Quotes, Listing::Figures];

/// Lists one page; returns the number of items and the next page token.
async fn list(
    q: &mut pb::query_service_client::QueryServiceClient<tonic::transport::Channel>,
    listing: Listing,
    page_size: i32,
    page_token: &str,
) -> Result<(usize, String), tonic::Status> {
    let page_token = page_token.to_owned();
    Ok(match listing {
        Listing::Documents => {
            let r = q.list_documents(pb::ListDocumentsRequest { page_size, page_token, ..Default::default() }).await?.into_inner();
            (r.documents.len(), r.next_page_token)
        }
        Listing::Persons => {
            let r = q.list_persons(pb::ListPersonsRequest { page_size, page_token, ..Default::default() }).await?.into_inner();
            (r.persons.len(), r.next_page_token)
        }
        Listing::Events => {
            let r = q.list_events(pb::ListEventsRequest { page_size, page_token, ..Default::default() }).await?.into_inner();
            (r.events.len(), r.next_page_token)
        }
        Listing::Quotes => {
            let r = q.list_quotes(pb::ListQuotesRequest { page_size, page_token, ..Default::default() }).await?.into_inner();
            (r.quotes.len(), r.next_page_token)
        }
        Listing::Figures => {
            let r = q.list_figures(pb::ListFiguresRequest { page_size, page_token, ..Default::default() }).await?.into_inner();
            (r.figures.len(), r.next_page_token)
        }
    })
}

/// Returns a page token with its JSON rewritten by `edit`.
fn forged(token: &str, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut json: serde_json::Value = serde_json::from_slice(&engine.decode(token).unwrap()).unwrap();
    edit(&mut json);
    engine.encode(serde_json::to_vec(&json).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_pages_are_invalid_on_every_listing() {
    use base64::Engine as _;
    let server = TestServer::start().await;
    let mut client = server.ingest().await;
    let docs = vec![input(&seed()), text_input("two", "Second release."), text_input("three", "Third.")];
    ingest_stream(&mut client, docs).await;
    let mut q = server.query().await;

    for listing in LISTINGS {
        let (n, token) = list(&mut q, listing, 1, "").await.unwrap();
        assert!(n == 1 && !token.is_empty(), "{listing:?}: the seed gives more than one item");
        let other = if matches!(listing, Listing::Documents) { "events" } else { "documents" };
        let standard = base64::engine::general_purpose::STANDARD.encode(
            base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&token).unwrap(),
        );
        // (page_size, page_token, what the message must say)
        let mut cases = vec![
            (-1, String::new(), "page_size -1 is negative"),
            (i32::MIN, String::new(), "is negative"),
            (0, "garbage!!".to_owned(), "page_token is not a token this listing handed out"),
            (0, token[..token.len() / 2].to_owned(), "page_token is not a token"),
            (0, format!("{standard}=="), "page_token is not a token"),
            (0, base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b"{}"), "page_token is not a token"),
            (0, base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b"\xFF\xFE not json"), "page_token is not a token"),
            (0, forged(&token, |j| j["l"] = other.into()), "page_token belongs to the"),
            (0, forged(&token, |j| j["f"] = "0000000000000000".into()), "page_token was made with other filters"),
            (0, forged(&token, |j| j["a"] = 7.into()), "page_token is not a token"),
        ];
        // Persons page by name, so any text is a place in the listing; the
        // others page by a stored number, which must be one.
        if !matches!(listing, Listing::Persons) {
            cases.push((0, forged(&token, |j| j["a"] = "not-a-number".into()), "page token does not belong"));
            cases.push((0, forged(&token, |j| j["a"] = "99999999999999999999".into()), "page token does not belong"));
        }
        for (size, token, want) in cases {
            let status = list(&mut q, listing, size, &token).await.unwrap_err();
            assert_eq!(status.code(), Code::InvalidArgument, "{listing:?} {size} {token:?}: {status:?}");
            assert!(status.message().contains(want), "{listing:?}: {:?} should mention {want:?}", status.message());
        }
        // A huge page is capped (at 1000), not refused; the real token still works.
        let (all, last) = list(&mut q, listing, i32::MAX, "").await.unwrap();
        assert!(all > 1 && last.is_empty(), "{listing:?}");
        let (rest, _) = list(&mut q, listing, i32::MAX, &token).await.unwrap();
        assert_eq!(rest, all - 1, "{listing:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_filters_are_invalid_with_a_clear_message() {
    let server = TestServer::start().await;
    ingest_stream(&mut server.ingest().await, vec![text_input("one", "Release number one.")]).await;
    let mut q = server.query().await;
    let events = |start: &str, end: &str, kind: i32| pb::ListEventsRequest {
        start_date: start.into(),
        end_date: end.into(),
        r#type: kind,
        ..Default::default()
    };
    // (request, what the message must say; empty for a valid request)
    let cases = [
        (events("2025", "2024-12-31", 0), "start date 2025 is after end date 2024-12-31"),
        (events("2025-03-20", "2025-03-19", 0), "after end date"),
        (events("2025-04", "2025-03", 0), "after end date"),
        (events("2025-03", "2025-03-01", 0), ""), // the month and the day overlap
        (events("2025-03-19", "2025-03-19", 0), ""),
        (events("2025-02-30", "", 0), "start date: "),
        (events("", "20250101", 0), "end date: "),
        (events("", "", -1), "type -1 is not an EventType"),
        (events("", "", 8), "type 8 is not an EventType"),
        (events("", "", i32::MAX), "is not an EventType"),
        (events("", "", i32::from(pb::EventType::Other)), ""),
    ];
    for (request, want) in cases {
        let answer = q.list_events(request.clone()).await;
        match (answer, want) {
            (Ok(_), "") => {}
            (Err(status), want) if !want.is_empty() => {
                assert_eq!(status.code(), Code::InvalidArgument, "{request:?}: {status:?}");
                assert!(status.message().contains(want), "{:?} should mention {want:?}", status.message());
            }
            (answer, _) => panic!("{request:?}: unexpected {answer:?}"),
        }
    }
    for event_type in [-1, 8, i32::MIN] {
        let status = q.watch_facts(pb::WatchFactsRequest { event_type, ..Default::default() }).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(status.message().contains(&format!("event_type {event_type} is not an EventType")), "{}", status.message());
    }
}
