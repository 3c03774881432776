//! Ingest throughput load generator: streams releases from a JSONL file to
//! one or more running servers under fresh ids, and prints documents per
//! second. Checks that every document was created before reporting a figure.
//!
//! ```text
//! cargo run --release --example ingest_load -- DOCS STREAMS_PER_SERVER FILE URL [URL...]
//! cargo run --release --example ingest_load -- 600 2 ../shared/corpus/us-gov-releases.jsonl \
//!     http://127.0.0.1:50051 http://127.0.0.1:50052
//! ```

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use briefing::pb;
use briefing::pb::ingest_service_client::IngestServiceClient;
use tonic::transport::Channel;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 {
        bail!("usage: ingest_load DOCS STREAMS_PER_SERVER FILE URL [URL...]");
    }
    let count: usize = args[0].parse().context("DOCS must be a number")?;
    let streams: usize = args[1].parse().context("STREAMS_PER_SERVER must be a number")?;
    let docs = load(&PathBuf::from(&args[2]), count)?;
    let servers = &args[3..];

    // Documents are dealt round-robin to servers × streams.
    let lanes = servers.len() * streams.max(1);
    let mut shares: Vec<Vec<pb::DocumentInput>> = vec![Vec::new(); lanes];
    for (i, d) in docs.into_iter().enumerate() {
        shares[i % lanes].push(d);
    }
    let mut clients = Vec::new();
    for (lane, share) in shares.into_iter().enumerate() {
        let url = servers[lane % servers.len()].clone();
        let channel = connect(&url).await?;
        clients.push((IngestServiceClient::new(channel).max_encoding_message_size(16 << 20), share));
    }
    let started = Instant::now();
    let tasks: Vec<_> = clients.into_iter().map(|(client, share)| tokio::spawn(stream(client, share))).collect();
    let (mut created, mut other) = (0usize, Vec::new());
    for task in tasks {
        let (c, o) = task.await??;
        created += c;
        other.extend(o);
    }
    let elapsed = started.elapsed();
    if created != count {
        bail!("{created} of {count} documents created; first others: {:?}", &other[..other.len().min(3)]);
    }
    report(count, servers.len(), streams, elapsed);
    Ok(())
}

/// Connects to a server, waiting up to 30 s for it to start listening.
async fn connect(url: &str) -> anyhow::Result<Channel> {
    let endpoint = Channel::from_shared(url.to_owned())?.tcp_nodelay(true);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match endpoint.connect().await {
            Ok(channel) => return Ok(channel),
            Err(_) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(200)).await,
            Err(e) => return Err(e).with_context(|| format!("cannot reach {url}")),
        }
    }
}

/// Returns the first `count` releases of a JSONL file under fresh ids.
fn load(path: &Path, count: usize) -> anyhow::Result<Vec<pb::DocumentInput>> {
    let run = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
    let docs = briefing::docfile::read_path(path)?;
    if docs.len() < count {
        bail!("{} holds {} documents, fewer than {count}", path.display(), docs.len());
    }
    Ok(docs
        .into_iter()
        .take(count)
        .enumerate()
        .map(|(i, d)| pb::DocumentInput {
            id: format!("load-{run:x}-{i}"),
            url: d.url.unwrap_or_default(),
            source: d.source.unwrap_or_default(),
            title: d.title.unwrap_or_default(),
            published_date: d.published.map(|p| p.to_string()).unwrap_or_default(),
            language: d.language.unwrap_or_default(),
            text: d.text,
        })
        .collect())
}

/// Sends documents on one stream; returns how many were created and the
/// reasons of the others.
async fn stream(mut client: IngestServiceClient<Channel>, docs: Vec<pb::DocumentInput>) -> anyhow::Result<(usize, Vec<String>)> {
    let requests = tokio_stream::iter(docs.into_iter().map(|d| pb::IngestDocumentsRequest { document: Some(d) }));
    let mut acks = client.ingest_documents(requests).await?.into_inner();
    let (mut created, mut other) = (0, Vec::new());
    while let Some(ack) = acks.message().await? {
        let r = ack.result.context("an acknowledgement without a result")?;
        if r.status == pb::IngestStatus::Created as i32 {
            created += 1;
        } else {
            other.push(format!("{}: {}", r.document_id, r.reason));
        }
    }
    Ok((created, other))
}

fn report(count: usize, servers: usize, streams: usize, elapsed: Duration) {
    let rate = count as f64 / elapsed.as_secs_f64();
    println!("{count} documents, {servers} server(s) x {streams} stream(s): {:.2} s, {rate:.1} documents/s", elapsed.as_secs_f64());
}
