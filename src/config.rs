//! One typed configuration per command, read once at start from flags,
//! `BRIEFING_*` environment variables (through clap's `env`) and, for the
//! server, an optional TOML file ([`file_args`]), validated before anything
//! runs. The only place that reads the environment.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;

/// One mebibyte.
const MIB: usize = 1024 * 1024;
/// Default largest document text, in bytes.
pub const DEFAULT_MAX_TEXT_BYTES: usize = 4 * MIB;
/// Default largest gRPC message, in bytes, for the server and the CLI client.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 16 * MIB;
/// Default number of documents of one ingest stream in flight.
pub const DEFAULT_STREAM_CONCURRENCY: usize = 16;
/// Default number of read connections to the embedded store.
const DEFAULT_READERS: usize = 4;
/// Default limit on streaming calls open at once.
pub const DEFAULT_MAX_STREAMS: usize = 256;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One readable line per event.
    Text,
    /// One JSON object per line, with the fields of the enclosing spans.
    Json,
}

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
    /// Streaming calls (IngestDocuments and WatchFacts together) open at
    /// once; past it new streams get RESOURCE_EXHAUSTED.
    #[arg(long, env = "BRIEFING_MAX_STREAMS", default_value_t = DEFAULT_MAX_STREAMS)]
    pub max_streams: usize,
    /// Bearer token a client must send to ingest (it may also query). Unset:
    /// anyone may ingest. Prefer the variable or the config file to the flag,
    /// which other users can see in the process list.
    #[arg(long, env = "BRIEFING_INGEST_TOKEN", hide_env_values = true)]
    pub ingest_token: Option<String>,
    /// Bearer token a client must send to query or extract (the ingest token
    /// works too). Unset: anyone may query.
    #[arg(long, env = "BRIEFING_QUERY_TOKEN", hide_env_values = true)]
    pub query_token: Option<String>,
    /// PEM certificate chain to serve TLS with (with --tls-key). Unset:
    /// plain text, for loopback or behind a TLS-terminating proxy.
    #[arg(long, env = "BRIEFING_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, env = "BRIEFING_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Address to serve Prometheus metrics on, at /metrics (for example
    /// 127.0.0.1:9090). Unset: no metrics endpoint.
    #[arg(long, env = "BRIEFING_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// TOML file with any of these settings, keyed by their long flag names
    /// (`listen = "0.0.0.0:50051"`, `max-streams = 64`). Flags and BRIEFING_*
    /// variables take precedence over it; an unknown key is an error.
    #[arg(long, env = "BRIEFING_CONFIG")]
    pub config: Option<PathBuf>,
}

/// Why a configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A limit is zero or inconsistent with another.
    #[error("invalid configuration: {0}")]
    Invalid(String),
    /// The configuration file cannot be read or holds something unusable.
    #[error("configuration file {path}: {problem}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
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
        if self.stream_concurrency == 0 || self.readers == 0 || self.max_streams == 0 {
            return bad("--stream-concurrency, --readers and --max-streams must be at least 1".into());
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
            max_streams: DEFAULT_MAX_STREAMS,
            ingest_token: None,
            query_token: None,
            tls_cert: None,
            tls_key: None,
            metrics_listen: None,
            config: None,
        }
    }
}

/// Reads the TOML configuration file at `path` for `command` (the `serve`
/// command, after `build`) and returns the flags it adds to the command line:
/// one per setting that neither the command line nor the environment gave
/// (`matches` is the first parse). Keys are the settings' long flag names;
/// a key that names no setting is an error that lists the known ones.
pub fn file_args(command: &clap::Command, matches: &clap::ArgMatches, path: &Path) -> Result<Vec<OsString>, ConfigError> {
    let problem = |problem: String| ConfigError::File { path: path.to_owned(), problem };
    let text = std::fs::read_to_string(path).map_err(|e| problem(format!("cannot read it: {e}")))?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| problem(format!("not valid TOML: {}", e.message())))?;
    let settings: Vec<&clap::Arg> = command
        .get_arguments()
        .filter(|a| a.get_long().is_some_and(|l| !matches!(l, "config" | "help" | "version")))
        .collect();
    let mut args = Vec::new();
    for (key, value) in &table {
        let Some(arg) = settings.iter().find(|a| a.get_long() == Some(key.as_str())) else {
            let known: Vec<&str> = settings.iter().filter_map(|a| a.get_long()).collect();
            return Err(problem(format!("unknown setting `{key}`; the settings are: {}", known.join(", "))));
        };
        let id = arg.get_id().as_str();
        if !matches!(matches.value_source(id), None | Some(ValueSource::DefaultValue)) {
            continue; // the command line or the environment wins
        }
        let flag = format!("--{key}");
        let takes_value = arg.get_num_args().is_none_or(|n| n.takes_values());
        match value {
            toml::Value::Boolean(on) if !takes_value => {
                if *on {
                    args.push(flag.into());
                }
            }
            toml::Value::String(s) if takes_value => args.extend([flag.into(), s.into()]),
            toml::Value::Integer(n) if takes_value => args.extend([flag.into(), n.to_string().into()]),
            toml::Value::Float(x) if takes_value => args.extend([flag.into(), x.to_string().into()]),
            toml::Value::Boolean(b) if takes_value => args.extend([flag.into(), b.to_string().into()]),
            _ if takes_value => return Err(problem(format!("`{key}` must be a single string or number"))),
            _ => return Err(problem(format!("`{key}` is a switch: write `{key} = true` or `{key} = false`"))),
        }
    }
    Ok(args)
}

/// Configuration of the client commands (`ingest`, `query`).
#[derive(Debug, Clone, clap::Args)]
pub struct ClientConfig {
    /// URL of the briefing server (`https://…` for a server with TLS).
    #[arg(long, env = "BRIEFING_SERVER", default_value = "http://127.0.0.1:50051", global = true)]
    pub server: String,
    /// Bearer token to send (the server's ingest or query token).
    #[arg(long, env = "BRIEFING_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
    /// PEM certificate to trust for an `https://` server (for a self-signed
    /// or private CA); the public roots are trusted otherwise.
    #[arg(long, env = "BRIEFING_CA_CERT", global = true)]
    pub ca_cert: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory as _, Parser};

    #[derive(Debug, Parser)]
    struct Serve {
        #[command(flatten)]
        config: ServeConfig,
    }

    fn file_args_of(toml: &str, argv: &[&str]) -> Result<Vec<String>, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("briefing.toml");
        std::fs::write(&path, toml).unwrap();
        let mut command = Serve::command();
        command.build();
        let matches = command.clone().try_get_matches_from(std::iter::once("serve").chain(argv.iter().copied())).unwrap();
        file_args(&command, &matches, &path)
            .map(|args| args.into_iter().map(|a| a.into_string().unwrap()).collect())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn file_settings_become_flags_unless_given() {
        let toml = "listen = \"0.0.0.0:1\"\nmax-streams = 8\nstore = \"sqlite\"\n";
        assert_eq!(file_args_of(toml, &[]).unwrap(), ["--listen", "0.0.0.0:1", "--max-streams", "8", "--store", "sqlite"]);
        assert_eq!(file_args_of(toml, &["--max-streams", "9"]).unwrap(), ["--listen", "0.0.0.0:1", "--store", "sqlite"]);
    }

    #[test]
    fn file_mistakes_are_named() {
        let table = [
            ("lisen = \"x\"\n", "unknown setting `lisen`"),
            ("max-streams = [1, 2]\n", "`max-streams` must be a single string or number"),
            ("config = \"other.toml\"\n", "unknown setting `config`"),
            ("listen = \n", "not valid TOML"),
        ];
        for (toml, want) in table {
            let error = file_args_of(toml, &[]).unwrap_err();
            assert!(error.contains(want) && error.contains("briefing.toml"), "{toml:?}: {error}");
        }
    }
}
