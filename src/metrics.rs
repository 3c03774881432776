//! What the server does, counted: documents by outcome, facts by kind,
//! extraction and commit latencies, open streams and the store's size, kept
//! in a Prometheus registry and rendered in its text format. Recording is
//! always on and costs a few atomic operations; serving the text over HTTP is
//! the service's business (`--metrics-listen`).

use std::time::Duration;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::ingest::FactCounts;
use crate::store::StoreStats;

/// What happened to a submitted document.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(non_camel_case_types)] // label values are lower case on the wire
pub enum DocStatus {
    /// Stored with its facts.
    created,
    /// Stored before with the same text.
    duplicate,
    /// Refused (invalid, conflicting, or the store failed).
    rejected,
}

/// A kind of fact.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(non_camel_case_types, missing_docs)] // label values are lower case on the wire
pub enum FactKind {
    person,
    organization,
    country,
    place,
    event,
    quote,
    figure,
    topic,
}

/// A streaming RPC.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(non_camel_case_types)] // label values are lower case on the wire
pub enum StreamKind {
    /// `IngestDocuments`.
    ingest,
    /// `WatchFacts`.
    watch,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: DocStatus,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: FactKind,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RpcLabel {
    rpc: StreamKind,
}

/// The server's metrics. Share it behind an `Arc`.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    documents: Family<StatusLabel, Counter>,
    facts: Family<KindLabel, Counter>,
    extraction: Histogram,
    commit: Histogram,
    streams: Family<RpcLabel, Gauge>,
    store_documents: Gauge,
    store_bytes: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Returns a registry with every metric at zero.
    pub fn new() -> Self {
        // 100 µs to about 6.5 s, doubling.
        let latency = || Histogram::new(exponential_buckets(0.000_1, 2.0, 17));
        let metrics = Self {
            registry: Registry::with_prefix("briefing"),
            documents: Family::default(),
            facts: Family::default(),
            extraction: latency(),
            commit: latency(),
            streams: Family::default(),
            store_documents: Gauge::default(),
            store_bytes: Gauge::default(),
        };
        // Every label value exists from the start, so a scrape shows zeros.
        for status in [DocStatus::created, DocStatus::duplicate, DocStatus::rejected] {
            drop(metrics.documents.get_or_create(&StatusLabel { status }));
        }
        for kind in ALL_KINDS {
            drop(metrics.facts.get_or_create(&KindLabel { kind }));
        }
        for rpc in [StreamKind::ingest, StreamKind::watch] {
            drop(metrics.streams.get_or_create(&RpcLabel { rpc }));
        }
        let mut metrics = metrics;
        let r = &mut metrics.registry;
        r.register("documents_ingested", "Documents submitted, by outcome", metrics.documents.clone());
        r.register("facts_extracted", "Facts stored, by kind", metrics.facts.clone());
        r.register("extraction_seconds", "Time to read the facts of one document", metrics.extraction.clone());
        r.register("store_commit_seconds", "Time to store one batch of documents durably", metrics.commit.clone());
        r.register("open_streams", "Streaming calls in progress, by RPC", metrics.streams.clone());
        r.register("store_documents", "Documents in the store", metrics.store_documents.clone());
        r.register("store_bytes", "Bytes the store occupies", metrics.store_bytes.clone());
        metrics
    }

    /// Counts a document's outcome.
    pub fn document(&self, status: DocStatus) {
        self.documents.get_or_create(&StatusLabel { status }).inc();
    }

    /// Counts the facts stored for a document.
    pub fn facts(&self, counts: &FactCounts) {
        let by_kind = [
            counts.persons,
            counts.organizations,
            counts.countries,
            counts.places,
            counts.events,
            counts.quotes,
            counts.figures,
            counts.topics,
        ];
        for (kind, n) in ALL_KINDS.into_iter().zip(by_kind) {
            if n > 0 {
                self.facts.get_or_create(&KindLabel { kind }).inc_by(u64::from(n));
            }
        }
    }

    /// Records how long one extraction took.
    pub fn extraction(&self, took: Duration) {
        self.extraction.observe(took.as_secs_f64());
    }

    /// Records how long one store commit took.
    pub fn commit(&self, took: Duration) {
        self.commit.observe(took.as_secs_f64());
    }

    /// Counts a streaming call as open until the returned guard is dropped.
    pub fn stream_opened(&self, rpc: StreamKind) -> OpenStream {
        let gauge = self.streams.get_or_create(&RpcLabel { rpc }).clone();
        gauge.inc();
        OpenStream(gauge)
    }

    /// Records the store's size, read just before a scrape.
    pub fn store(&self, stats: StoreStats) {
        self.store_documents.set(i64::try_from(stats.documents).unwrap_or(i64::MAX));
        self.store_bytes.set(i64::try_from(stats.bytes).unwrap_or(i64::MAX));
    }

    /// Returns every metric in the Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

const ALL_KINDS: [FactKind; 8] = [
    FactKind::person,
    FactKind::organization,
    FactKind::country,
    FactKind::place,
    FactKind::event,
    FactKind::quote,
    FactKind::figure,
    FactKind::topic,
];

/// Keeps a streaming call counted as open; dropping it closes it.
#[derive(Debug)]
pub struct OpenStream(Gauge);

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.0.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line<'a>(text: &'a str, prefix: &str) -> &'a str {
        text.lines().find(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("no line {prefix} in\n{text}"))
    }

    #[test]
    fn renders_counters_by_label() {
        let m = Metrics::new();
        m.document(DocStatus::created);
        m.document(DocStatus::created);
        m.document(DocStatus::rejected);
        m.facts(&FactCounts { persons: 3, events: 1, total: 4, ..FactCounts::default() });
        let text = m.render();
        assert_eq!(line(&text, "briefing_documents_ingested_total{status=\"created\"}"), "briefing_documents_ingested_total{status=\"created\"} 2");
        assert!(text.contains("briefing_documents_ingested_total{status=\"duplicate\"} 0"));
        assert!(text.contains("briefing_facts_extracted_total{kind=\"person\"} 3"));
        assert!(text.contains("briefing_facts_extracted_total{kind=\"quote\"} 0"));
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn open_streams_go_down_when_dropped() {
        let m = Metrics::new();
        let a = m.stream_opened(StreamKind::ingest);
        let _b = m.stream_opened(StreamKind::ingest);
        assert!(m.render().contains("briefing_open_streams{rpc=\"ingest\"} 2"));
        drop(a);
        assert!(m.render().contains("briefing_open_streams{rpc=\"ingest\"} 1"));
    }

    #[test]
    fn latencies_land_in_histograms() {
        let m = Metrics::new();
        m.extraction(Duration::from_millis(3));
        m.store(StoreStats { documents: 7, bytes: 4096 });
        let text = m.render();
        assert!(text.contains("briefing_extraction_seconds_count 1"));
        assert!(text.contains("briefing_store_documents 7"));
        assert!(text.contains("briefing_store_bytes 4096"));
    }
}
