//! The limit on streaming calls open at once (`IngestDocuments` and
//! `WatchFacts` together). Each stream holds a permit for as long as it
//! runs; past the limit a new stream is refused with `RESOURCE_EXHAUSTED`
//! instead of queueing, so a client learns at once to back off.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tonic::Status;

use crate::metrics::{Metrics, OpenStream, StreamKind};

/// Hands out stream permits. Cheap to clone.
#[derive(Debug, Clone)]
pub struct StreamLimit {
    permits: Arc<Semaphore>,
    limit: usize,
    metrics: Arc<Metrics>,
}

/// Held by a running stream; dropping it frees the slot.
#[derive(Debug)]
pub struct StreamPermit {
    _permit: OwnedSemaphorePermit,
    _open: OpenStream,
}

impl StreamLimit {
    /// Allows `limit` streams at once (at least one).
    pub fn new(limit: usize, metrics: Arc<Metrics>) -> Self {
        let limit = limit.max(1);
        Self { permits: Arc::new(Semaphore::new(limit)), limit, metrics }
    }

    /// Returns a permit for a new stream, or `RESOURCE_EXHAUSTED` if all are taken.
    pub fn open(&self, kind: StreamKind) -> Result<StreamPermit, Status> {
        let permit = Arc::clone(&self.permits).try_acquire_owned().map_err(|_| {
            tracing::warn!(limit = self.limit, ?kind, "stream refused: too many open streams");
            Status::resource_exhausted(format!(
                "too many open streams: this server allows {} IngestDocuments and WatchFacts streams at once; \
                 close idle streams or retry later (the operator can raise --max-streams)",
                self.limit
            ))
        })?;
        Ok(StreamPermit { _permit: permit, _open: self.metrics.stream_opened(kind) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_limit_and_frees_on_drop() {
        let limit = StreamLimit::new(2, Arc::default());
        let a = limit.open(StreamKind::ingest).unwrap();
        let _b = limit.open(StreamKind::watch).unwrap();
        let refused = limit.open(StreamKind::ingest).unwrap_err();
        assert_eq!(refused.code(), tonic::Code::ResourceExhausted);
        assert!(refused.message().contains("allows 2"), "{}", refused.message());
        drop(a);
        assert!(limit.open(StreamKind::ingest).is_ok());
    }
}
