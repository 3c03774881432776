//! The metrics endpoint: `GET /metrics` on its own HTTP port, in the
//! Prometheus (OpenMetrics) text format. The store's size is read at each
//! scrape; everything else is counted as it happens.

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::net::TcpListener;

use crate::metrics::Metrics;
use crate::store::Store;

/// The content type of the OpenMetrics text format.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone)]
struct Scrape {
    metrics: Arc<Metrics>,
    store: Arc<dyn Store>,
}

/// Serves `/metrics` on `listener` until `shutdown` resolves.
pub async fn serve_metrics(
    metrics: Arc<Metrics>,
    store: Arc<dyn Store>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "metrics at http://{addr}/metrics");
    }
    let router = Router::new().route("/metrics", get(scrape)).with_state(Scrape { metrics, store });
    axum::serve(listener, router).with_graceful_shutdown(shutdown).await
}

async fn scrape(State(s): State<Scrape>) -> impl IntoResponse {
    match s.store.stats().await {
        Ok(stats) => s.metrics.store(stats),
        // The other metrics are still worth answering with.
        Err(error) => tracing::warn!(%error, "cannot read the store's size for /metrics"),
    }
    ([(CONTENT_TYPE, OPENMETRICS)], s.metrics.render())
}
