//! Query latency against a running server: takes real filter values from the
//! store's own listings (participants, states and dates of events, pairs of
//! states, speakers, metrics with a country, persons, words of quotes), also
//! lists the persons of those states and searches the documents' text for
//! participants' names as phrases and the quotes' text for their words;
//! checks that each query kind answers, then times every kind in turn, one
//! call at a time, and prints p50, p99 and max per kind. Calls that fail (a person too often
//! mentioned for one message, say) are listed with their error and the time
//! it took, and left out of the rounds.
//!
//! ```text
//! cargo run --release --example query_load -- URL [ROUNDS]
//! ```
//!
//! Each round calls every kind once per chosen value (up to 20 values a
//! kind, spread over the values seen); ROUNDS defaults to 25.

#[path = "support/mod.rs"]
#[allow(dead_code)]
mod support;

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::{Context as _, bail};
use briefing::pb;
use briefing::pb::query_service_client::QueryServiceClient;
use support::{Latencies, connect};
use tonic::transport::Channel;

/// Most values per query kind.
const VALUES: usize = 20;
/// Listing pages read to find values, and their size.
const SAMPLE_PAGES: usize = 3;
const SAMPLE_PAGE_SIZE: i32 = 1000;

type Client = QueryServiceClient<Channel>;

/// One timed query: a label and the request values.
#[derive(Debug, Clone)]
enum Call {
    EventsByParticipant(String),
    EventsByCountryAndDates { country: String, start: String, end: String },
    EventsByCountryPairAndDates { country: String, other: String, start: String, end: String },
    QuotesBySpeaker(String),
    FiguresByMetricAndCountry { metric: String, country: String },
    GetPerson(String),
    /// Documents whose text holds these words (double quotes: a phrase).
    DocumentsByText(String),
    QuotesByWords(String),
    PersonsByCountry(String),
}

impl Call {
    fn kind(&self) -> &'static str {
        match self {
            Self::EventsByParticipant(_) => "events_by_participant",
            Self::EventsByCountryAndDates { .. } => "events_by_country_and_dates",
            Self::EventsByCountryPairAndDates { .. } => "events_by_country_pair_and_dates",
            Self::QuotesBySpeaker(_) => "quotes_by_speaker",
            Self::FiguresByMetricAndCountry { .. } => "figures_by_metric_and_country",
            Self::GetPerson(_) => "get_person",
            Self::DocumentsByText(_) => "documents_by_phrase",
            Self::QuotesByWords(_) => "quotes_by_words",
            Self::PersonsByCountry(_) => "persons_by_country",
        }
    }

    /// Runs the call; returns how many items the answer holds.
    async fn run(&self, c: &mut Client) -> anyhow::Result<usize> {
        Ok(match self.clone() {
            Self::EventsByParticipant(participant) => {
                c.list_events(pb::ListEventsRequest { participant, ..Default::default() }).await?.into_inner().events.len()
            }
            Self::EventsByCountryAndDates { country, start, end } => {
                let r = pb::ListEventsRequest { country_code: country, start_date: start, end_date: end, ..Default::default() };
                c.list_events(r).await?.into_inner().events.len()
            }
            Self::EventsByCountryPairAndDates { country, other, start, end } => {
                let r = pb::ListEventsRequest {
                    country_code: country,
                    other_country_code: other,
                    start_date: start,
                    end_date: end,
                    ..Default::default()
                };
                c.list_events(r).await?.into_inner().events.len()
            }
            Self::QuotesBySpeaker(speaker) => {
                c.list_quotes(pb::ListQuotesRequest { speaker, ..Default::default() }).await?.into_inner().quotes.len()
            }
            Self::FiguresByMetricAndCountry { metric, country } => {
                let r = pb::ListFiguresRequest { metric, country_code: country, ..Default::default() };
                c.list_figures(r).await?.into_inner().figures.len()
            }
            Self::GetPerson(name) => {
                let p = c.get_person(pb::GetPersonRequest { name }).await?.into_inner();
                p.mentions.len() + p.quotes.len() + p.events.len()
            }
            Self::DocumentsByText(text) => {
                c.list_documents(pb::ListDocumentsRequest { text, ..Default::default() }).await?.into_inner().documents.len()
            }
            Self::QuotesByWords(words) => {
                c.list_quotes(pb::ListQuotesRequest { words, ..Default::default() }).await?.into_inner().quotes.len()
            }
            Self::PersonsByCountry(country_code) => {
                c.list_persons(pb::ListPersonsRequest { country_code, ..Default::default() }).await?.into_inner().persons.len()
            }
        })
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let url = args.first().context("usage: query_load URL [ROUNDS]")?;
    let rounds: usize = args.get(1).map_or(Ok(25), |r| r.parse()).context("ROUNDS must be a number")?;
    let mut client = QueryServiceClient::new(connect(url).await?).max_decoding_message_size(64 << 20);
    let calls = plan(&mut client).await?;

    // Check the answers (and warm the caches) before timing anything. A call
    // that fails is reported with its error and not repeated.
    let mut answered = BTreeMap::<&str, usize>::new();
    let mut failed = BTreeMap::<&str, Vec<String>>::new();
    let mut timed = Vec::new();
    for call in &calls {
        let started = Instant::now();
        match call.run(&mut client).await {
            Ok(items) => {
                *answered.entry(call.kind()).or_default() += items;
                timed.push(call.clone());
            }
            Err(e) => {
                let ms = started.elapsed().as_secs_f64() * 1000.0;
                failed.entry(call.kind()).or_default().push(format!("{call:?} after {ms:.0} ms: {e}"));
            }
        }
    }
    for call in &calls {
        if answered.get(call.kind()).is_none_or(|items| *items == 0) {
            bail!("{}: no call found anything; the store holds too little", call.kind());
        }
    }

    let mut timings = BTreeMap::<&str, Latencies>::new();
    let mut slowest = BTreeMap::<&str, (std::time::Duration, &Call)>::new();
    for _ in 0..rounds {
        for call in &timed {
            let started = Instant::now();
            let _ = call.run(&mut client).await;
            let elapsed = started.elapsed();
            timings.entry(call.kind()).or_default().push(elapsed);
            let worst = slowest.entry(call.kind()).or_insert((elapsed, call));
            if elapsed > worst.0 {
                *worst = (elapsed, call);
            }
        }
    }
    for (kind, latencies) in &timings {
        let values = calls.iter().filter(|c| c.kind() == *kind).count();
        let errors = failed.get(kind).map_or(0, Vec::len);
        println!(
            "query kind={kind} values={values} failing_values={errors} calls={} items_first_round={} {}",
            latencies.len(),
            answered[kind],
            latencies.summary("latency")
        );
        if let Some((elapsed, call)) = slowest.get(kind) {
            println!("#   slowest: {call:?} {:.1} ms", elapsed.as_secs_f64() * 1000.0);
        }
        for e in failed.get(kind).into_iter().flatten() {
            println!("#   failed: {e}");
        }
    }
    Ok(())
}

/// Returns the calls to time, with values read from the store's listings.
async fn plan(c: &mut Client) -> anyhow::Result<Vec<Call>> {
    let (mut participants, mut years, mut speakers, mut metric_countries) = (vec![], vec![], vec![], vec![]);
    let mut quote_words = vec![];
    let mut pairs = vec![];
    let mut token = String::new();
    for _ in 0..SAMPLE_PAGES {
        let page = c.list_events(pb::ListEventsRequest { page_size: SAMPLE_PAGE_SIZE, page_token: token, ..Default::default() }).await?.into_inner();
        for e in page.events {
            pairs.extend(pair(&e.country_codes));
            participants.extend(e.participants);
            years.extend(e.date.get(..4).map(str::to_owned));
        }
        token = page.next_page_token;
    }
    let mut token = String::new();
    for _ in 0..SAMPLE_PAGES {
        let page = c.list_quotes(pb::ListQuotesRequest { page_size: SAMPLE_PAGE_SIZE, page_token: token, ..Default::default() }).await?.into_inner();
        for q in page.quotes {
            quote_words.extend(two_long_words(&q.text));
            if !q.speaker.is_empty() {
                speakers.push(q.speaker);
            }
        }
        token = page.next_page_token;
    }
    let mut token = String::new();
    for _ in 0..SAMPLE_PAGES {
        let page = c.list_figures(pb::ListFiguresRequest { page_size: SAMPLE_PAGE_SIZE, page_token: token, ..Default::default() }).await?.into_inner();
        for f in page.figures {
            pairs.extend(pair(&f.country_codes));
            metric_countries.extend(f.country_codes.first().map(|country| (f.metric.clone(), country.clone())));
        }
        token = page.next_page_token;
    }
    // Events carry the states of their participants in the index, not always in
    // the event itself: take the states figures are about, each with a year
    // events were seen in (a year: the range a reader would ask for).
    let years = spread(years);
    let countries = spread(metric_countries.iter().map(|(_, country)| country.clone()).collect());
    let person_countries = countries.clone();
    let country_dates = countries.into_iter().enumerate().filter_map(|(i, country)| {
        let year = years.get(i % years.len().max(1))?;
        Some((country, format!("{year}-01-01"), format!("{year}-12-31")))
    });
    // Two states and a year picked apart rarely meet: give each pair the first
    // year, from its place in the list on, in which the pair has an event.
    let mut pair_dates = Vec::new();
    for (i, (country, other)) in spread(pairs).into_iter().enumerate() {
        let mut chosen = None;
        for year in years.iter().cycle().skip(i).take(years.len()) {
            let call = Call::EventsByCountryPairAndDates {
                country: country.clone(),
                other: other.clone(),
                start: format!("{year}-01-01"),
                end: format!("{year}-12-31"),
            };
            let found = call.run(c).await?;
            chosen.get_or_insert_with(|| call.clone());
            if found > 0 {
                chosen = Some(call);
                break;
            }
        }
        pair_dates.extend(chosen);
    }
    let persons = spread(participants.iter().chain(&speakers).cloned().collect());
    let phrases = spread(participants.iter().filter(|p| p.contains(' ')).map(|p| format!("\"{p}\"")).collect());
    let mut calls: Vec<Call> = spread(participants).into_iter().map(Call::EventsByParticipant).collect();
    calls.extend(country_dates.map(|(country, start, end)| Call::EventsByCountryAndDates { country, start, end }));
    calls.extend(pair_dates);
    calls.extend(spread(speakers).into_iter().map(Call::QuotesBySpeaker));
    calls.extend(spread(metric_countries).into_iter().map(|(metric, country)| Call::FiguresByMetricAndCountry { metric, country }));
    calls.extend(persons.into_iter().map(Call::GetPerson));
    calls.extend(phrases.into_iter().map(Call::DocumentsByText));
    calls.extend(spread(quote_words).into_iter().map(Call::QuotesByWords));
    calls.extend(person_countries.into_iter().map(Call::PersonsByCountry));
    Ok(calls)
}

/// Returns the first two states of a fact that names two or more.
fn pair(codes: &[String]) -> Option<(String, String)> {
    match codes {
        [a, b, ..] => Some((a.clone(), b.clone())),
        _ => None,
    }
}

/// Returns the first two words of eight letters or more in a quote, as a
/// reader searching quotes for a subject would type them.
fn two_long_words(text: &str) -> Option<String> {
    let mut words = text.split(|c: char| !c.is_alphabetic()).filter(|w| w.chars().count() >= 8);
    Some(format!("{} {}", words.next()?, words.next()?))
}

/// Returns up to [`VALUES`] distinct values, evenly spread over their order
/// of first appearance, so that both frequent and rare values are timed.
fn spread<T: PartialEq + Clone>(values: Vec<T>) -> Vec<T> {
    let mut distinct: Vec<T> = Vec::new();
    for v in values {
        if !distinct.contains(&v) {
            distinct.push(v);
        }
    }
    let step = distinct.len().div_ceil(VALUES).max(1);
    distinct.into_iter().step_by(step).take(VALUES).collect()
}
