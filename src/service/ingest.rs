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

use super::{convert, stopped};
use crate::ingest::Ingestor;
use crate::pb;
use crate::pb::ingest_service_server::IngestService;

/// Acknowledgements buffered toward the client before reading stops.
const ACK_BUFFER: usize = 32;

/// Serves `briefing.v1.IngestService`.
pub struct IngestHandler {
    pub(super) ingestor: Arc<Ingestor>,
    pub(super) concurrency: usize,
    pub(super) stop: watch::Receiver<bool>,
}

#[tonic::async_trait]
impl IngestService for IngestHandler {
    type IngestDocumentsStream = ReceiverStream<Result<pb::IngestDocumentsResponse, Status>>;

    async fn ingest_documents(
        &self,
        request: Request<Streaming<pb::IngestDocumentsRequest>>,
    ) -> Result<Response<Self::IngestDocumentsStream>, Status> {
        let (tx, rx) = mpsc::channel(ACK_BUFFER);
        let pump = pump(request.into_inner(), Arc::clone(&self.ingestor), self.concurrency, self.stop.clone(), tx);
        tokio::spawn(pump);
        Ok(Response::new(ReceiverStream::new(rx)))
    }

    async fn ingest_document(
        &self,
        request: Request<pb::IngestDocumentRequest>,
    ) -> Result<Response<pb::IngestDocumentResponse>, Status> {
        let started = Instant::now();
        let draft = convert::draft(request.into_inner().document)?;
        let outcome = self.ingestor.ingest(draft).await?;
        let result = convert::ack(0, &Ok(outcome), started.elapsed());
        Ok(Response::new(pb::IngestDocumentResponse { result: Some(result) }))
    }
}

/// Moves documents from the request stream through the ingestor to the
/// response channel. `buffered` polls the next request only while fewer than
/// `concurrency` are in flight, and the loop stops polling while the response
/// channel is full, so HTTP/2 flow control slows a fast client down.
async fn pump(
    inbound: Streaming<pb::IngestDocumentsRequest>,
    ingestor: Arc<Ingestor>,
    concurrency: usize,
    stop: watch::Receiver<bool>,
    tx: mpsc::Sender<Result<pb::IngestDocumentsResponse, Status>>,
) {
    let acks = inbound
        .take_until(stopped(stop))
        .enumerate()
        .map(|(index, request)| {
            let ingestor = Arc::clone(&ingestor);
            async move {
                let started = Instant::now();
                let request = request?;
                let result = match convert::draft(request.document) {
                    Ok(draft) => ingestor.ingest(draft).await,
                    Err(e) => Err(e),
                };
                if let Err(error) = &result {
                    info!(index, %error, "document rejected");
                }
                let ack = convert::ack(index as u64, &result, started.elapsed());
                Ok(pb::IngestDocumentsResponse { result: Some(ack) })
            }
        })
        .buffered(concurrency);
    let mut acks = std::pin::pin!(acks);
    while let Some(ack) = acks.next().await {
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
