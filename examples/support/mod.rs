//! What the service benchmarks share: connecting to a server that may still
//! be starting, latency percentiles, and a process's peak memory.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use tonic::transport::Channel;

/// Connects to a server, waiting up to 30 s for it to start listening.
pub async fn connect(url: &str) -> anyhow::Result<Channel> {
    let endpoint = Channel::from_shared(url.to_owned())?.tcp_nodelay(true);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match endpoint.connect().await {
            Ok(channel) => return Ok(channel),
            Err(_) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(200)).await,
            Err(e) => return Err(e).with_context(|| format!("cannot reach {url}")),
        }
    }
}

/// Latencies in milliseconds, summarised by nearest-rank percentiles.
#[derive(Debug, Default, Clone)]
pub struct Latencies(Vec<f64>);

impl Latencies {
    /// Records one latency.
    pub fn push(&mut self, d: Duration) {
        self.0.push(d.as_secs_f64() * 1000.0);
    }

    /// Records one latency given in milliseconds (may be negative).
    pub fn push_ms(&mut self, ms: f64) {
        self.0.push(ms);
    }

    /// Adds every latency of another set.
    pub fn extend(&mut self, other: &Latencies) {
        self.0.extend_from_slice(&other.0);
    }

    /// Returns how many were recorded.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Returns the `p`-th percentile (0–100) by nearest rank, or 0 if empty.
    pub fn percentile(&self, p: f64) -> f64 {
        if self.0.is_empty() {
            return 0.0;
        }
        let mut v = self.0.clone();
        v.sort_by(f64::total_cmp);
        let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
        v[rank.clamp(1, v.len()) - 1]
    }

    /// Returns `p50=… p99=… max=…` in milliseconds.
    pub fn summary(&self, prefix: &str) -> String {
        format!(
            "{prefix}_p50_ms={:.2} {prefix}_p99_ms={:.2} {prefix}_max_ms={:.2}",
            self.percentile(50.0),
            self.percentile(99.0),
            self.percentile(100.0)
        )
    }
}

/// Returns a process's peak resident memory (`VmHWM`) in MiB, if readable.
pub fn peak_rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
