//! Wires the pieces of a running server together: the store, the extraction
//! core, the live feed and the two families of use cases. Everything a
//! transport needs is in [`App`].

use std::sync::Arc;

use crate::config::ServeConfig;
use crate::extract::Extractor;
use crate::feed::Feed;
use crate::ingest::{Ingestor, Limits};
use crate::metrics::Metrics;
use crate::query::Query;
use crate::store::postgres::PgStore;
use crate::store::sqlite::SqliteStore;
use crate::store::{Store, StoreError};

/// The use cases of one server, ready to share between handlers.
#[derive(Clone)]
pub struct App {
    /// Ingest and extract.
    pub ingestor: Arc<Ingestor>,
    /// Queries over stored facts.
    pub query: Arc<Query>,
    /// Live facts of newly stored documents.
    pub feed: Feed,
    /// What the server has done, for monitoring.
    pub metrics: Arc<Metrics>,
    /// The store, for its size in the metrics.
    pub store: Arc<dyn Store>,
}

impl App {
    /// Opens the configured store (the embedded one in the data folder, or
    /// PostgreSQL) and builds the use cases over it.
    pub async fn open(config: &ServeConfig) -> Result<Self, StoreError> {
        let limits = Limits { max_text_bytes: config.max_text_bytes };
        let app = match config.database_url() {
            None => Self::with_store(Arc::new(SqliteStore::open(&config.data_dir, config.readers)?), limits),
            Some(url) => {
                let store = Arc::new(PgStore::connect(url, config.readers + 2).await?);
                let app = Self::with_store(Arc::clone(&store) as Arc<dyn Store>, limits);
                // Watchers here also see the documents other servers store.
                store.forward_notifications(app.feed.clone());
                app
            }
        };
        // In the background: the server answers meanwhile, pre-checking every id.
        let ingestor = Arc::clone(&app.ingestor);
        tokio::spawn(async move { ingestor.learn_stored_ids().await });
        Ok(app)
    }

    /// Builds the use cases over any store.
    pub fn with_store(store: Arc<dyn Store>, limits: Limits) -> Self {
        let feed = Feed::new();
        let extractor = Arc::new(Extractor::new());
        let metrics = Arc::new(Metrics::new());
        let ingestor = Arc::new(Ingestor::new(Arc::clone(&store), extractor, feed.clone(), limits, Arc::clone(&metrics)));
        Self { ingestor, query: Arc::new(Query::new(Arc::clone(&store))), feed, metrics, store }
    }
}
