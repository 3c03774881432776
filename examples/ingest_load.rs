//! Ingest load generator: streams releases from a JSONL file to one or more
//! running servers under fresh ids, repeating the file as often as needed,
//! and prints documents and megabytes per second and the acknowledgement
//! latency (from handing a document to the stream to receiving its
//! acknowledgement). Checks that every document was created before
//! reporting a figure.
//!
//! ```text
//! cargo run --release --example ingest_load -- DOCS STREAMS_PER_SERVER FILE URL [URL...]
//!     [--rate DOCS_PER_S] [--server-pid PID] [--watch]
//! cargo run --release --example ingest_load -- 30000 4 ../shared/corpus/us-gov-releases.jsonl \
//!     http://127.0.0.1:50051 --server-pid 1234
//! ```
//!
//! `--rate` paces the documents to a fixed total rate (without it they go as
//! fast as the servers take them); `--server-pid` adds the server's peak
//! resident memory; `--watch` subscribes to `WatchFacts` on the first server
//! before sending and reports, per document, the time from its
//! acknowledgement to the subscriber receiving its facts (negative when the
//! facts arrive first).

#[path = "support/mod.rs"]
#[allow(dead_code)]
mod support;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use briefing::pb;
use briefing::pb::ingest_service_client::IngestServiceClient;
use briefing::pb::query_service_client::QueryServiceClient;
use briefing::pb::watch_facts_response::Event as WatchEvent;
use support::{Latencies, connect, peak_rss_mib};
use tokio::sync::mpsc;
use tonic::transport::Channel;

/// The command line.
struct Options {
    count: usize,
    streams: usize,
    file: PathBuf,
    servers: Vec<String>,
    rate: Option<f64>,
    server_pid: Option<u32>,
    watch: bool,
}

fn options() -> anyhow::Result<Options> {
    let usage = "usage: ingest_load DOCS STREAMS_PER_SERVER FILE URL [URL...] [--rate N] [--server-pid PID] [--watch]";
    let (mut positional, mut rate, mut server_pid, mut watch) = (Vec::new(), None, None, false);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rate" => rate = Some(args.next().context(usage)?.parse().context("--rate must be a number")?),
            "--server-pid" => server_pid = Some(args.next().context(usage)?.parse().context("--server-pid must be a number")?),
            "--watch" => watch = true,
            _ => positional.push(arg),
        }
    }
    if positional.len() < 4 {
        bail!(usage);
    }
    Ok(Options {
        count: positional[0].parse().context("DOCS must be a number")?,
        streams: positional[1].parse::<usize>().context("STREAMS_PER_SERVER must be a number")?.max(1),
        file: PathBuf::from(&positional[2]),
        servers: positional[3..].to_vec(),
        rate,
        server_pid,
        watch,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let opts = options()?;
    let corpus = Arc::new(load(&opts.file)?);
    let run = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
    let bytes: usize = (0..opts.count).map(|i| corpus[i % corpus.len()].text.len()).sum();
    let watched = match opts.watch {
        true => Some(Watcher::start(connect(&opts.servers[0]).await?).await?),
        false => None,
    };

    // Document i goes to lane i % lanes; lanes are dealt round-robin to servers.
    let lanes = opts.servers.len() * opts.streams;
    let mut clients = Vec::new();
    for lane in 0..lanes {
        let channel = connect(&opts.servers[lane % opts.servers.len()]).await?;
        clients.push(IngestServiceClient::new(channel).max_encoding_message_size(16 << 20));
    }
    let started = Instant::now();
    let tasks: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(lane, client)| {
            let plan = Lane { corpus: Arc::clone(&corpus), run, next: lane, step: lanes, count: opts.count, started, rate: opts.rate };
            tokio::spawn(stream(client, plan))
        })
        .collect();
    let mut total = LaneReport::default();
    for task in tasks {
        total.merge(task.await??);
    }
    let elapsed = started.elapsed();
    if total.created != opts.count {
        bail!("{} of {} documents created; first others: {:?}", total.created, opts.count, &total.other[..total.other.len().min(3)]);
    }
    let mut line = format!(
        "ingest docs={} servers={} streams={} rate={} elapsed_s={:.2} docs_per_s={:.1} mb_per_s={:.2} {}",
        opts.count,
        opts.servers.len(),
        opts.streams,
        opts.rate.map_or("max".into(), |r| format!("{r}")),
        elapsed.as_secs_f64(),
        opts.count as f64 / elapsed.as_secs_f64(),
        bytes as f64 / 1e6 / elapsed.as_secs_f64(),
        total.acks.summary("ack"),
    );
    if let Some(watcher) = watched {
        line.push(' ');
        line.push_str(&watcher.finish(&total.acked).await);
    }
    if let Some(mib) = opts.server_pid.and_then(peak_rss_mib) {
        line.push_str(&format!(" server_peak_rss_mb={mib:.1}"));
    }
    println!("{line}");
    Ok(())
}

/// Returns every release of a JSONL file, ids left for the lanes to set.
fn load(path: &std::path::Path) -> anyhow::Result<Vec<pb::DocumentInput>> {
    let docs = briefing::docfile::read_path(path)?;
    if docs.is_empty() {
        bail!("{} holds no documents", path.display());
    }
    Ok(docs
        .into_iter()
        .map(|d| pb::DocumentInput {
            id: String::new(),
            url: d.url.unwrap_or_default(),
            source: d.source.unwrap_or_default(),
            title: d.title.unwrap_or_default(),
            published_date: d.published.map(|p| p.to_string()).unwrap_or_default(),
            language: d.language.unwrap_or_default(),
            text: d.text,
        })
        .collect())
}

/// The documents one stream sends: indexes `next`, `next + step`, … below
/// `count`, document `i` being release `i % corpus.len()` under a fresh id,
/// sent no earlier than `started + i / rate` when a rate is set.
struct Lane {
    corpus: Arc<Vec<pb::DocumentInput>>,
    run: i128,
    next: usize,
    step: usize,
    count: usize,
    started: Instant,
    rate: Option<f64>,
}

impl Lane {
    /// Returns the next document to send, once its time has come.
    async fn next_document(&mut self) -> Option<pb::DocumentInput> {
        let i = self.next;
        if i >= self.count {
            return None;
        }
        self.next += self.step;
        if let Some(rate) = self.rate {
            tokio::time::sleep_until((self.started + Duration::from_secs_f64(i as f64 / rate)).into()).await;
        }
        let template = &self.corpus[i % self.corpus.len()];
        Some(pb::DocumentInput { id: format!("load-{:x}-{i}", self.run), ..template.clone() })
    }
}

/// What one stream saw.
#[derive(Default)]
struct LaneReport {
    created: usize,
    other: Vec<String>,
    acks: Latencies,
    /// Created document ids with the moment their acknowledgement arrived.
    acked: Vec<(String, Instant)>,
}

impl LaneReport {
    fn merge(&mut self, other: LaneReport) {
        self.created += other.created;
        self.other.extend(other.other);
        self.acks.extend(&other.acks);
        self.acked.extend(other.acked);
    }
}

/// Sends a lane's documents on one stream and times each acknowledgement
/// from the moment the stream took its document (acknowledgements come back
/// in sending order).
async fn stream(mut client: IngestServiceClient<Channel>, lane: Lane) -> anyhow::Result<LaneReport> {
    let (sent_tx, mut sent_rx) = mpsc::unbounded_channel();
    let requests = futures_util::stream::unfold((lane, sent_tx), |(mut lane, sent_tx)| async move {
        let document = lane.next_document().await?;
        // The stream polls for a document when it can send one: now is when it leaves.
        let _ = sent_tx.send(Instant::now());
        Some((pb::IngestDocumentsRequest { document: Some(document) }, (lane, sent_tx)))
    });
    let mut acks = client.ingest_documents(requests).await?.into_inner();
    let mut report = LaneReport::default();
    while let Some(ack) = acks.message().await? {
        let now = Instant::now();
        let sent = sent_rx.try_recv().context("an acknowledgement for a document not sent")?;
        report.acks.push(now - sent);
        let r = ack.result.context("an acknowledgement without a result")?;
        if r.status == pb::IngestStatus::Created as i32 {
            report.created += 1;
            report.acked.push((r.document_id, now));
        } else {
            report.other.push(format!("{}: {}", r.document_id, r.reason));
        }
    }
    Ok(report)
}

/// A `WatchFacts` subscriber recording when each document's facts arrive.
struct Watcher {
    seen: Arc<Mutex<HashMap<String, Instant>>>,
    lagged: Arc<Mutex<u64>>,
    task: tokio::task::JoinHandle<()>,
}

impl Watcher {
    /// Subscribes to every document's facts; returns once the server has the
    /// subscription.
    async fn start(channel: Channel) -> anyhow::Result<Self> {
        let mut client = QueryServiceClient::new(channel).max_decoding_message_size(16 << 20);
        let mut facts = client.watch_facts(pb::WatchFactsRequest::default()).await?.into_inner();
        let (seen, lagged) = (Arc::new(Mutex::new(HashMap::new())), Arc::new(Mutex::new(0)));
        let (seen_w, lagged_w) = (Arc::clone(&seen), Arc::clone(&lagged));
        let task = tokio::spawn(async move {
            while let Ok(Some(message)) = facts.message().await {
                let now = Instant::now();
                match message.event {
                    Some(WatchEvent::Facts(f)) => {
                        seen_w.lock().unwrap_or_else(|p| p.into_inner()).insert(f.document_id, now);
                    }
                    Some(WatchEvent::Lagged(l)) => *lagged_w.lock().unwrap_or_else(|p| p.into_inner()) += l.missed_documents,
                    None => {}
                }
            }
        });
        Ok(Self { seen, lagged, task })
    }

    /// Waits up to 5 s for the facts of every acknowledged document, then
    /// returns the latency figures.
    async fn finish(self, acked: &[(String, Instant)]) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.seen.lock().unwrap_or_else(|p| p.into_inner()).len() < acked.len() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.task.abort();
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let mut latencies = Latencies::default();
        let mut missing = 0;
        for (id, acked_at) in acked {
            match seen.get(id) {
                Some(at) if at >= acked_at => latencies.push(*at - *acked_at),
                Some(at) => latencies.push_ms(-((*acked_at - *at).as_secs_f64() * 1000.0)),
                None => missing += 1,
            }
        }
        let lagged = *self.lagged.lock().unwrap_or_else(|p| p.into_inner());
        format!("watch_received={} watch_missing={missing} watch_lagged={lagged} {}", latencies.len(), latencies.summary("watch"))
    }
}
