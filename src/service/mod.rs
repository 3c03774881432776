//! The gRPC service: the only module that imports tonic on the server side.
//! Handlers are adapters (decode, call one use case, encode); `convert` maps
//! wire types, `status` maps errors. [`serve`] assembles the server with
//! health checking, reflection and explicit message limits.

mod convert;
mod extract;
mod ingest;
mod query;
mod status;
mod watch;

use std::future::Future;
use std::net::SocketAddr;

use tokio::net::TcpListener;
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;

use crate::app::App;
use crate::pb;
use crate::pb::extract_service_server::ExtractServiceServer;
use crate::pb::ingest_service_server::IngestServiceServer;
use crate::pb::query_service_server::QueryServiceServer;

/// How the server treats connections and messages. Build it with struct
/// update syntax over [`ServeOptions::default`] so new settings keep their
/// defaults.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Largest gRPC message received or sent, in bytes (both directions; the
    /// tonic default of 4 MiB would refuse a maximal document).
    pub max_message_bytes: usize,
    /// Documents of one ingest stream processed at once.
    pub stream_concurrency: usize,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            max_message_bytes: crate::config::DEFAULT_MAX_MESSAGE_BYTES,
            stream_concurrency: crate::config::DEFAULT_STREAM_CONCURRENCY,
        }
    }
}

/// Why the server stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Reflection could not be built from the descriptor sets.
    #[error("cannot build the reflection service: {0}")]
    Reflection(String),
    /// The transport failed.
    #[error("the gRPC server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
    /// The listener has no local address.
    #[error("cannot read the listening address: {0}")]
    Listener(#[from] std::io::Error),
}

/// Returns a future that resolves once the stop flag is raised (or its sender
/// is gone).
async fn stopped(mut stop: tokio::sync::watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// The wire-to-draft conversion every ingest handler applies before
/// [`crate::ingest::Limits::validate`]; public so the fuzz target can run the
/// server's exact decoding path without a server.
pub use convert::draft as document_draft;

/// Serves every Briefing service on `listener` until `shutdown` resolves, then
/// stops accepting connections, ends watch streams, lets ingest streams
/// finish the documents they hold, and returns.
pub async fn serve(
    app: App,
    listener: TcpListener,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let addr: SocketAddr = listener.local_addr()?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let limit = options.max_message_bytes;

    let ingest = IngestServiceServer::new(ingest::IngestHandler {
        ingestor: app.ingestor.clone(),
        concurrency: options.stream_concurrency.max(1),
        stop: stop_rx.clone(),
    })
    .max_decoding_message_size(limit)
    .max_encoding_message_size(limit);
    let extract = ExtractServiceServer::new(extract::ExtractHandler { ingestor: app.ingestor.clone() })
        .max_decoding_message_size(limit)
        .max_encoding_message_size(limit);
    let query = QueryServiceServer::new(query::QueryHandler { query: app.query.clone(), feed: app.feed.clone(), stop: stop_rx })
        .max_decoding_message_size(limit)
        .max_encoding_message_size(limit);

    let (health, health_service) = tonic_health::server::health_reporter();
    health.set_serving::<IngestServiceServer<ingest::IngestHandler>>().await;
    health.set_serving::<ExtractServiceServer<extract::ExtractHandler>>().await;
    health.set_serving::<QueryServiceServer<query::QueryHandler>>().await;

    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    // grpcurl speaks v1alpha, buf curl v1: serve both.
    let reflection_v1 = reflection().build_v1().map_err(|e| ServeError::Reflection(e.to_string()))?;
    let reflection_v1alpha = reflection().build_v1alpha().map_err(|e| ServeError::Reflection(e.to_string()))?;

    let signal = async move {
        shutdown.await;
        tracing::info!("shutting down: finishing in-flight requests");
        health.set_not_serving::<IngestServiceServer<ingest::IngestHandler>>().await;
        health.set_not_serving::<ExtractServiceServer<extract::ExtractHandler>>().await;
        health.set_not_serving::<QueryServiceServer<query::QueryHandler>>().await;
        let _ = stop_tx.send(true);
    };

    // tonic ignores its own tcp_nodelay with a custom incoming; without it
    // every call waits ~40 ms for delayed ACKs.
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    tracing::info!(%addr, "briefing listening");
    Server::builder()
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(ingest)
        .add_service(extract)
        .add_service(query)
        .serve_with_incoming_shutdown(incoming, signal)
        .await?;
    Ok(())
}
