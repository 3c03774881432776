//! `briefing ingest`: reads release files and streams them to a running
//! server over `IngestDocuments`, with a progress bar and a final summary.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::client::{CliError, Connection, MAX_MESSAGE_BYTES};
use crate::config::ClientConfig;
use crate::docfile;
use crate::domain::Document;
use crate::pb;
use crate::pb::ingest_service_client::IngestServiceClient;

/// Documents read ahead of the server; the stream itself applies flow control.
const SEND_AHEAD: usize = 16;

/// Arguments of `briefing ingest`.
#[derive(Debug, clap::Args)]
pub struct IngestArgs {
    /// Press releases: `.txt` files (with `# key: value` headers), folders of
    /// them, or `.jsonl` files (one release per line).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Print nothing but the rejected documents (no progress bar, no summary).
    #[arg(long, short, conflicts_with = "json")]
    pub quiet: bool,
    /// Print the summary as one JSON object (no progress bar).
    #[arg(long)]
    pub json: bool,
    /// Server to send to.
    #[command(flatten)]
    pub client: ClientConfig,
}

/// What the server did with the documents sent.
#[derive(Debug, Default)]
pub struct IngestReport {
    /// Number of documents stored.
    pub created: usize,
    /// Number of documents stored before.
    pub duplicate: usize,
    /// Documents refused: name and reason.
    pub rejected: Vec<(String, String)>,
    /// Facts stored, all kinds together.
    pub facts: u64,
    /// Time from the first document sent to the last acknowledgement.
    pub elapsed: Duration,
}

/// Streams every document to the server and prints the summary to `out`.
pub async fn run(args: &IngestArgs, out: &mut impl Write) -> Result<IngestReport, CliError> {
    let mut docs = Vec::new();
    for path in &args.paths {
        docs.extend(docfile::read_path(path)?);
    }
    let conn = Connection::open(&args.client).await?;
    let bar = if args.quiet || args.json { ProgressBar::hidden() } else { ProgressBar::new(docs.len() as u64) };
    let report = send(&conn, docs, bar).await?;
    if args.json {
        serde_json::to_writer(&mut *out, &report.to_json()).map_err(std::io::Error::from)?;
        writeln!(out)?;
        return Ok(report);
    }
    if !args.quiet {
        let rate = report.sent() as f64 / report.elapsed.as_secs_f64().max(1e-9);
        let rows = [
            ("created", report.created.to_string()),
            ("duplicate", report.duplicate.to_string()),
            ("rejected", report.rejected.len().to_string()),
            ("facts stored", report.facts.to_string()),
            ("time", format!("{:.2} s ({rate:.0} documents/s)", report.elapsed.as_secs_f64())),
        ];
        for (what, value) in rows {
            writeln!(out, "{what:<13} {value:>}")?;
        }
    }
    for (name, reason) in &report.rejected {
        writeln!(out, "rejected {name}: {reason}")?;
    }
    Ok(report)
}

impl IngestReport {
    /// Documents acknowledged, whatever the outcome.
    pub fn sent(&self) -> usize {
        self.created + self.duplicate + self.rejected.len()
    }

    /// The report as JSON, for scripts.
    pub fn to_json(&self) -> serde_json::Value {
        let rejected: Vec<_> = self.rejected.iter().map(|(name, reason)| serde_json::json!({"name": name, "reason": reason})).collect();
        serde_json::json!({
            "created": self.created,
            "duplicate": self.duplicate,
            "rejected": rejected,
            "facts": self.facts,
            "seconds": self.elapsed.as_secs_f64(),
        })
    }
}

fn request(doc: &Document) -> pb::IngestDocumentsRequest {
    let Document { id, url, source, title, published, language, text } = doc.clone();
    pb::IngestDocumentsRequest {
        document: Some(pb::DocumentInput {
            id,
            url: url.unwrap_or_default(),
            source: source.unwrap_or_default(),
            title: title.unwrap_or_default(),
            published_date: published.map(|p| p.to_string()).unwrap_or_default(),
            language: language.unwrap_or_default(),
            text,
        }),
    }
}

async fn send(conn: &Connection, docs: Vec<Document>, bar: ProgressBar) -> Result<IngestReport, CliError> {
    let started = Instant::now();
    let names: Vec<String> = docs.iter().map(|d| d.id.clone()).collect();
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} documents  {per_sec}  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let (tx, rx) = mpsc::channel(SEND_AHEAD);
    tokio::spawn(async move {
        for doc in &docs {
            if tx.send(request(doc)).await.is_err() {
                return;
            }
        }
    });
    let mut client = IngestServiceClient::new(conn.channel.clone())
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES);
    let mut acks = client.ingest_documents(ReceiverStream::new(rx)).await.map_err(|s| conn.error(s))?.into_inner();
    let mut report = IngestReport::default();
    while let Some(ack) = acks.message().await.map_err(|s| conn.error(s))? {
        let Some(r) = ack.result else { continue };
        let name = names.get(r.index as usize).cloned().unwrap_or_else(|| format!("#{}", r.index));
        match pb::IngestStatus::try_from(r.status) {
            Ok(pb::IngestStatus::Created) => {
                report.created += 1;
                report.facts += r.fact_counts.map_or(0, |c| u64::from(c.total));
            }
            Ok(pb::IngestStatus::Duplicate) => report.duplicate += 1,
            _ => report.rejected.push((name.clone(), r.reason)),
        }
        bar.set_message(name);
        bar.inc(1);
    }
    bar.finish_and_clear();
    report.elapsed = started.elapsed();
    Ok(report)
}
