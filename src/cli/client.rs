//! The client side of the wire shared by `briefing ingest` and `briefing
//! query`: connecting to a server and saying clearly when it is not there.

use tonic::transport::{Channel, Endpoint};

use crate::docfile::DocfileError;

/// Largest message the client sends or accepts, matching the server default.
pub const MAX_MESSAGE_BYTES: usize = crate::config::DEFAULT_MAX_MESSAGE_BYTES;

/// Why a client command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Nothing answers at the address.
    #[error("cannot reach briefing at {0} — is `briefing serve` running?")]
    Unreachable(String),
    /// The server URL does not parse.
    #[error("invalid server URL {0:?}; give one like http://127.0.0.1:50051")]
    BadUrl(String),
    /// The server refused or failed the call.
    #[error("the server answered {code:?}: {message}")]
    Rpc {
        /// The gRPC status code.
        code: tonic::Code,
        /// The server's message.
        message: String,
    },
    /// The command line asks for something that does not exist.
    #[error("{0}")]
    Usage(String),
    /// Input files could not be read.
    #[error(transparent)]
    Read(#[from] DocfileError),
    /// Writing the output failed.
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
}

/// A connected channel and the address it goes to, for error messages.
#[derive(Debug, Clone)]
pub struct Connection {
    /// The channel.
    pub channel: Channel,
    /// The server URL.
    pub url: String,
}

impl Connection {
    /// Connects to the server at `url`.
    pub async fn open(url: &str) -> Result<Self, CliError> {
        let endpoint = Endpoint::from_shared(url.to_owned()).map_err(|_| CliError::BadUrl(url.to_owned()))?;
        let channel = endpoint
            .tcp_nodelay(true)
            .connect_timeout(std::time::Duration::from_secs(5))
            .connect()
            .await
            .map_err(|_| CliError::Unreachable(url.to_owned()))?;
        Ok(Self { channel, url: url.to_owned() })
    }

    /// Returns the error for a failed call: an unavailable server is
    /// unreachable, anything else is the server's own answer.
    pub fn error(&self, status: tonic::Status) -> CliError {
        match status.code() {
            tonic::Code::Unavailable if status.message().contains("connect") || status.message().contains("transport") => {
                CliError::Unreachable(self.url.clone())
            }
            code => CliError::Rpc { code, message: status.message().to_owned() },
        }
    }
}
