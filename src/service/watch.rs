//! `WatchFacts` plumbing: one task per subscriber moves feed items into a
//! bounded channel toward the client; it ends when the client leaves, the
//! feed closes or the server shuts down.

use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;

use super::streams::StreamPermit;
use super::{convert, stopped};
use crate::feed::{FeedItem, Subscription};
use crate::pb;
use crate::pb::watch_facts_response::Event;

/// Messages buffered toward one subscriber. Past this the task waits, and the
/// feed (not ingest) drops what the subscriber cannot take: it lags.
const BUFFER: usize = 16;

/// The response stream of one subscriber.
pub type WatchStream = ReceiverStream<Result<pb::WatchFactsResponse, Status>>;

/// Returns the response stream of a subscription, which counts as open
/// (holds `permit`) until its task ends.
pub fn stream(mut sub: Subscription, stop: watch::Receiver<bool>, permit: StreamPermit) -> WatchStream {
    let (tx, rx) = mpsc::channel(BUFFER);
    tokio::spawn(async move {
        let _permit = permit;
        let mut stop = std::pin::pin!(stopped(stop));
        loop {
            let item = tokio::select! {
                item = sub.next() => item,
                () = tx.closed() => return,
                () = &mut stop => return,
            };
            let Some(item) = item else { return };
            let event = match item {
                FeedItem::Facts(f) => Event::Facts(convert::facts(&f.document_id, &f.facts)),
                FeedItem::Lagged(n) => Event::Lagged(pb::Lagged { missed_documents: n }),
            };
            if tx.send(Ok(pb::WatchFactsResponse { event: Some(event) })).await.is_err() {
                return;
            }
        }
    });
    ReceiverStream::new(rx)
}
