//! `IngestService`: the streaming and unary ingest handlers. The stream is
//! plumbing only: read requests as fast as acknowledgements can be sent,
//! process a few at a time, answer in arrival order, stop when the client
//! leaves or the server shuts down.

use std::sync::Arc;
use std::time::Instant;

use futures_util::StreamExt as _;
use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};
use tracing::{debug, info};

use super::streams::{StreamLimit, StreamPermit};
use super::{convert, stopped};
use crate::ingest::{IngestError, Ingestor, Prepared};
use crate::metrics::StreamKind;
use crate::pb;
use crate::pb::ingest_service_server::IngestService;

/// Acknowledgements buffered toward the client before reading stops.
const ACK_BUFFER: usize = 32;

/// Serves `briefing.v1.IngestService`.
pub struct IngestHandler {
    pub(super) ingestor: Arc<Ingestor>,
    pub(super) concurrency: usize,
    pub(super) stop: watch::Receiver<bool>,
    pub(super) streams: StreamLimit,
}

#[tonic::async_trait]
impl IngestService for IngestHandler {
    type IngestDocumentsStream = ReceiverStream<Result<pb::IngestDocumentsResponse, Status>>;

    async fn ingest_documents(
        &self,
        request: Request<Streaming<pb::IngestDocumentsRequest>>,
    ) -> Result<Response<Self::IngestDocumentsStream>, Status> {
        let permit = self.streams.open(StreamKind::ingest)?;
        let (tx, rx) = mpsc::channel(ACK_BUFFER);
        let pump = pump(request.into_inner(), Arc::clone(&self.ingestor), self.concurrency, self.stop.clone(), tx, permit);
        tokio::spawn(pump);
        Ok(Response::new(ReceiverStream::new(rx)))
    }

    async fn ingest_document(
        &self,
        request: Request<pb::IngestDocumentRequest>,
    ) -> Result<Response<pb::IngestDocumentResponse>, Status> {
        let started = Instant::now();
        let draft = convert::draft(request.into_inner().document).inspect_err(|_| self.ingestor.count_rejected())?;
        let outcome = self.ingestor.ingest(draft).await?;
        let result = convert::ack(0, "", &Ok(outcome), started.elapsed());
        Ok(Response::new(pb::IngestDocumentResponse { result: Some(result) }))
    }
}

/// One request on its way through the pipeline.
struct InFlight {
    index: u64,
    client_id: String,
    started: Instant,
    prepared: Result<Prepared, IngestError>,
}

/// Moves documents from the request stream through the ingestor to the
/// response channel, in two stages so that reading the next documents goes
/// on while the previous ones commit. The first stage prepares (validates
/// and reads) up to `concurrency` documents at once and queues them, in
/// arrival order, for the second; the second commits whatever is queued
/// together and acknowledges in that order. `buffered` polls the next
/// request only while fewer than `concurrency` are in flight, the queue holds
/// at most `concurrency` more, and the second stage stops taking from it while
/// the response channel is full, so HTTP/2 flow control slows a fast client
/// down instead of the server buffering its documents. The stream counts as
/// open until the pump returns and drops `_permit`.
async fn pump(
    inbound: Streaming<pb::IngestDocumentsRequest>,
    ingestor: Arc<Ingestor>,
    concurrency: usize,
    stop: watch::Receiver<bool>,
    tx: mpsc::Sender<Result<pb::IngestDocumentsResponse, Status>>,
    _permit: StreamPermit,
) {
    let (queue_tx, queue_rx) = mpsc::channel(concurrency);
    tokio::spawn(prepare_stage(inbound, Arc::clone(&ingestor), concurrency, stop, queue_tx));
    let ready = ReceiverStream::new(queue_rx).ready_chunks(concurrency);
    let mut ready = std::pin::pin!(ready);
    while let Some(chunk) = ready.next().await {
        for ack in commit(&ingestor, chunk).await {
            // A broken request stream (client reset, malformed frame) ends it.
            let last = ack.is_err();
            if tx.send(ack).await.is_err() {
                debug!("client left the ingest stream");
                return;
            }
            if last {
                return;
            }
        }
    }
}

/// The first stage of [`pump`]: prepares documents `concurrency` at a time
/// and queues them in arrival order; stops when the client or the commit
/// stage goes away, or the server shuts down.
async fn prepare_stage(
    inbound: Streaming<pb::IngestDocumentsRequest>,
    ingestor: Arc<Ingestor>,
    concurrency: usize,
    stop: watch::Receiver<bool>,
    queue: mpsc::Sender<Result<InFlight, Status>>,
) {
    let prepared = inbound
        .take_until(stopped(stop))
        .enumerate()
        .map(|(index, request)| {
            let ingestor = Arc::clone(&ingestor);
            async move {
                let started = Instant::now();
                let document = request?.document;
                let client_id = document.as_ref().map(|d| d.id.clone()).unwrap_or_default();
                let prepared = match convert::draft(document) {
                    Ok(draft) => ingestor.prepare(draft).await,
                    Err(e) => {
                        ingestor.count_rejected();
                        Err(e)
                    }
                };
                Ok::<_, Status>(InFlight { index: index as u64, client_id, started, prepared })
            }
        })
        .buffered(concurrency);
    let mut prepared = std::pin::pin!(prepared);
    while let Some(item) = prepared.next().await {
        let broken = item.is_err();
        if queue.send(item).await.is_err() || broken {
            return;
        }
    }
}

/// Commits the prepared documents of a chunk together and returns their
/// acknowledgements in order (then a broken stream's status, if any).
async fn commit(ingestor: &Ingestor, chunk: Vec<Result<InFlight, Status>>) -> Vec<Result<pb::IngestDocumentsResponse, Status>> {
    let mut heads = Vec::with_capacity(chunk.len());
    let mut batch = Vec::new();
    let mut broken = None;
    for item in chunk {
        match item {
            Ok(InFlight { index, client_id, started, prepared }) => {
                let failed = prepared.map(|p| batch.push(p)).err();
                heads.push((index, client_id, started, failed));
            }
            Err(status) => {
                broken = Some(status);
                break;
            }
        }
    }
    let mut committed = ingestor.commit(batch).await.into_iter();
    let mut acks: Vec<_> = heads
        .into_iter()
        .map(|(index, client_id, started, failed)| {
            let result = match failed {
                Some(e) => Err(e),
                None => committed.next().unwrap_or(Err(IngestError::Internal("a commit result is missing"))),
            };
            if let Err(error) = &result {
                info!(index, doc_id = %client_id, %error, "document rejected");
            }
            let ack = convert::ack(index, &client_id, &result, started.elapsed());
            Ok(pb::IngestDocumentsResponse { result: Some(ack) })
        })
        .collect();
    acks.extend(broken.map(Err));
    acks
}
