//! `briefing query`: asks a running server for documents, persons, events,
//! quotes and figures, or watches new facts, and prints aligned tables (or
//! JSON lines with `--json`).

use std::io::Write;

use serde_json::{Value, json};

use super::client::{CliError, Connection, MAX_MESSAGE_BYTES};
use super::table::{print_json_lines, print_table};
use crate::config::ClientConfig;
use crate::pb;
use crate::pb::query_service_client::QueryServiceClient;

/// Arguments of `briefing query`.
#[derive(Debug, clap::Args)]
pub struct QueryArgs {
    /// What to ask for.
    #[command(subcommand)]
    pub what: What,
    /// Print one JSON object per line instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
    /// Most items to print (listings fetch pages until they have this many).
    #[arg(long, global = true, default_value_t = 100)]
    pub limit: usize,
    /// Server to ask.
    #[command(flatten)]
    pub client: ClientConfig,
}

/// The kinds of query.
#[derive(Debug, clap::Subcommand)]
pub enum What {
    /// Stored documents, in ingestion order.
    Documents {
        /// Only documents from this source.
        #[arg(long)]
        source: Option<String>,
        /// Only documents whose text contains all these words ("quoted words" as a phrase).
        #[arg(long)]
        text: Option<String>,
    },
    /// Persons merged across documents, with every title seen.
    Persons {
        /// Only persons serving this state (ISO alpha-2, e.g. KZ).
        #[arg(long)]
        country: Option<String>,
        /// Only persons whose name contains this.
        #[arg(long)]
        name: Option<String>,
    },
    /// One person: titles, documents, quotes and events.
    Person {
        /// The person's name (or a surname used as alias).
        name: String,
    },
    /// Events, filtered.
    Events {
        /// Only events this person took part in.
        #[arg(long)]
        participant: Option<String>,
        /// Only events involving this state (ISO alpha-2); given twice, the
        /// events between the two states.
        #[arg(long)]
        country: Vec<String>,
        /// Only events of this type (consultations, meeting, visit, call, signing, multilateral, other).
        #[arg(long = "type")]
        kind: Option<String>,
        /// Only events at this place.
        #[arg(long)]
        place: Option<String>,
        /// Only events on or after this date (YYYY[-MM[-DD]]).
        #[arg(long)]
        since: Option<String>,
        /// Only events on or before this date (YYYY[-MM[-DD]]).
        #[arg(long)]
        until: Option<String>,
    },
    /// Quotes by speaker or words.
    Quotes {
        /// Only quotes by this speaker.
        #[arg(long)]
        speaker: Option<String>,
        /// Only quotes containing all these words.
        #[arg(long)]
        words: Option<String>,
    },
    /// Figures by metric, country and period.
    Figures {
        /// Only figures of this metric (e.g. trade_turnover).
        #[arg(long)]
        metric: Option<String>,
        /// Only figures about this state (ISO alpha-2).
        #[arg(long)]
        country: Option<String>,
        /// Only figures for this period (e.g. 2024).
        #[arg(long)]
        period: Option<String>,
    },
    /// Prints the facts of every document ingested from now on, until Ctrl-C.
    Watch {
        /// Only documents about this state (ISO alpha-2).
        #[arg(long)]
        country: Option<String>,
        /// Only documents naming this person.
        #[arg(long)]
        person: Option<String>,
        /// Only documents reporting an event of this type.
        #[arg(long = "type")]
        kind: Option<String>,
    },
}

type Client = QueryServiceClient<super::client::AuthChannel>;

/// Runs the query and prints the answer to `out`.
pub async fn run(args: QueryArgs, out: &mut impl Write) -> Result<(), CliError> {
    // Checked before connecting, so that the mistake is what gets reported.
    if let What::Events { country, .. } = &args.what {
        country_pair(country)?;
    }
    let conn = Connection::open(&args.client).await?;
    let mut client = QueryServiceClient::new(conn.channel.clone())
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES);
    let limit = args.limit.max(1);
    let s = |o: Option<String>| o.unwrap_or_default();
    let (columns, rows): (&[(&str, &str)], Vec<Value>) = match args.what {
        What::Documents { source, text } => {
            let rows = collect(limit, |page_size, page_token| {
                let (source, text) = (s(source.clone()), s(text.clone()));
                let req = pb::ListDocumentsRequest { page_size, page_token, source, text };
                let mut c = client.clone();
                async move {
                    let r = c.list_documents(req).await?.into_inner();
                    Ok((r.documents.iter().map(document_json).collect(), r.next_page_token))
                }
            })
            .await
            .map_err(|e| conn.error(e))?;
            (&[("ID", "id"), ("PUBLISHED", "published_date"), ("SOURCE", "source"), ("TITLE", "title")], rows)
        }
        What::Persons { country, name } => {
            let rows = collect(limit, |page_size, page_token| {
                let req = pb::ListPersonsRequest { page_size, page_token, country_code: s(country.clone()), name_contains: s(name.clone()) };
                let mut c = client.clone();
                async move {
                    let r = c.list_persons(req).await?.into_inner();
                    Ok((r.persons.iter().map(profile_json).collect(), r.next_page_token))
                }
            })
            .await
            .map_err(|e| conn.error(e))?;
            (&[("NAME", "name"), ("COUNTRY", "country_code"), ("TITLES", "titles"), ("DOCS", "documents"), ("QUOTES", "quote_count")], rows)
        }
        What::Person { name } => return person(&mut client, &conn, name, args.json, out).await,
        What::Events { participant, country, kind, place, since, until } => {
            let r#type = event_type(kind.as_deref())?;
            let (country, other_country) = country_pair(&country)?;
            let rows = collect(limit, |page_size, page_token| {
                let req = pb::ListEventsRequest {
                    page_size,
                    page_token,
                    participant: s(participant.clone()),
                    country_code: s(country.clone()),
                    r#type,
                    place: s(place.clone()),
                    start_date: s(since.clone()),
                    end_date: s(until.clone()),
                    other_country_code: s(other_country.clone()),
                };
                let mut c = client.clone();
                async move {
                    let r = c.list_events(req).await?.into_inner();
                    Ok((r.events.iter().map(event_json).collect(), r.next_page_token))
                }
            })
            .await
            .map_err(|e| conn.error(e))?;
            (EVENT_COLUMNS, rows)
        }
        What::Quotes { speaker, words } => {
            let rows = collect(limit, |page_size, page_token| {
                let req = pb::ListQuotesRequest { page_size, page_token, speaker: s(speaker.clone()), words: s(words.clone()) };
                let mut c = client.clone();
                async move {
                    let r = c.list_quotes(req).await?.into_inner();
                    Ok((r.quotes.iter().map(quote_json).collect(), r.next_page_token))
                }
            })
            .await
            .map_err(|e| conn.error(e))?;
            (QUOTE_COLUMNS, rows)
        }
        What::Figures { metric, country, period } => {
            let rows = collect(limit, |page_size, page_token| {
                let req = pb::ListFiguresRequest {
                    page_size,
                    page_token,
                    metric: s(metric.clone()),
                    country_code: s(country.clone()),
                    period: s(period.clone()),
                };
                let mut c = client.clone();
                async move {
                    let r = c.list_figures(req).await?.into_inner();
                    Ok((r.figures.iter().map(figure_json).collect(), r.next_page_token))
                }
            })
            .await
            .map_err(|e| conn.error(e))?;
            (&[("METRIC", "metric"), ("VALUE", "value"), ("UNIT", "unit"), ("PERIOD", "period"), ("COUNTRIES", "country_codes"), ("DOCUMENT", "document_id")], rows)
        }
        What::Watch { country, person, kind } => {
            let req = pb::WatchFactsRequest { country_code: s(country), person: s(person), event_type: event_type(kind.as_deref())? };
            return watch(&mut client, &conn, req, args.json, out).await;
        }
    };
    if args.json { print_json_lines(out, &rows)? } else { print_table(out, columns, &rows)? }
    Ok(())
}

const EVENT_COLUMNS: &[(&str, &str)] =
    &[("TYPE", "type"), ("DATE", "date"), ("PLACE", "place"), ("ROUND", "round_ordinal"), ("PARTICIPANTS", "participants"), ("DOCUMENT", "document_id")];
const QUOTE_COLUMNS: &[(&str, &str)] = &[("SPEAKER", "speaker"), ("QUOTE", "text"), ("DOCUMENT", "document_id")];

/// Fetches pages until `limit` items or the last page.
async fn collect<F, Fut>(limit: usize, mut fetch: F) -> Result<Vec<Value>, tonic::Status>
where
    F: FnMut(i32, String) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<Value>, String), tonic::Status>>,
{
    let mut rows = Vec::new();
    let mut token = String::new();
    loop {
        let want = (limit - rows.len()).min(1000) as i32;
        let (page, next) = fetch(want, token).await?;
        rows.extend(page);
        if next.is_empty() || rows.len() >= limit {
            rows.truncate(limit);
            return Ok(rows);
        }
        token = next;
    }
}

async fn person(client: &mut Client, conn: &Connection, name: String, json: bool, out: &mut impl Write) -> Result<(), CliError> {
    let r = client.get_person(pb::GetPersonRequest { name }).await.map_err(|e| conn.error(e))?.into_inner();
    let profile = r.person.as_ref().map(profile_json).unwrap_or(Value::Null);
    let quotes: Vec<Value> = r.quotes.iter().map(quote_json).collect();
    let events: Vec<Value> = r.events.iter().map(event_json).collect();
    if json {
        writeln!(out, "{}", json!({"person": profile, "quotes": quotes, "events": events}))?;
        return Ok(());
    }
    let field = |k: &str| super::table::cell_text(profile.get(k).unwrap_or(&Value::Null));
    writeln!(out, "{}  [{}]", field("name"), field("country_code"))?;
    writeln!(out, "titles:        {}", field("titles"))?;
    writeln!(out, "organizations: {}", field("organizations"))?;
    writeln!(out, "aliases:       {}", field("aliases"))?;
    writeln!(out, "documents:     {}", field("documents"))?;
    writeln!(out, "\nEvents")?;
    print_table(out, EVENT_COLUMNS, &events)?;
    writeln!(out, "\nQuotes")?;
    print_table(out, QUOTE_COLUMNS, &quotes)?;
    Ok(())
}

async fn watch(
    client: &mut Client,
    conn: &Connection,
    req: pb::WatchFactsRequest,
    json: bool,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let mut stream = client.watch_facts(req).await.map_err(|e| conn.error(e))?.into_inner();
    while let Some(msg) = stream.message().await.map_err(|e| conn.error(e))? {
        match msg.event {
            Some(pb::watch_facts_response::Event::Facts(f)) => {
                if json {
                    writeln!(out, "{}", facts_json(&f))?;
                } else {
                    writeln!(out, "== {}  ({} persons, {} events, {} quotes, {} figures)", f.document_id, f.persons.len(), f.events.len(), f.quotes.len(), f.figures.len())?;
                    let events: Vec<Value> = f.events.iter().map(event_json).collect();
                    if !events.is_empty() {
                        print_table(out, EVENT_COLUMNS, &events)?;
                    }
                }
            }
            Some(pb::watch_facts_response::Event::Lagged(l)) => {
                writeln!(out, "(missed {} documents: reading too slowly)", l.missed_documents)?;
            }
            None => {}
        }
        out.flush()?;
    }
    Ok(())
}

/// Returns the one state, or the pair, that `--country` names.
fn country_pair(codes: &[String]) -> Result<(Option<String>, Option<String>), CliError> {
    match codes {
        [] => Ok((None, None)),
        [one] => Ok((Some(one.clone()), None)),
        [one, other] => Ok((Some(one.clone()), Some(other.clone()))),
        more => Err(CliError::Usage(format!("--country was given {} times; give one state, or two for a pair", more.len()))),
    }
}

/// Returns the wire value of an event type name, or why it is not one.
fn event_type(name: Option<&str>) -> Result<i32, CliError> {
    let Some(name) = name else { return Ok(pb::EventType::Unspecified.into()) };
    let wire = format!("EVENT_TYPE_{}", name.trim().to_ascii_uppercase());
    pb::EventType::from_str_name(&wire).map(Into::into).ok_or_else(|| {
        CliError::Usage(format!(
            "unknown event type {name:?}; use consultations, meeting, visit, call, signing, multilateral or other"
        ))
    })
}

fn type_name(t: i32) -> String {
    pb::EventType::try_from(t)
        .map(|t| t.as_str_name().trim_start_matches("EVENT_TYPE_").to_ascii_lowercase())
        .unwrap_or_else(|_| t.to_string())
}

fn document_json(d: &pb::Document) -> Value {
    json!({"id": d.id, "url": d.url, "source": d.source, "title": d.title, "published_date": d.published_date,
           "language": d.language, "text_bytes": d.text_bytes,
           "ingest_time": d.ingest_time.as_ref().map(|t| t.seconds)})
}

fn profile_json(p: &pb::PersonProfile) -> Value {
    json!({"name": p.name, "aliases": p.aliases, "titles": p.titles, "organizations": p.organizations,
           "country_code": p.country_code, "documents": p.document_ids, "document_count": p.document_count,
           "quote_count": p.quote_count})
}

fn evidence_json(e: &[pb::Evidence]) -> Value {
    e.iter()
        .map(|e| json!({"document_id": e.document_id, "sentence_index": e.sentence_index, "rule": e.rule,
                        "spans": e.spans.iter().map(|s| [s.start, s.end]).collect::<Vec<_>>()}))
        .collect()
}

fn event_json(e: &pb::Event) -> Value {
    json!({"document_id": e.document_id, "type": type_name(e.r#type), "date": e.date, "place": e.place,
           "participants": e.participants, "round_ordinal": (e.round_ordinal > 0).then_some(e.round_ordinal),
           "country_codes": e.country_codes, "evidence": evidence_json(&e.evidence)})
}

fn quote_json(q: &pb::Quote) -> Value {
    json!({"document_id": q.document_id, "speaker": q.speaker, "text": q.text, "evidence": evidence_json(&q.evidence)})
}

fn figure_json(f: &pb::Figure) -> Value {
    json!({"document_id": f.document_id, "metric": f.metric, "value": f.value, "unit": f.unit, "period": f.period,
           "country_codes": f.country_codes, "evidence": evidence_json(&f.evidence)})
}

fn facts_json(f: &pb::Facts) -> Value {
    json!({
        "document_id": f.document_id,
        "published_date": f.published_date,
        "persons": f.persons.iter().map(|p| json!({"name": p.name, "aliases": p.aliases, "titles": p.titles,
            "organization": p.organization, "country_code": p.country_code})).collect::<Vec<_>>(),
        "organizations": f.organizations.iter().map(|o| json!({"name": o.name, "country_code": o.country_code})).collect::<Vec<_>>(),
        "countries": f.countries.iter().map(|c| c.code.clone()).collect::<Vec<_>>(),
        "places": f.places.iter().map(|p| json!({"name": p.name, "country_code": p.country_code})).collect::<Vec<_>>(),
        "events": f.events.iter().map(event_json).collect::<Vec<_>>(),
        "quotes": f.quotes.iter().map(quote_json).collect::<Vec<_>>(),
        "figures": f.figures.iter().map(figure_json).collect::<Vec<_>>(),
        "topics": f.topics.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
    })
}
