//! The `briefing` command: parses the command line, reads the configuration,
//! sets up logging and runs one subcommand. The only user of `anyhow`.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use briefing::app::App;
use briefing::cli::{extract, ingest, query};
use briefing::config::ServeConfig;
use briefing::service::{ServeOptions, serve};

/// Briefing reads diplomatic press releases and serves the facts in them.
#[derive(Debug, Parser)]
#[command(name = "briefing", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let level = if matches!(cli.command, Command::Serve(_)) { "info" } else { "warn" };
    briefing::telemetry::init(level);
    match run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> anyhow::Result<ExitCode> {
    if let Command::Extract(args) = &command {
        extract::run(args)?;
        return Ok(ExitCode::SUCCESS);
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
            Command::Extract(_) => {}
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
    let options = ServeOptions { max_message_bytes: config.max_message_bytes, stream_concurrency: config.stream_concurrency, ..ServeOptions::default() };
    serve(app, listener, options, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
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
