//! The client side of the wire shared by `briefing ingest` and `briefing
//! query`: connecting to a server and saying clearly when it is not there.

use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};
use tonic::{Request, Status};

use crate::config::ClientConfig;
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
    /// The token or the TLS settings cannot be used.
    #[error("{0}")]
    Setup(String),
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

/// Adds `authorization: Bearer <token>` to every call when a token is set.
#[derive(Debug, Clone, Default)]
pub struct BearerToken(Option<MetadataValue<Ascii>>);

impl Interceptor for BearerToken {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        if let Some(value) = &self.0 {
            request.metadata_mut().insert("authorization", value.clone());
        }
        Ok(request)
    }
}

/// The channel client calls go through: the connection plus the token.
pub type AuthChannel = InterceptedService<Channel, BearerToken>;

/// A connected channel and the address it goes to, for error messages.
#[derive(Debug, Clone)]
pub struct Connection {
    /// The channel.
    pub channel: AuthChannel,
    /// The server URL.
    pub url: String,
}

impl Connection {
    /// Connects to the configured server: TLS for `https://` URLs (trusting
    /// `--ca-cert` if given, the public roots otherwise), with the bearer
    /// token on every call if one is set.
    pub async fn open(config: &ClientConfig) -> Result<Self, CliError> {
        let url = config.server.as_str();
        let mut endpoint = Endpoint::from_shared(url.to_owned()).map_err(|_| CliError::BadUrl(url.to_owned()))?;
        if url.starts_with("https://") {
            let mut tls = ClientTlsConfig::new().with_webpki_roots();
            if let Some(path) = &config.ca_cert {
                let pem = std::fs::read(path)
                    .map_err(|e| CliError::Setup(format!("cannot read the CA certificate {}: {e}", path.display())))?;
                tls = tls.ca_certificate(Certificate::from_pem(pem));
            }
            endpoint = endpoint
                .tls_config(tls)
                .map_err(|e| CliError::Setup(format!("cannot set up TLS for {url}: {e}")))?;
        }
        let token = match config.token.as_deref().filter(|t| !t.is_empty()) {
            Some(t) => Some(format!("Bearer {t}").parse().map_err(|_| {
                CliError::Setup("the token holds characters not allowed in a header; use printable ASCII".into())
            })?),
            None => None,
        };
        let channel = endpoint
            .tcp_nodelay(true)
            .connect_timeout(std::time::Duration::from_secs(5))
            .connect()
            .await
            .map_err(|_| CliError::Unreachable(url.to_owned()))?;
        Ok(Self { channel: InterceptedService::new(channel, BearerToken(token)), url: url.to_owned() })
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
