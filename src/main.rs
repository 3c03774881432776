//! The `briefing` command: parses the command line, reads the configuration,
//! sets up logging and runs one subcommand. The only user of `anyhow`.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{CommandFactory as _, FromArgMatches as _, Parser, Subcommand};

use briefing::app::App;
use briefing::cli::{extract, ingest, query};
use briefing::config::{LogFormat, ServeConfig};
use briefing::service::auth::Tokens;
use briefing::service::{ServeOptions, TlsFiles, serve, serve_metrics};

/// Briefing reads diplomatic press releases and serves the facts in them.
#[derive(Debug, Parser)]
#[command(name = "briefing", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// How log lines on stderr look; filter them with RUST_LOG (e.g.
    /// `RUST_LOG=briefing=debug`).
    #[arg(long, env = "BRIEFING_LOG_FORMAT", value_enum, default_value = "text", global = true)]
    log_format: LogFormat,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs the gRPC server (embedded store, or PostgreSQL with --store).
    Serve(ServeConfig),
    /// Streams release files to a running server. Exits with 1 if any is rejected.
    Ingest(ingest::IngestArgs),
    /// Asks a running server for documents, persons, events, quotes or figures.
    Query(query::QueryArgs),
    /// Reads files offline and prints the facts found (no server needed).
    Extract(extract::ExtractArgs),
    /// Prints a completion script for a shell: `briefing completions bash >
    /// /etc/bash_completion.d/briefing` (zsh, fish, elvish, powershell too).
    Completions {
        /// The shell to complete in.
        shell: clap_complete::Shell,
    },
}

fn main() -> ExitCode {
    let cli = match parse() {
        Ok(cli) => cli,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    let level = if matches!(cli.command, Command::Serve(_)) { "info" } else { "warn" };
    briefing::telemetry::init(level, cli.log_format);
    match run(cli.command) {
        Ok(code) => code,
        // A reader that went away (`briefing query … | head`) is not a failure.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Parses the command line; for `serve --config FILE`, parses it again with
/// the file's settings added where flags and variables left defaults.
fn parse() -> anyhow::Result<Cli> {
    let mut command = Cli::command();
    command.build();
    let mut matches = command.clone().get_matches();
    if let Some(("serve", serve_matches)) = matches.subcommand()
        && let Some(path) = serve_matches.get_one::<std::path::PathBuf>("config")
    {
        let serve_command = command.find_subcommand("serve").context("the serve command is defined")?;
        let extra = briefing::config::file_args(serve_command, serve_matches, path)?;
        matches = command
            .try_get_matches_from(std::env::args_os().chain(extra))
            .with_context(|| format!("a setting in {} is not valid", path.display()))?;
    }
    Ok(Cli::from_arg_matches(&matches)?)
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| cause.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}

fn run(command: Command) -> anyhow::Result<ExitCode> {
    match &command {
        Command::Extract(args) => {
            extract::run(args)?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Completions { shell } => {
            clap_complete::generate(*shell, &mut Cli::command(), "briefing", &mut std::io::stdout());
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let mut stdout = std::io::stdout();
        match command {
            Command::Serve(config) => run_server(config.validated()?).await?,
            Command::Ingest(args) => {
                let report = ingest::run(&args, &mut stdout).await?;
                if !report.rejected.is_empty() {
                    return Ok(ExitCode::FAILURE);
                }
            }
            Command::Query(args) => query::run(args, &mut stdout).await?,
            Command::Extract(_) | Command::Completions { .. } => {}
        }
        stdout.flush()?;
        Ok(ExitCode::SUCCESS)
    })
}

async fn run_server(config: ServeConfig) -> anyhow::Result<()> {
    let app = App::open(&config).await?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}; is another server using it? choose another --listen", config.listen))?;
    if let Some(path) = config.ingest.clone() {
        let docs = briefing::docfile::read_path(&path)?;
        let ingestor = app.ingestor.clone();
        tokio::spawn(async move {
            let count = docs.len();
            let summary = ingestor.ingest_all(docs).await;
            tracing::info!(
                path = %path.display(),
                count,
                created = summary.created.len(),
                duplicate = summary.duplicate.len(),
                rejected = summary.rejected.len(),
                "start-up ingest done"
            );
            for (id, reason) in summary.rejected {
                tracing::warn!(doc_id = %id, %reason, "start-up document rejected");
            }
        });
    }
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    let stopped = move || {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    };
    if let Some(addr) = config.metrics_listen {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot serve metrics on {addr}; is the port taken? choose another --metrics-listen"))?;
        let metrics = serve_metrics(app.metrics.clone(), app.store.clone(), listener, stopped());
        tokio::spawn(async move {
            if let Err(error) = metrics.await {
                tracing::error!(%error, "the metrics endpoint stopped");
            }
        });
    }
    let options = ServeOptions {
        max_message_bytes: config.max_message_bytes,
        stream_concurrency: config.stream_concurrency,
        max_streams: config.max_streams,
        tokens: Tokens::new(config.ingest_token.as_deref(), config.query_token.as_deref()),
        tls: tls_files(&config)?,
    };
    serve(app, listener, options, stopped()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Reads the TLS certificate and key named by the configuration, if any.
fn tls_files(config: &ServeConfig) -> anyhow::Result<Option<TlsFiles>> {
    let (Some(cert), Some(key)) = (&config.tls_cert, &config.tls_key) else {
        return Ok(None);
    };
    let read = |path: &std::path::Path, what: &str| {
        std::fs::read(path).with_context(|| format!("cannot read the TLS {what} {}; check --tls-cert and --tls-key", path.display()))
    };
    Ok(Some(TlsFiles { cert_pem: read(cert, "certificate")?, key_pem: read(key, "key")? }))
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_pipe_is_recognised_through_the_error_chain() {
        let io = std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        let wrapped = anyhow::Error::from(briefing::cli::client::CliError::Output(io)).context("printing the table");
        assert!(is_broken_pipe(&wrapped));
        assert!(!is_broken_pipe(&anyhow::anyhow!("the server answered Unavailable")));
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
