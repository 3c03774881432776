//! The gRPC service: the only module that imports tonic on the server side.
//! Handlers are adapters (decode, call one use case, encode); `convert` maps
//! wire types, `status` maps errors. [`serve`] assembles the server with
//! health checking, reflection, explicit message limits, a limit on open
//! streams, optional bearer tokens ([`auth`]) and optional TLS;
//! [`serve_metrics`] serves the Prometheus endpoint.

pub mod auth;
mod convert;
mod extract;
mod ingest;
mod metrics_http;
mod query;
mod status;
mod streams;
mod watch;

pub use metrics_http::serve_metrics;

use std::future::Future;
use std::net::SocketAddr;

use tokio::net::TcpListener;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Identity, Server, ServerTlsConfig};

use crate::app::App;
use crate::pb;
use crate::pb::extract_service_server::ExtractServiceServer;
use crate::pb::ingest_service_server::IngestServiceServer;
use crate::pb::query_service_server::QueryServiceServer;

/// How often an idle connection is pinged.
const KEEPALIVE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(30);
/// How long a ping may go unanswered before the connection is closed.
const KEEPALIVE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);
/// How long a shutdown waits for clients to close their connections once
/// every request in flight has been answered.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

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
    /// Streaming calls (`IngestDocuments`, `WatchFacts`) open at once; more
    /// are refused with `RESOURCE_EXHAUSTED`.
    pub max_streams: usize,
    /// Bearer tokens required for ingest and for queries (none: open).
    pub tokens: auth::Tokens,
    /// Certificate chain and private key (PEM) to serve TLS with.
    pub tls: Option<TlsFiles>,
}

/// A certificate chain and its private key, both PEM.
#[derive(Clone)]
pub struct TlsFiles {
    /// The certificate chain.
    pub cert_pem: Vec<u8>,
    /// The private key.
    pub key_pem: Vec<u8>,
}

impl std::fmt::Debug for TlsFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsFiles").field("cert_pem", &self.cert_pem.len()).field("key_pem", &"<secret>").finish()
    }
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            max_message_bytes: crate::config::DEFAULT_MAX_MESSAGE_BYTES,
            stream_concurrency: crate::config::DEFAULT_STREAM_CONCURRENCY,
            max_streams: crate::config::DEFAULT_MAX_STREAMS,
            tokens: auth::Tokens::default(),
            tls: None,
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
    /// The certificate or key cannot be used.
    #[error("cannot serve TLS with the given certificate and key: {0}; check that --tls-cert holds a PEM certificate chain and --tls-key its PEM private key")]
    Tls(String),
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
    let streams = streams::StreamLimit::new(options.max_streams, app.metrics.clone());
    let tokens = &options.tokens;

    let ingest = IngestServiceServer::new(ingest::IngestHandler {
        ingestor: app.ingestor.clone(),
        concurrency: options.stream_concurrency.max(1),
        stop: stop_rx.clone(),
        streams: streams.clone(),
    })
    .max_decoding_message_size(limit)
    .max_encoding_message_size(limit);
    let ingest = InterceptedService::new(ingest, tokens.interceptor(auth::Role::Ingest));
    let extract = ExtractServiceServer::new(extract::ExtractHandler { ingestor: app.ingestor.clone() })
        .max_decoding_message_size(limit)
        .max_encoding_message_size(limit);
    let extract = InterceptedService::new(extract, tokens.interceptor(auth::Role::Query));
    let stopping = stop_rx.clone();
    let query = QueryServiceServer::new(query::QueryHandler { query: app.query.clone(), feed: app.feed.clone(), stop: stop_rx, streams })
        .max_decoding_message_size(limit)
        .max_encoding_message_size(limit);
    let query = InterceptedService::new(query, tokens.interceptor(auth::Role::Query));

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

    // tonic ignores its own tcp_nodelay and tcp_keepalive with a custom
    // incoming; without nodelay every call waits ~40 ms for delayed ACKs.
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true)).with_keepalive(Some(KEEPALIVE_INTERVAL));
    // Keep-alive pings find clients whose connection vanished without a FIN
    // or RST, so their streams (and stream slots) are freed within a minute.
    let mut server = Server::builder()
        .http2_keepalive_interval(Some(KEEPALIVE_INTERVAL))
        .http2_keepalive_timeout(Some(KEEPALIVE_TIMEOUT));
    if let Some(tls) = &options.tls {
        let identity = Identity::from_pem(&tls.cert_pem, &tls.key_pem);
        server = server.tls_config(ServerTlsConfig::new().identity(identity)).map_err(|e| ServeError::Tls(e.to_string()))?;
    }
    let scheme = if options.tls.is_some() { "https" } else { "http" };
    tracing::info!(%addr, %scheme, tokens = tokens.any(), max_streams = options.max_streams, "briefing listening");
    let serving = server
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(ingest)
        .add_service(extract)
        .add_service(query)
        .serve_with_incoming_shutdown(incoming, signal);
    // A client that keeps its side of a stream open after the server has
    // answered everything holds the connection, and with it the graceful
    // shutdown; past the grace period the server closes such connections.
    let grace = async {
        stopped(stopping).await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        result = serving => result?,
        () = grace => tracing::warn!(
            grace_s = SHUTDOWN_GRACE.as_secs(),
            "connections still open after the shutdown grace period; closing them"
        ),
    }
    Ok(())
}
