//! Start-up time of the server on an existing store: starts `briefing serve`
//! as a separate process, polls the standard health service every
//! millisecond until it answers SERVING, and prints the time from the start
//! of the process to that answer; then stops the server and starts over.
//!
//! ```text
//! cargo run --release --example startup_time -- BRIEFING_BINARY DATA_DIR [RUNS]
//! ```

#[path = "support/mod.rs"]
#[allow(dead_code)]
mod support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use support::Latencies;
use tonic::transport::Channel;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

/// Longest wait for one start.
const LIMIT: Duration = Duration::from_secs(60);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: startup_time BRIEFING_BINARY DATA_DIR [RUNS]";
    let (binary, data_dir) = (args.first().context(usage)?, args.get(1).context(usage)?);
    let runs: usize = args.get(2).map_or(Ok(5), |r| r.parse()).context("RUNS must be a number")?;
    let mut times = Latencies::default();
    let mut each = Vec::new();
    for _ in 0..runs {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let started = Instant::now();
        let mut server = Command::new(binary)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data-dir", data_dir])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {binary}"))?;
        let result = wait_serving(port, started, &mut server).await;
        stop(&mut server)?;
        let elapsed = result?;
        each.push(format!("{:.0}", elapsed.as_secs_f64() * 1000.0));
        times.push(elapsed);
    }
    println!("startup runs={runs} each_ms={} median_ms={:.1}", each.join(","), times.percentile(50.0));
    Ok(())
}

/// Returns the time from `started` to the first SERVING answer.
async fn wait_serving(port: u16, started: Instant, server: &mut Child) -> anyhow::Result<Duration> {
    let endpoint = Channel::from_shared(format!("http://127.0.0.1:{port}"))?.tcp_nodelay(true);
    while started.elapsed() < LIMIT {
        if let Some(status) = server.try_wait()? {
            bail!("the server exited during start-up: {status}");
        }
        if let Ok(channel) = endpoint.connect().await {
            let answer = HealthClient::new(channel).check(HealthCheckRequest { service: String::new() }).await;
            if answer.is_ok_and(|r| r.into_inner().status == ServingStatus::Serving as i32) {
                return Ok(started.elapsed());
            }
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    bail!("no SERVING answer within {LIMIT:?}")
}

/// Stops the server with SIGTERM, as an operator would, and waits for it.
fn stop(server: &mut Child) -> anyhow::Result<()> {
    Command::new("kill").args(["-TERM", &server.id().to_string()]).status()?;
    server.wait()?;
    Ok(())
}
