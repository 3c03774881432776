//! Durability of the embedded store, end to end: the real `briefing serve`
//! takes 10,000 documents on one ingest stream and is killed with SIGKILL at
//! three random points (the seed is printed; `BRIEFING_DURABILITY_SEED`
//! repeats a run). After each restart on the same data directory, which must
//! open without repair, every document the client saw acknowledged is there
//! with the facts its acknowledgement counted. At the end everything is sent
//! again from the start: what was stored comes back as a duplicate and
//! nothing is stored twice.

#[path = "process/server.rs"]
#[allow(dead_code)] // each test binary uses part of it
mod server;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use briefing::pb;
use briefing::pb::IngestStatus;
use tokio_stream::StreamExt as _;

use server::ServerProcess;

const DOCS: usize = 10_000;
const KILLS: usize = 3;
/// Hang guard for every call; far above what any call needs.
const GUARD: Duration = Duration::from_secs(120);

/// A small deterministic generator (SplitMix64), so a seed repeats a run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Returns a number in `lo..hi`.
    fn below(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo) as u64) as usize
    }
}

fn seed() -> u64 {
    let seed = std::env::var("BRIEFING_DURABILITY_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64)
    });
    eprintln!("durability seed {seed} (BRIEFING_DURABILITY_SEED={seed} repeats this run)");
    seed
}

/// Returns `DOCS` documents under fresh ids: the releases of the shared
/// corpus over and over, or generated texts when the corpus is absent.
fn documents() -> Vec<pb::DocumentInput> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/us-gov-releases.jsonl");
    let releases: Vec<(String, String, String)> = std::fs::read_to_string(&path)
        .map(|text| {
            text.lines()
                .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
                .map(|v| {
                    let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
                    (s("title"), s("published"), s("text"))
                })
                .collect()
        })
        .unwrap_or_default();
    eprintln!("{} releases from {} (generated texts if none)", releases.len(), path.display());
    (0..DOCS)
        .map(|i| {
            let (title, published_date, text) = match releases.get(i % releases.len().max(1)) {
                Some(r) => r.clone(),
                None => generated(i),
            };
            pb::DocumentInput { id: format!("durable-{i:05}"), title, published_date, text, ..Default::default() }
        })
        .collect()
}

/// Returns a distinct short release: (title, date, text).
fn generated(i: usize) -> (String, String, String) {
    let minister = ["Roman Vassilenko", "Ana Tinca", "Murat Nurtleu", "Florin Spătaru"][i % 4];
    let city = ["Astana", "Bucharest", "Vienna", "Geneva", "Tashkent"][i % 5];
    let text = format!(
        "Deputy Foreign Minister {minister} held consultations in {city} on {day} March 2025. \
         \"We agreed to deepen our partnership,\" {minister} said. \
         Trade turnover reached {i} million US dollars in 2024, release number {i}.",
        day = i % 28 + 1,
    );
    (format!("Consultations {i}"), "2025-03-29".into(), text)
}

/// What the client learnt about one document: acknowledged, and with which
/// fact counts if the acknowledgement said it was created.
type Acked = HashMap<usize, Option<pb::FactCounts>>;

/// Streams `docs[from..]` and returns the acknowledgements received. With
/// `kill_after`, kills the server after that many and keeps reading what had
/// reached the client until the stream breaks.
async fn stream(server: &mut ServerProcess, docs: &Arc<Vec<pb::DocumentInput>>, from: usize, kill_after: Option<usize>) -> Vec<pb::IngestResult> {
    let mut client = server.ingest().await;
    let all = Arc::clone(docs);
    let requests = tokio_stream::iter(from..DOCS).map(move |i| pb::IngestDocumentsRequest { document: Some(all[i].clone()) });
    let mut acks = client.ingest_documents(requests).await.expect("stream opens").into_inner();
    let mut out = Vec::new();
    loop {
        match tokio::time::timeout(GUARD, acks.message()).await.expect("no hang") {
            Ok(Some(ack)) => out.push(ack.result.expect("ack has a result")),
            Ok(None) => break,
            Err(status) => {
                assert!(kill_after.is_some(), "the stream broke without a kill: {status:?}\n{}", server.log());
                break;
            }
        }
        if Some(out.len()) == kill_after {
            server.kill();
        }
    }
    out
}

/// Records the acknowledgements of a stream that started at `from`; a
/// document acknowledged before must come back a duplicate.
fn record(acked: &mut Acked, docs: &[pb::DocumentInput], from: usize, acks: &[pb::IngestResult]) {
    for (i, ack) in acks.iter().enumerate() {
        let index = from + i;
        assert_eq!(ack.index, i as u64);
        assert_eq!(ack.document_id, docs[index].id);
        let status = IngestStatus::try_from(ack.status).expect("known status");
        match (status, acked.contains_key(&index)) {
            (IngestStatus::Created, false) => {
                acked.insert(index, ack.fact_counts);
            }
            // Stored but not acknowledged before the kill, or acknowledged before.
            (IngestStatus::Duplicate, _) => {
                acked.entry(index).or_insert(None);
            }
            other => panic!("{}: {other:?} {}", ack.document_id, ack.reason),
        }
    }
}

/// Returns the ids of every stored document, walking all pages.
async fn stored_ids(server: &ServerProcess) -> Vec<String> {
    let mut query = server.query().await;
    let (mut ids, mut token) = (Vec::new(), String::new());
    loop {
        let request = pb::ListDocumentsRequest { page_size: 1000, page_token: token, ..Default::default() };
        let page = tokio::time::timeout(GUARD, query.list_documents(request)).await.expect("no hang").expect("listing").into_inner();
        ids.extend(page.documents.into_iter().map(|d| d.id));
        if page.next_page_token.is_empty() {
            return ids;
        }
        token = page.next_page_token;
    }
}

/// Checks that every acknowledged document is stored, and that the latest
/// ones plus a random sample come back with the facts their acks counted.
async fn check_acknowledged(server: &ServerProcess, docs: &[pb::DocumentInput], acked: &Acked, rng: &mut Rng) {
    let stored: std::collections::HashSet<String> = stored_ids(server).await.into_iter().collect();
    let missing: Vec<_> = acked.keys().filter(|&&i| !stored.contains(&docs[i].id)).map(|&i| &docs[i].id).collect();
    assert!(missing.is_empty(), "{} acknowledged documents are lost, e.g. {:?}", missing.len(), &missing[..missing.len().min(5)]);

    let latest = acked.keys().copied().max().unwrap_or(0);
    let mut sample: Vec<usize> = (latest.saturating_sub(50)..=latest).filter(|i| acked.contains_key(i)).collect();
    sample.extend((0..100).map(|_| rng.below(0, latest + 1)).filter(|i| acked.contains_key(i)));
    let mut query = server.query().await;
    for index in sample {
        let request = pb::GetDocumentRequest { id: docs[index].id.clone() };
        let got = tokio::time::timeout(GUARD, query.get_document(request)).await.expect("no hang").expect("stored").into_inner();
        let (document, facts) = (got.document.expect("document"), got.facts.expect("facts"));
        assert_eq!(document.text, docs[index].text, "{}", docs[index].id);
        let Some(Some(counts)) = acked.get(&index) else { continue };
        let lens = [
            facts.persons.len(),
            facts.organizations.len(),
            facts.countries.len(),
            facts.places.len(),
            facts.events.len(),
            facts.quotes.len(),
            facts.figures.len(),
            facts.topics.len(),
        ];
        let want = [counts.persons, counts.organizations, counts.countries, counts.places, counts.events, counts.quotes, counts.figures, counts.topics];
        assert_eq!(lens.map(|n| n as u32), want, "{}: stored facts differ from the acknowledgement", docs[index].id);
        assert_eq!(lens.iter().sum::<usize>() as u32, counts.total);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_documents_survive_sigkill_and_resending_stores_nothing_twice() {
    let mut rng = Rng(seed());
    let dir = tempfile::tempdir().expect("temp dir");
    let (data, log) = (dir.path().join("data"), dir.path().join("server.log"));
    let docs = Arc::new(documents());
    // One kill in each of three spans of the run, never at its very ends.
    let span = DOCS / (KILLS + 1);
    let kill_points: Vec<usize> = (1..=KILLS).map(|k| rng.below(k * span - span / 2, k * span + span / 2)).collect();
    eprintln!("kills after {kill_points:?} acknowledged documents");

    let mut acked = Acked::new();
    let mut next = 0;
    for kill_at in kill_points {
        let mut server = ServerProcess::start(&data, &log).await;
        check_acknowledged(&server, &docs, &acked, &mut rng).await;
        let acks = stream(&mut server, &docs, next, Some(kill_at.saturating_sub(next).max(1))).await;
        let resent = acks.iter().take_while(|a| a.status == i32::from(IngestStatus::Duplicate)).count();
        record(&mut acked, &docs, next, &acks);
        next += acks.len();
        eprintln!("killed after {} acks on this stream ({resent} first ones stored unacknowledged before); {} in all", acks.len(), acked.len());
    }

    let mut server = ServerProcess::start(&data, &log).await;
    check_acknowledged(&server, &docs, &acked, &mut rng).await;
    let before = acked.clone();
    let acks = stream(&mut server, &docs, 0, None).await;
    assert_eq!(acks.len(), DOCS);
    record(&mut acked, &docs, 0, &acks);
    for index in before.keys() {
        assert_eq!(acks[*index].status, i32::from(IngestStatus::Duplicate), "{} was stored before", docs[*index].id);
    }
    let ids = stored_ids(&server).await;
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!((ids.len(), unique.len()), (DOCS, DOCS), "every document stored exactly once");
    check_acknowledged(&server, &docs, &acked, &mut rng).await;
}
