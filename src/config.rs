//! One typed configuration per command, read once at start from flags and
//! `BRIEFING_*` environment variables (through clap's `env`), validated before
//! anything runs. The only place that reads the environment.

use std::net::SocketAddr;
use std::path::PathBuf;

/// One mebibyte.
const MIB: usize = 1024 * 1024;
/// Default largest document text, in bytes.
pub const DEFAULT_MAX_TEXT_BYTES: usize = 4 * MIB;
/// Default largest gRPC message, in bytes, for the server and the CLI client.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 16 * MIB;
/// Default number of documents of one ingest stream in flight.
pub const DEFAULT_STREAM_CONCURRENCY: usize = 4;
/// Default number of read connections to the embedded store.
const DEFAULT_READERS: usize = 4;

/// Configuration of `briefing serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeConfig {
    /// Address to listen on (use port 0 for any free port).
    #[arg(long, env = "BRIEFING_LISTEN", default_value = "127.0.0.1:50051")]
    pub listen: SocketAddr,
    /// Where documents and facts are stored: `sqlite` (the embedded store in
    /// `--data-dir`) or a PostgreSQL URL, `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`,
    /// shared by every server pointed at it.
    #[arg(long = "store", env = "BRIEFING_DATABASE_URL", default_value = "sqlite", hide_env_values = true)]
    pub store: String,
    /// Folder of the embedded store; created if missing.
    #[arg(long, env = "BRIEFING_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// A folder of `.txt` releases or a `.jsonl` file to ingest at start.
    #[arg(long, env = "BRIEFING_INGEST")]
    pub ingest: Option<PathBuf>,
    /// Largest document text accepted, in bytes.
    #[arg(long, env = "BRIEFING_MAX_TEXT_BYTES", default_value_t = DEFAULT_MAX_TEXT_BYTES)]
    pub max_text_bytes: usize,
    /// Largest gRPC message sent or received, in bytes. Must leave room for
    /// the largest text plus its metadata.
    #[arg(long, env = "BRIEFING_MAX_MESSAGE_BYTES", default_value_t = DEFAULT_MAX_MESSAGE_BYTES)]
    pub max_message_bytes: usize,
    /// Documents of one ingest stream processed at the same time (order of
    /// acknowledgements is kept).
    #[arg(long, env = "BRIEFING_STREAM_CONCURRENCY", default_value_t = DEFAULT_STREAM_CONCURRENCY)]
    pub stream_concurrency: usize,
    /// Number of read connections to the embedded store; with PostgreSQL,
    /// the pool holds this many connections plus two.
    #[arg(long, env = "BRIEFING_READERS", default_value_t = DEFAULT_READERS)]
    pub readers: usize,
}

/// Why a configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A limit is zero or inconsistent with another.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl ServeConfig {
    /// Returns the configuration if its values are usable together.
    pub fn validated(self) -> Result<Self, ConfigError> {
        let bad = |m: String| Err(ConfigError::Invalid(m));
        if self.max_text_bytes == 0 {
            return bad("--max-text-bytes must be positive".into());
        }
        if self.max_message_bytes < self.max_text_bytes + 64 * 1024 {
            return bad(format!(
                "--max-message-bytes ({}) must exceed --max-text-bytes ({}) by at least 64 KiB for metadata",
                self.max_message_bytes, self.max_text_bytes
            ));
        }
        if self.database_url().is_none() && self.store != "sqlite" {
            return bad("--store must be `sqlite` or a URL starting with postgres:// or postgresql://".into());
        }
        if self.stream_concurrency == 0 || self.readers == 0 {
            return bad("--stream-concurrency and --readers must be at least 1".into());
        }
        Ok(self)
    }

    /// Returns the PostgreSQL URL when `--store` names one.
    pub fn database_url(&self) -> Option<&str> {
        let postgres = self.store.starts_with("postgres://") || self.store.starts_with("postgresql://");
        postgres.then_some(self.store.as_str())
    }

    /// Returns a configuration for tests and embedding: defaults, the given
    /// data folder, any free port on localhost.
    pub fn for_data_dir(data_dir: PathBuf) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            store: "sqlite".into(),
            data_dir,
            ingest: None,
            max_text_bytes: DEFAULT_MAX_TEXT_BYTES,
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            stream_concurrency: DEFAULT_STREAM_CONCURRENCY,
            readers: DEFAULT_READERS,
        }
    }
}

/// Configuration of the client commands (`ingest`, `query`).
#[derive(Debug, Clone, clap::Args)]
pub struct ClientConfig {
    /// URL of the briefing server.
    #[arg(long, env = "BRIEFING_SERVER", default_value = "http://127.0.0.1:50051", global = true)]
    pub server: String,
}
