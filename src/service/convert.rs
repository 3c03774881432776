//! Conversions between wire messages and the domain and use-case types. Proto
//! messages are destructured without `..`, so a new field breaks the build
//! here until someone decides what it means.

use std::time::Duration;

use crate::domain::{Country, Event, EventKind, Evidence, Extraction, Figure, Organization, Person, Place, Quote, Span, Topic};
use crate::feed::WatchFilter;
use crate::ingest::{DocumentDraft, FactCounts, IngestError, IngestOutcome, RejectionKind};
use crate::pb;
use crate::query::{
    DocumentsQuery, EventsQuery, FiguresQuery, PageParams, PersonsQuery, QueryError, QuotesQuery, country_code,
};
use crate::store::{DocFact, PersonDetail, PersonProfile, StoredDocument, name_key};

/// Returns `None` for the empty string proto3 uses for "not set".
fn opt(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

fn or_empty(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

// ------------------------------------------------------------- requests

/// Returns the draft of a submitted document.
pub fn draft(document: Option<pb::DocumentInput>) -> Result<DocumentDraft, IngestError> {
    let pb::DocumentInput { id, url, source, title, published_date, language, text } =
        document.ok_or(IngestError::MissingDocument)?;
    Ok(DocumentDraft {
        id: opt(id),
        url: opt(url),
        source: opt(source),
        title: opt(title),
        published: opt(published_date),
        language: opt(language),
        text,
    })
}

fn page(page_size: i32, page_token: String) -> PageParams {
    PageParams { size: page_size, token: page_token }
}

/// Returns the event kind of a wire enum value; `None` for "unspecified".
pub fn event_kind(field: &str, value: i32) -> Result<Option<EventKind>, QueryError> {
    let kind = match pb::EventType::try_from(value) {
        Ok(pb::EventType::Unspecified) => None,
        Ok(pb::EventType::Consultations) => Some(EventKind::Consultations),
        Ok(pb::EventType::Meeting) => Some(EventKind::Meeting),
        Ok(pb::EventType::Visit) => Some(EventKind::Visit),
        Ok(pb::EventType::Call) => Some(EventKind::Call),
        Ok(pb::EventType::Signing) => Some(EventKind::Signing),
        Ok(pb::EventType::Multilateral) => Some(EventKind::Multilateral),
        Ok(pb::EventType::Other) => Some(EventKind::Other),
        Err(_) => {
            return Err(QueryError::InvalidArgument(format!(
                "{field} {value} is not an EventType; use EVENT_TYPE_CONSULTATIONS .. EVENT_TYPE_OTHER"
            )));
        }
    };
    Ok(kind)
}

/// Returns the filters and page of a person listing.
pub fn persons_query(r: pb::ListPersonsRequest) -> (PersonsQuery, PageParams) {
    let pb::ListPersonsRequest { page_size, page_token, country_code, name_contains } = r;
    (PersonsQuery { country: opt(country_code), name_contains: opt(name_contains) }, page(page_size, page_token))
}

/// Returns the filters and page of an event listing.
pub fn events_query(r: pb::ListEventsRequest) -> Result<(EventsQuery, PageParams), QueryError> {
    let pb::ListEventsRequest {
        page_size,
        page_token,
        participant,
        country_code,
        r#type,
        place,
        start_date,
        end_date,
        other_country_code,
    } = r;
    let q = EventsQuery {
        participant: opt(participant),
        country: opt(country_code),
        other_country: opt(other_country_code),
        kind: event_kind("type", r#type)?,
        place: opt(place),
        since: opt(start_date),
        until: opt(end_date),
    };
    Ok((q, page(page_size, page_token)))
}

/// Returns the filters and page of a quote listing.
pub fn quotes_query(r: pb::ListQuotesRequest) -> (QuotesQuery, PageParams) {
    let pb::ListQuotesRequest { page_size, page_token, speaker, words } = r;
    (QuotesQuery { speaker: opt(speaker), words: opt(words) }, page(page_size, page_token))
}

/// Returns the filters and page of a figure listing.
pub fn figures_query(r: pb::ListFiguresRequest) -> (FiguresQuery, PageParams) {
    let pb::ListFiguresRequest { page_size, page_token, metric, country_code, period } = r;
    (FiguresQuery { metric: opt(metric), country: opt(country_code), period: opt(period) }, page(page_size, page_token))
}

/// Returns the filters and page of a document listing.
pub fn documents_query(r: pb::ListDocumentsRequest) -> (DocumentsQuery, PageParams) {
    let pb::ListDocumentsRequest { page_size, page_token, source, text } = r;
    (DocumentsQuery { source: opt(source), text: opt(text) }, page(page_size, page_token))
}

/// Returns the filter of a watch subscription.
pub fn watch_filter(r: pb::WatchFactsRequest) -> Result<WatchFilter, QueryError> {
    let pb::WatchFactsRequest { country_code: country, person, event_type } = r;
    Ok(WatchFilter {
        country: opt(country).map(country_code).transpose()?,
        person: opt(person).map(|p| name_key(&p)),
        event_kind: event_kind("event_type", event_type)?,
    })
}

// ------------------------------------------------------------- responses

/// Returns the acknowledgement of one document; `client_id` is the id the
/// client gave, echoed in rejections so the client can match them.
pub fn ack(
    index: u64,
    client_id: &str,
    result: &Result<IngestOutcome, IngestError>,
    elapsed: Duration,
) -> pb::IngestResult {
    let processing_time = prost_types::Duration::try_from(elapsed).ok();
    let base = pb::IngestResult { index, processing_time, ..Default::default() };
    match result {
        Ok(IngestOutcome::Created { id, counts }) => pb::IngestResult {
            document_id: id.clone(),
            status: pb::IngestStatus::Created.into(),
            fact_counts: Some(fact_counts(counts)),
            ..base
        },
        Ok(IngestOutcome::Duplicate { id }) => pb::IngestResult {
            document_id: id.clone(),
            status: pb::IngestStatus::Duplicate.into(),
            fact_counts: Some(pb::FactCounts::default()),
            ..base
        },
        Err(e) => pb::IngestResult {
            document_id: client_id.to_owned(),
            status: pb::IngestStatus::Rejected.into(),
            reason: e.to_string(),
            rejection_code: rejection_code(e.kind()).into(),
            fact_counts: Some(pb::FactCounts::default()),
            ..base
        },
    }
}

fn rejection_code(kind: RejectionKind) -> pb::RejectionCode {
    match kind {
        RejectionKind::InvalidField => pb::RejectionCode::InvalidField,
        RejectionKind::EmptyText => pb::RejectionCode::EmptyText,
        RejectionKind::TooLarge => pb::RejectionCode::TooLarge,
        RejectionKind::ControlCharacters => pb::RejectionCode::ControlCharacters,
        RejectionKind::IdConflict => pb::RejectionCode::IdConflict,
        RejectionKind::Unavailable => pb::RejectionCode::Unavailable,
        RejectionKind::Internal => pb::RejectionCode::Internal,
    }
}

fn fact_counts(c: &FactCounts) -> pb::FactCounts {
    let FactCounts { persons, organizations, countries, places, events, quotes, figures, topics, total } = *c;
    pb::FactCounts { persons, organizations, countries, places, events, quotes, figures, topics, total }
}

/// Returns a stored document (with its text if the store returned it).
pub fn document(d: &StoredDocument) -> pb::Document {
    let StoredDocument { document, ingested_at, seq: _, text_bytes } = d;
    pb::Document {
        id: document.id.clone(),
        url: or_empty(&document.url),
        source: or_empty(&document.source),
        title: or_empty(&document.title),
        published_date: document.published.map(|p| p.to_string()).unwrap_or_default(),
        language: or_empty(&document.language),
        text: document.text.clone(),
        ingest_time: Some(prost_types::Timestamp { seconds: ingested_at.unix_timestamp(), nanos: 0 }),
        text_bytes: *text_bytes,
    }
}

/// Returns the facts of one document (`doc` empty for an unstored text).
pub fn facts(doc: &str, x: &Extraction) -> pb::Facts {
    let Extraction { published, persons, organizations, countries, places, events, quotes, figures, topics, diagnostics } = x;
    pb::Facts {
        document_id: doc.to_owned(),
        published_date: published.map(|p| p.to_string()).unwrap_or_default(),
        persons: persons.iter().map(|p| person(doc, p)).collect(),
        organizations: organizations.iter().map(|o| organization(doc, o)).collect(),
        countries: countries.iter().map(|c| country(doc, c)).collect(),
        places: places.iter().map(|p| place(doc, p)).collect(),
        events: events.iter().map(|e| event(doc, e)).collect(),
        quotes: quotes.iter().map(|q| quote(doc, q)).collect(),
        figures: figures.iter().map(|f| figure(doc, f)).collect(),
        topics: topics.iter().map(|t| topic(doc, t)).collect(),
        diagnostics: diagnostics.clone(),
    }
}

fn evidence(doc: &str, list: &[Evidence]) -> Vec<pb::Evidence> {
    list.iter()
        .map(|e| {
            let Evidence { spans, sentence, rule } = e;
            pb::Evidence {
                document_id: doc.to_owned(),
                spans: spans.iter().map(|&Span { start, end }| pb::Span { start, end }).collect(),
                sentence_index: *sentence,
                rule: rule.clone(),
            }
        })
        .collect()
}

fn person(doc: &str, p: &Person) -> pb::Person {
    let Person { name, aliases, titles, organization, country, evidence: ev } = p;
    pb::Person {
        name: name.clone(),
        aliases: aliases.clone(),
        titles: titles.clone(),
        organization: or_empty(organization),
        country_code: or_empty(country),
        evidence: evidence(doc, ev),
    }
}

fn organization(doc: &str, o: &Organization) -> pb::Organization {
    let Organization { name, country, evidence: ev } = o;
    pb::Organization { name: name.clone(), country_code: or_empty(country), evidence: evidence(doc, ev) }
}

fn country(doc: &str, c: &Country) -> pb::Country {
    let Country { code, name, evidence: ev } = c;
    pb::Country { code: code.clone(), name: name.clone(), evidence: evidence(doc, ev) }
}

fn place(doc: &str, p: &Place) -> pb::Place {
    let Place { name, country, evidence: ev } = p;
    pb::Place { name: name.clone(), country_code: or_empty(country), evidence: evidence(doc, ev) }
}

/// Returns the wire value of an event kind.
pub fn event_type(kind: EventKind) -> pb::EventType {
    match kind {
        EventKind::Consultations => pb::EventType::Consultations,
        EventKind::Meeting => pb::EventType::Meeting,
        EventKind::Visit => pb::EventType::Visit,
        EventKind::Call => pb::EventType::Call,
        EventKind::Signing => pb::EventType::Signing,
        EventKind::Multilateral => pb::EventType::Multilateral,
        EventKind::Other => pb::EventType::Other,
    }
}

fn event(doc: &str, e: &Event) -> pb::Event {
    let Event { kind, date, place, participants, ordinal, countries, evidence: ev } = e;
    pb::Event {
        document_id: doc.to_owned(),
        r#type: event_type(*kind).into(),
        date: date.map(|d| d.to_string()).unwrap_or_default(),
        place: or_empty(place),
        participants: participants.clone(),
        round_ordinal: ordinal.unwrap_or(0),
        country_codes: countries.clone(),
        evidence: evidence(doc, ev),
    }
}

fn quote(doc: &str, q: &Quote) -> pb::Quote {
    let Quote { text, speaker, evidence: ev } = q;
    pb::Quote { document_id: doc.to_owned(), text: text.clone(), speaker: or_empty(speaker), evidence: evidence(doc, ev) }
}

fn figure(doc: &str, f: &Figure) -> pb::Figure {
    let Figure { value, unit, metric, period, countries, evidence: ev } = f;
    pb::Figure {
        document_id: doc.to_owned(),
        value: *value,
        unit: unit.clone(),
        metric: metric.clone(),
        period: or_empty(period),
        country_codes: countries.clone(),
        evidence: evidence(doc, ev),
    }
}

fn topic(doc: &str, t: &Topic) -> pb::Topic {
    let Topic { name, score, evidence: ev } = t;
    pb::Topic { name: name.clone(), score: *score, evidence: evidence(doc, ev) }
}

/// Returns a stored event.
pub fn doc_event(e: &DocFact<Event>) -> pb::Event {
    event(&e.document_id, &e.fact)
}

/// Returns a stored quote.
pub fn doc_quote(q: &DocFact<Quote>) -> pb::Quote {
    quote(&q.document_id, &q.fact)
}

/// Returns a stored figure.
pub fn doc_figure(f: &DocFact<Figure>) -> pb::Figure {
    figure(&f.document_id, &f.fact)
}

/// Returns a merged person profile.
pub fn profile(p: &PersonProfile) -> pb::PersonProfile {
    let PersonProfile { name, aliases, titles, organizations, country, document_ids, quote_count, document_count } = p;
    pb::PersonProfile {
        name: name.clone(),
        aliases: aliases.clone(),
        titles: titles.clone(),
        organizations: organizations.clone(),
        country_code: or_empty(country),
        document_ids: document_ids.clone(),
        quote_count: *quote_count,
        document_count: *document_count,
    }
}

/// Returns everything known about one person.
pub fn person_detail(d: &PersonDetail) -> pb::GetPersonResponse {
    let PersonDetail { profile: p, mentions, quotes, events } = d;
    pb::GetPersonResponse {
        person: Some(profile(p)),
        mentions: mentions.iter().map(|m| person(&m.document_id, &m.fact)).collect(),
        quotes: quotes.iter().map(doc_quote).collect(),
        events: events.iter().map(doc_event).collect(),
    }
}
