//! The real `briefing serve` binary as a child process on a free port, over
//! a data directory that outlives it: for tests that kill it, restart it on
//! the same store, or measure its memory.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use briefing::pb::ingest_service_client::IngestServiceClient;
use briefing::pb::query_service_client::QueryServiceClient;
use tonic::transport::Channel;

/// A running `briefing serve`; killed (SIGKILL) when dropped.
pub struct ServerProcess {
    child: Child,
    url: String,
    log: PathBuf,
}

impl ServerProcess {
    /// Starts the server on `data_dir`, appending its log to `log`, and
    /// waits (at most 60 s) until it accepts connections.
    pub async fn start(data_dir: &Path, log: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
        let log_file = std::fs::OpenOptions::new().create(true).append(true).open(log).expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_briefing"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(data_dir)
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("the briefing binary starts");
        let server = Self { child, url: format!("http://127.0.0.1:{port}"), log: log.to_owned() };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Channel::from_shared(server.url.clone()).expect("url").connect().await.is_err() {
            assert!(Instant::now() < deadline, "the server did not start:\n{}", server.log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server
    }

    /// Returns the server's URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Returns the server's log so far (every start on this log file).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Returns the server's resident memory, in KiB, from `/proc`.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).expect("the server is running");
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).expect("VmRSS line");
        line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).expect("VmRSS in kB")
    }

    /// Kills the server with SIGKILL, as a crash or power cut would stop it,
    /// and waits until it is gone.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Returns a new connection to the server.
    pub async fn channel(&self) -> Channel {
        Channel::from_shared(self.url.clone()).expect("url").tcp_nodelay(true).connect().await.expect("connect")
    }

    /// Returns an ingest client on a new connection.
    pub async fn ingest(&self) -> IngestServiceClient<Channel> {
        IngestServiceClient::new(self.channel().await).max_encoding_message_size(briefing::config::DEFAULT_MAX_MESSAGE_BYTES)
    }

    /// Returns a query client on a new connection.
    pub async fn query(&self) -> QueryServiceClient<Channel> {
        QueryServiceClient::new(self.channel().await).max_decoding_message_size(briefing::config::DEFAULT_MAX_MESSAGE_BYTES)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
