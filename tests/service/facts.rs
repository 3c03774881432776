//! The seed and several development releases streamed in on one stream, then
//! queried back and checked against what the releases say.

use briefing::pb;
use briefing::pb::IngestStatus::Created;

use crate::support::{TestServer, dev_docs, ingest_stream, input, seed, status_of};

const DEV: [&str; 5] = ["gov-0012.txt", "gov-0052.txt", "world-a01.txt", "world-a02.txt", "world-b03.txt"];

/// Starts a server holding the seed and the development releases.
async fn loaded() -> TestServer {
    let server = TestServer::start().await;
    let mut client = server.ingest().await;
    let mut docs = vec![seed()];
    docs.extend(dev_docs(&DEV));
    let acks = ingest_stream(&mut client, docs.iter().map(input).collect()).await;
    assert_eq!(acks.len(), docs.len());
    assert!(acks.iter().all(|a| status_of(a) == Created), "{acks:?}");
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roman_vassilenko_is_a_kazakh_person_with_his_titles_and_quotes() {
    let server = loaded().await;
    let mut q = server.query().await;
    let kz = q
        .list_persons(pb::ListPersonsRequest { country_code: "KZ".into(), page_size: 1000, ..Default::default() })
        .await
        .unwrap()
        .into_inner();
    let roman = kz.persons.iter().find(|p| p.name == "Roman Vassilenko").expect("Roman Vassilenko is listed under KZ");
    assert_eq!(roman.country_code, "KZ");
    assert!(roman.titles.iter().any(|t| t.contains("Deputy Foreign Minister")), "{:?}", roman.titles);
    assert!(roman.document_ids.contains(&seed().id));

    let detail = q.get_person(pb::GetPersonRequest { name: "roman vassilenko".into() }).await.unwrap().into_inner();
    assert!(detail.quotes.iter().any(|quote| quote.text.contains("strategic partnership")), "{:?}", detail.quotes);
    let mention = detail.mentions.first().expect("a mention");
    let ev = mention.evidence.first().expect("evidence");
    assert_eq!(ev.document_id, seed().id);
    assert!(!ev.rule.is_empty() && !ev.spans.is_empty());
    let span = &ev.spans[0];
    assert!(seed().text[span.start as usize..span.end as usize].contains("Vassilenko"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consultations_took_place_in_bucharest_on_19_march_2025() {
    let server = loaded().await;
    let mut q = server.query().await;
    let events = q
        .list_events(pb::ListEventsRequest {
            participant: "Roman Vassilenko".into(),
            r#type: pb::EventType::Consultations.into(),
            start_date: "2025-01-01".into(),
            end_date: "2025-12".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .events;
    let e = events.first().expect("the consultations are found");
    assert_eq!(e.place, "Bucharest");
    assert_eq!(e.date, "2025-03-19");
    assert_eq!(e.round_ordinal, 8);
    assert_eq!(e.document_id, seed().id);

    let by_country = q
        .list_events(pb::ListEventsRequest { country_code: "KZ".into(), place: "bucharest".into(), ..Default::default() })
        .await
        .unwrap()
        .into_inner()
        .events;
    assert!(!by_country.is_empty());
    let later = q
        .list_events(pb::ListEventsRequest { participant: "Roman Vassilenko".into(), start_date: "2025-03-20".into(), ..Default::default() })
        .await
        .unwrap()
        .into_inner()
        .events;
    assert!(later.iter().all(|e| e.date.as_str() >= "2025-03-20"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consultations_are_between_kazakhstan_and_romania() {
    let server = loaded().await;
    let mut q = server.query().await;
    let between = |country: &str, other: &str, start: &str| {
        let request = pb::ListEventsRequest {
            country_code: country.into(),
            other_country_code: other.into(),
            start_date: start.into(),
            ..Default::default()
        };
        let mut q = q.clone();
        async move { q.list_events(request).await.unwrap().into_inner().events }
    };
    let pair = between("KZ", "RO", "2025-03").await;
    assert!(pair.iter().any(|e| e.r#type == i32::from(pb::EventType::Consultations) && e.date == "2025-03-19"), "{pair:?}");
    assert_eq!(between("ro", "kz", "2025-03").await, pair, "a pair in either order");
    assert_eq!(between("", "RO", "2025-03").await, between("RO", "", "2025-03").await, "one state given either way");
    assert!(between("KZ", "FR", "").await.is_empty(), "both states must be involved");
    assert!(between("KZ", "RO", "2025-04").await.is_empty(), "and the dates still apply");
    let status = q
        .list_events(pb::ListEventsRequest { country_code: "KZ".into(), other_country_code: "Romania".into(), ..Default::default() })
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert!(status.message().contains("\"Romania\" is not an ISO 3166-1 alpha-2 code"), "{}", status.message());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_2024_trade_turnover_is_2_92_billion_dollars() {
    let server = loaded().await;
    let mut q = server.query().await;
    let figures = q
        .list_figures(pb::ListFiguresRequest {
            metric: "trade_turnover".into(),
            country_code: "KZ".into(),
            period: "2024".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .figures;
    let f = figures.first().expect("the 2024 trade turnover is found");
    assert!((f.value - 2.92e9).abs() < 2.92e9 * 0.005, "{}", f.value);
    assert_eq!(f.unit, "USD");
    assert!(f.country_codes.contains(&"RO".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quotes_are_found_by_speaker_and_by_words() {
    let server = loaded().await;
    let mut q = server.query().await;
    let by_speaker = q
        .list_quotes(pb::ListQuotesRequest { speaker: "Roman Vassilenko".into(), ..Default::default() })
        .await
        .unwrap()
        .into_inner()
        .quotes;
    assert!(by_speaker.len() >= 2, "{by_speaker:?}");
    let by_words = q
        .list_quotes(pb::ListQuotesRequest { words: "Global Gateway".into(), ..Default::default() })
        .await
        .unwrap()
        .into_inner()
        .quotes;
    assert_eq!(by_words.len(), 1, "{by_words:?}");
    assert_eq!(by_words[0].speaker, "Roman Vassilenko");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_comes_back_with_its_text_and_facts() {
    let server = loaded().await;
    let mut q = server.query().await;
    let got = q.get_document(pb::GetDocumentRequest { id: seed().id }).await.unwrap().into_inner();
    let doc = got.document.unwrap();
    assert_eq!(doc.text, seed().text);
    assert!(doc.ingest_time.is_some());
    let facts = got.facts.unwrap();
    assert_eq!(facts.document_id, seed().id);
    assert!(facts.countries.iter().any(|c| c.code == "KZ") && facts.countries.iter().any(|c| c.code == "RO"));
    let missing = q.get_document(pb::GetDocumentRequest { id: "nope".into() }).await.unwrap_err();
    assert_eq!(missing.code(), tonic::Code::NotFound);
}
