//! The store contract as executable checks: generic functions every [`Store`]
//! implementation runs in its own tests (the SQLite store today, PostgreSQL
//! later). Each check uses its own document ids, so they share one store.

use std::sync::Arc;

use crate::domain::{
    Country, Document, Event, EventKind, Evidence, Extraction, Figure, Person, Quote, Span, Topic,
};
use crate::store::{
    DocumentFilter, EventFilter, FigureFilter, InsertOutcome, NewDocument, Page, PageRequest, PersonFilter,
    QuoteFilter, PERSON_DETAIL_LIMIT, Store, StoreFuture, TEXT_SEARCH_CHARS, name_key,
};

/// Runs every check of the contract against `store`, which must start empty.
pub async fn run_all<S: Store>(store: &S) {
    stats_count_stored_documents(store).await;
    insert_is_idempotent_and_detects_conflicts(store).await;
    documents_round_trip_with_facts(store).await;
    documents_filter_by_source_and_text(store).await;
    persons_merge_across_documents(store).await;
    events_filter_by_every_field(store).await;
    quotes_filter_by_speaker_and_words(store).await;
    figures_filter_by_metric_country_and_period(store).await;
    pages_cover_every_item_once(store).await;
    concurrent_inserts_of_one_id_create_it_once(store).await;
    person_detail_keeps_the_latest(store).await;
    batches_keep_their_order(store).await;
    every_stored_id_is_visited(store).await;
    a_shared_alias_names_the_person_named_first(store).await;
}

fn ev(rule: &str) -> Vec<Evidence> {
    vec![Evidence { spans: vec![Span { start: 0, end: 4 }], sentence: 0, rule: rule.into() }]
}

fn person(name: &str, title: &str, country: &str) -> Person {
    Person {
        name: name.into(),
        aliases: vec![name.split_whitespace().last().unwrap_or(name).into()],
        titles: vec![title.into()],
        organization: Some("Ministry of Foreign Affairs".into()),
        country: Some(country.into()),
        evidence: ev("person.test"),
    }
}

fn document(id: &str, text: &str) -> Document {
    Document {
        id: id.into(),
        url: Some(format!("https://example.org/{id}")),
        source: Some("suite".into()),
        title: Some("A title".into()),
        published: Some("2025-03-19".parse().unwrap()),
        language: Some("en".into()),
        text: text.into(),
    }
}

fn sample_facts() -> Extraction {
    Extraction {
        published: Some("2025-03-19".parse().unwrap()),
        persons: vec![person("Roman Vassilenko", "Deputy Foreign Minister", "KZ"), person("Ana Tinca", "State Secretary", "RO")],
        countries: vec![Country { code: "KZ".into(), name: "Kazakhstan".into(), evidence: ev("country.name") }],
        events: vec![Event {
            kind: EventKind::Consultations,
            date: Some("2025-03-19".parse().unwrap()),
            place: Some("Bucharest".into()),
            participants: vec!["Roman Vassilenko".into(), "Ana Tinca".into()],
            ordinal: Some(8),
            countries: vec![],
            evidence: ev("event.consultations"),
        }],
        quotes: vec![Quote {
            text: "Today we discussed joint steps".into(),
            speaker: Some("Roman Vassilenko".into()),
            evidence: ev("quote.said"),
        }],
        figures: vec![Figure {
            value: 2.92e9,
            unit: "USD".into(),
            metric: "trade_turnover".into(),
            period: Some("2024".into()),
            countries: vec!["KZ".into(), "RO".into()],
            evidence: ev("figure.money"),
        }],
        topics: vec![Topic { name: "trade".into(), score: 1.5, evidence: ev("topic.cue") }],
        diagnostics: vec!["unclosed quotation".into()],
        ..Extraction::default()
    }
}

/// Stores a sample document with facts under `id`.
pub async fn insert_sample<S: Store>(store: &S, id: &str) -> InsertOutcome {
    let text = format!("Text of {id}.");
    store
        .insert(NewDocument { document: document(id, &text), text_hash: format!("hash:{text}"), facts: sample_facts().into() })
        .await
        .unwrap()
}

async fn stats_count_stored_documents<S: Store>(store: &S) {
    let before = store.stats().await.unwrap();
    insert_sample(store, "counted").await;
    insert_sample(store, "counted").await;
    let after = store.stats().await.unwrap();
    assert_eq!(after.documents, before.documents + 1, "a duplicate is not counted");
    assert!(after.bytes > 0, "a store holding a document occupies bytes");
}

async fn person_detail_keeps_the_latest<S: Store>(store: &S) {
    let n = PERSON_DETAIL_LIMIT + 2;
    let docs = (0..n)
        .map(|i| {
            let speaker = "Often Quoted";
            let facts = Extraction {
                // The oldest mention alone gives this title.
                persons: vec![person(speaker, if i == 0 { "Special Envoy" } else { "Spokesperson" }, "NO")],
                quotes: vec![Quote { text: format!("Statement {i}"), speaker: Some(speaker.into()), evidence: ev("quote.said") }],
                events: vec![Event {
                    kind: EventKind::Meeting,
                    date: None,
                    place: None,
                    participants: vec![speaker.into()],
                    ordinal: None,
                    countries: vec![],
                    evidence: ev("event.meeting"),
                }],
                ..Extraction::default()
            };
            let id = format!("often-{i:03}");
            NewDocument { document: document(&id, &format!("Text {i}.")), text_hash: format!("often:{i}"), facts: facts.into() }
        })
        .collect();
    assert!(store.insert_batch(docs).await.unwrap().iter().all(|r| matches!(r, Ok(InsertOutcome::Created { .. }))));
    let detail = store.get_person(name_key("Often Quoted")).await.unwrap().unwrap();
    assert_eq!(detail.profile.document_count, n as u32, "the profile counts every document");
    assert_eq!(detail.profile.quote_count, n as u32, "and every quote");
    assert_eq!(detail.profile.titles, ["Special Envoy", "Spokesperson"], "and merges every mention, not only those returned");
    assert_eq!(detail.profile.document_ids.len(), PERSON_DETAIL_LIMIT, "and lists the latest");
    assert_eq!(detail.profile.document_ids.last().map(String::as_str), Some(format!("often-{:03}", n - 1).as_str()));
    assert_eq!((detail.mentions.len(), detail.quotes.len(), detail.events.len()), (PERSON_DETAIL_LIMIT, PERSON_DETAIL_LIMIT, PERSON_DETAIL_LIMIT));
    let last = format!("often-{:03}", n - 1);
    assert_eq!(detail.quotes.last().map(|q| q.document_id.as_str()), Some(last.as_str()), "the latest are kept, in order");
    assert_eq!(detail.events.last().map(|e| e.document_id.as_str()), Some(last.as_str()));
    assert_eq!(detail.mentions.first().map(|m| m.document_id.as_str()), Some("often-002"));
}

async fn a_shared_alias_names_the_person_named_first<S: Store>(store: &S) {
    for (i, name) in ["Wendy Shared", "Anna Shared", "Wendy Shared"].into_iter().enumerate() {
        let facts = Extraction { persons: vec![person(name, "Ambassador", "US")], ..Extraction::default() };
        let id = format!("shared-{i}");
        store.insert(NewDocument { document: document(&id, name), text_hash: id.clone(), facts: facts.into() }).await.unwrap();
    }
    let detail = store.get_person(name_key("Shared")).await.unwrap().expect("the alias is known");
    assert_eq!(detail.profile.name, "Wendy Shared");
    assert_eq!(detail.profile.document_count, 2, "the whole profile of that person");
}

async fn every_stored_id_is_visited<S: Store>(store: &S) {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = std::sync::Arc::clone(&seen);
    let count = store.visit_ids(Box::new(move |id| sink.lock().unwrap().push(id.to_owned()))).await.unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(count, store.stats().await.unwrap().documents, "one visit per stored document");
    assert_eq!(seen.len() as u64, count);
    assert!(seen.iter().any(|id| id == "idem") && seen.iter().any(|id| id == "round"));
}

async fn insert_is_idempotent_and_detects_conflicts<S: Store>(store: &S) {
    assert!(matches!(insert_sample(store, "idem").await, InsertOutcome::Created { .. }));
    assert_eq!(insert_sample(store, "idem").await, InsertOutcome::Duplicate);
    let other = NewDocument { document: document("idem", "Other text."), text_hash: "other".into(), facts: Arc::default() };
    assert_eq!(store.insert(other).await.unwrap(), InsertOutcome::Conflict);
    assert_eq!(store.text_hash("idem".into()).await.unwrap().as_deref(), Some("hash:Text of idem."));
    assert_eq!(store.text_hash("absent".into()).await.unwrap(), None);
}

async fn documents_round_trip_with_facts<S: Store>(store: &S) {
    insert_sample(store, "round").await;
    let (stored, facts) = store.get_document("round".into()).await.unwrap().unwrap();
    assert_eq!(stored.document, document("round", "Text of round."));
    assert_eq!(stored.text_bytes, "Text of round.".len() as u64);
    assert_eq!(facts, sample_facts());
    assert!(store.get_document("missing".into()).await.unwrap().is_none());
}

async fn documents_filter_by_source_and_text<S: Store>(store: &S) {
    let texts = [
        ("search-a", "Kazakh-Romanian consultations on TRADE in Bucharest; turnover of 2.92 billion."),
        ("search-b", "Trade talks in Astana: Romanian and Kazakh delegations met."),
        ("search-c", &format!("Searchable start. {} beyondthelimit", "filler ".repeat(TEXT_SEARCH_CHARS / 7))),
    ];
    for (id, text) in texts {
        let doc = NewDocument { document: document(id, text), text_hash: id.into(), facts: Arc::default() };
        store.insert(doc).await.unwrap();
    }
    // Every matching id, read one per page so that paging is checked too.
    let ids = |source: Option<&str>, phrases: &[&[&str]]| {
        let text = phrases.iter().map(|p| p.iter().map(|w| w.to_string()).collect()).collect();
        let filter = DocumentFilter { source: source.map(Into::into), text };
        async move {
            let docs = every_page(1, |page| store.list_documents(filter.clone(), page)).await;
            docs.into_iter().map(|d| d.document.id).collect::<Vec<_>>()
        }
    };
    assert_eq!(ids(None, &[&["trade"]]).await, ["search-a", "search-b"], "words fold case");
    assert_eq!(ids(None, &[&["kazakh"], &["romanian"]]).await, ["search-a", "search-b"], "every word, anywhere");
    assert_eq!(ids(None, &[&["kazakh", "romanian"]]).await, ["search-a"], "a phrase, in order");
    assert_eq!(ids(None, &[&["2", "92"]]).await, ["search-a"], "punctuation separates words");
    assert!(ids(None, &[&["bucharest"], &["astana"]]).await.is_empty(), "all phrases must match");
    assert_eq!(ids(Some("suite"), &[&["astana"]]).await, ["search-b"]);
    assert!(ids(Some("elsewhere"), &[&["astana"]]).await.is_empty(), "source and text both apply");
    assert_eq!(ids(None, &[&["searchable", "start"]]).await, ["search-c"]);
    assert!(ids(None, &[&["beyondthelimit"]]).await.is_empty(), "words past TEXT_SEARCH_CHARS are not read");
    let text = store.get_document("search-c".into()).await.unwrap().unwrap().0.document.text;
    assert!(text.ends_with("beyondthelimit"), "the text itself is stored whole");
}

async fn persons_merge_across_documents<S: Store>(store: &S) {
    let mut facts = Extraction::default();
    facts.persons.push(person("ROMAN VASSILENKO", "Deputy Minister", "KZ"));
    let doc = NewDocument { document: document("persons-2", "Second."), text_hash: "p2".into(), facts: facts.into() };
    store.insert(doc).await.unwrap();
    let detail = store.get_person(name_key("roman vassilenko")).await.unwrap().unwrap();
    let p = &detail.profile;
    assert_eq!(p.name, "Roman Vassilenko");
    assert!(p.titles.contains(&"Deputy Foreign Minister".to_string()) && p.titles.contains(&"Deputy Minister".to_string()));
    assert_eq!(p.country.as_deref(), Some("KZ"));
    assert!(p.document_ids.contains(&"persons-2".to_string()));
    assert!(p.quote_count >= 1);
    assert!(!detail.quotes.is_empty() && !detail.events.is_empty());
    let by_alias = store.get_person("vassilenko".into()).await.unwrap().unwrap();
    assert_eq!(by_alias.profile.name, "Roman Vassilenko");
    let page = PageRequest { size: 100, after: None };
    let ro = store.list_persons(PersonFilter { country: Some("RO".into()), ..Default::default() }, page.clone()).await.unwrap();
    assert!(ro.items.iter().all(|p| p.country.as_deref() == Some("RO")) && !ro.items.is_empty());
    // One person a page, walking the state's rows: the same persons, in order.
    let filter = PersonFilter { country: Some("RO".into()), ..Default::default() };
    let paged = every_page(1, |page| store.list_persons(filter.clone(), page)).await;
    assert_eq!(paged.iter().map(|p| &p.name).collect::<Vec<_>>(), ro.items.iter().map(|p| &p.name).collect::<Vec<_>>());
    let filter = PersonFilter { country: Some("RO".into()), name_contains: Some("tinc".into()) };
    let ro_named = store.list_persons(filter, page.clone()).await.unwrap();
    assert_eq!(ro_named.items.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["Ana Tinca"]);
    let named = store.list_persons(PersonFilter { name_contains: Some("tinc".into()), ..Default::default() }, page).await.unwrap();
    assert_eq!(named.items.len(), 1);
    assert_eq!(named.items[0].name, "Ana Tinca");
}

async fn events_filter_by_every_field<S: Store>(store: &S) {
    insert_sample(store, "events").await;
    let page = PageRequest { size: 1000, after: None };
    let count = |f: EventFilter| {
        let page = page.clone();
        async move { store.list_events(f, page).await.unwrap().items.len() }
    };
    let all = count(EventFilter::default()).await;
    assert!(all >= 1);
    let d = |s: &str| Some(s.parse().unwrap());
    assert_eq!(count(EventFilter { participant: Some("roman vassilenko".into()), ..Default::default() }).await, all);
    assert_eq!(count(EventFilter { participant: Some("vassilenko".into()), ..Default::default() }).await, all);
    assert_eq!(count(EventFilter { country: Some("KZ".into()), ..Default::default() }).await, all);
    assert_eq!(count(EventFilter { country: Some("FR".into()), ..Default::default() }).await, 0);
    assert_eq!(count(EventFilter { kind: Some(EventKind::Consultations), ..Default::default() }).await, all);
    assert_eq!(count(EventFilter { kind: Some(EventKind::Call), ..Default::default() }).await, 0);
    assert_eq!(count(EventFilter { place: Some("bucharest".into()), ..Default::default() }).await, all);
    assert_eq!(count(EventFilter { since: d("2025-03"), until: d("2025"), ..Default::default() }).await, all);
    assert_eq!(count(EventFilter { since: d("2025-03-20"), ..Default::default() }).await, 0);
    assert_eq!(count(EventFilter { until: d("2025-03-18"), ..Default::default() }).await, 0);
    let pair = |a: &str, b: &str| EventFilter { country: Some(a.into()), other_country: Some(b.into()), ..Default::default() };
    assert_eq!(count(pair("KZ", "RO")).await, all, "the participants serve both states");
    assert_eq!(count(pair("RO", "KZ")).await, all);
    assert_eq!(count(pair("KZ", "FR")).await, 0, "both states must be involved");
    let dated = EventFilter { since: d("2025-03-19"), until: d("2025-03-19"), ..pair("KZ", "RO") };
    assert_eq!(count(dated).await, all);
    let dated = EventFilter { since: d("2025-04"), ..pair("KZ", "RO") };
    assert_eq!(count(dated).await, 0, "the dates apply to the pair's events");
    let by_participant = EventFilter { participant: Some("ana tinca".into()), ..pair("KZ", "RO") };
    assert_eq!(count(by_participant).await, all);
}

async fn quotes_filter_by_speaker_and_words<S: Store>(store: &S) {
    insert_sample(store, "quotes").await;
    let page = PageRequest { size: 1000, after: None };
    let f = QuoteFilter { speaker: Some("roman vassilenko".into()), words: vec!["joint".into(), "steps".into()] };
    assert!(!store.list_quotes(f, page.clone()).await.unwrap().items.is_empty());
    let f = QuoteFilter { speaker: Some("vassilenko".into()), words: vec![] };
    assert!(!store.list_quotes(f, page.clone()).await.unwrap().items.is_empty(), "a speaker's alias finds the quotes");
    // Words alone, one quote a page: every quote holding them, once, in order.
    let f = QuoteFilter { speaker: None, words: vec!["joint".into(), "steps".into()] };
    let all: Vec<String> = store.list_quotes(f.clone(), page.clone()).await.unwrap().items.into_iter().map(|q| q.document_id).collect();
    assert!(all.contains(&"quotes".to_string()), "words alone find the quotes: {all:?}");
    let paged = every_page(1, |page| store.list_quotes(f.clone(), page)).await;
    assert_eq!(paged.into_iter().map(|q| q.document_id).collect::<Vec<_>>(), all);
    let f = QuoteFilter { speaker: None, words: vec!["joint".into(), "absentword".into()] };
    assert!(store.list_quotes(f, page.clone()).await.unwrap().items.is_empty());
    let f = QuoteFilter { speaker: Some("ana tinca".into()), words: vec![] };
    assert!(store.list_quotes(f, page).await.unwrap().items.is_empty());
}

async fn figures_filter_by_metric_country_and_period<S: Store>(store: &S) {
    insert_sample(store, "figures").await;
    let page = PageRequest { size: 1000, after: None };
    let f = FigureFilter { metric: Some("trade_turnover".into()), country: Some("RO".into()), period: Some("2024".into()) };
    let found = store.list_figures(f, page.clone()).await.unwrap().items;
    assert!(!found.is_empty());
    assert_eq!(found[0].fact.value, 2.92e9);
    let f = FigureFilter { period: Some("2023".into()), ..Default::default() };
    assert!(store.list_figures(f, page).await.unwrap().items.is_empty());
}

/// Reads a listing to its end, `size` items a page, checking that no page
/// holds more; returns every item in the order read.
async fn every_page<'a, T>(size: usize, list: impl Fn(PageRequest) -> StoreFuture<'a, Page<T>>) -> Vec<T> {
    let (mut items, mut after) = (Vec::new(), None);
    loop {
        let page = list(PageRequest { size, after }).await.unwrap();
        assert!(page.items.len() <= size, "a page of {size} held {}", page.items.len());
        items.extend(page.items);
        match page.next_after {
            Some(next) => after = Some(next),
            None => return items,
        }
    }
}

async fn pages_cover_every_item_once<S: Store>(store: &S) {
    for i in 0..7 {
        insert_sample(store, &format!("page-{i}")).await;
    }
    let docs = every_page(3, |page| store.list_documents(DocumentFilter::default(), page)).await;
    let seen: Vec<String> = docs.into_iter().map(|d| d.document.id).collect();
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no document twice");
    assert!((0..7).all(|i| seen.contains(&format!("page-{i}"))));
    let bad = store.list_documents(DocumentFilter::default(), PageRequest { size: 3, after: Some("x".into()) }).await;
    assert!(bad.is_err());
}

async fn concurrent_inserts_of_one_id_create_it_once<S: Store>(store: &S) {
    let results = futures_util::future::join_all((0..8).map(|_| insert_sample(store, "race"))).await;
    let created = results.iter().filter(|r| matches!(r, InsertOutcome::Created { .. })).count();
    assert_eq!(created, 1);
    assert!(results.iter().all(|r| !matches!(r, InsertOutcome::Conflict)));
}

async fn batches_keep_their_order<S: Store>(store: &S) {
    let new = |id: &str, text: &str| NewDocument { document: document(id, text), text_hash: text.into(), facts: Arc::default() };
    let batch = vec![new("batch-a", "one"), new("batch-b", "two"), new("batch-a", "one"), new("batch-a", "three")];
    let results: Vec<InsertOutcome> = store.insert_batch(batch).await.unwrap().into_iter().map(Result::unwrap).collect();
    assert!(matches!(results[0], InsertOutcome::Created { .. }));
    assert!(matches!(results[1], InsertOutcome::Created { .. }));
    assert_eq!(results[2..], [InsertOutcome::Duplicate, InsertOutcome::Conflict]);
    assert!(store.insert_batch(Vec::new()).await.unwrap().is_empty());
}
