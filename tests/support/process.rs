//! The `briefing` binary as a child process: `briefing serve` on a free
//! port with a temporary data folder and its log captured, killed when
//! dropped; and one-shot runs of the other commands.

#![allow(dead_code)] // each test file uses a part

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Path of the binary under test.
pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_briefing")
}

/// Returns a port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port()
}

/// Runs `briefing ARGS` to completion.
pub fn run(args: &[&str], envs: &[(&str, &str)]) -> Output {
    Command::new(binary()).args(args).envs(envs.iter().copied()).output().expect("the briefing binary runs")
}

/// A `briefing serve` process.
pub struct ServerProcess {
    child: Child,
    /// The port it listens on.
    pub port: u16,
    log: PathBuf,
    /// Its data folder (and a place for test files).
    pub dir: tempfile::TempDir,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ServerProcess {
    /// Starts `briefing serve --listen 127.0.0.1:PORT --data-dir DIR ARGS`
    /// with `envs` added; `prepare` may write files into the data folder
    /// first (and returns extra arguments naming them).
    pub fn spawn(args: &[&str], envs: &[(&str, &str)], prepare: impl FnOnce(&Path) -> Vec<String>) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let extra = prepare(dir.path());
        let port = free_port();
        let log = dir.path().join("server.log");
        let child = Command::new(binary())
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .args(args)
            .args(&extra)
            .envs(envs.iter().copied())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("the briefing binary starts");
        Self { child, port, log, dir }
    }

    /// Waits until the port accepts connections (at most 30 s).
    pub async fn ready(self) -> Self {
        let deadline = Instant::now() + Duration::from_secs(30);
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_err() {
            assert!(Instant::now() < deadline, "server did not start:\n{}", self.log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self
    }

    /// Waits for the process to exit by itself (at most 30 s) and returns its status.
    pub fn exit(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "server did not exit:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends SIGTERM, as a service manager stopping the server would.
    pub fn terminate(&self) {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().expect("kill runs");
        assert!(status.success(), "kill -TERM failed");
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// What the server wrote to stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}
