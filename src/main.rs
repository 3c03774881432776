//! The `briefing` command: parses the command line and runs one subcommand.

use clap::{Parser, Subcommand};

/// Briefing reads diplomatic press releases and serves the facts in them.
#[derive(Debug, Parser)]
#[command(name = "briefing", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Reads files offline and prints the facts found (no server needed).
    Extract(briefing::cli::extract::ExtractArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Extract(args) => briefing::cli::extract::run(&args)?,
    }
    Ok(())
}
