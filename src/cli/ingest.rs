//! `briefing ingest`: reads release files and streams them to a running
//! server over `IngestDocuments`, with a progress bar and a final summary.

use std::io::Write;
use std::path::PathBuf;

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
}

/// Streams every document to the server and prints the summary to `out`.
pub async fn run(args: &IngestArgs, out: &mut impl Write) -> Result<IngestReport, CliError> {
    let mut docs = Vec::new();
    for path in &args.paths {
        docs.extend(docfile::read_path(path)?);
    }
    let conn = Connection::open(&args.client.server).await?;
    let report = send(&conn, docs).await?;
    writeln!(
        out,
        "created {}, duplicate {}, rejected {} ({} facts stored)",
        report.created,
        report.duplicate,
        report.rejected.len(),
        report.facts
    )?;
    for (name, reason) in &report.rejected {
        writeln!(out, "rejected {name}: {reason}")?;
    }
    Ok(report)
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

async fn send(conn: &Connection, docs: Vec<Document>) -> Result<IngestReport, CliError> {
    let names: Vec<String> = docs.iter().map(|d| d.id.clone()).collect();
    let bar = ProgressBar::new(docs.len() as u64);
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
    Ok(report)
}
