//! `briefing extract`: reads files offline, with no server, and prints what
//! the extraction core finds, as a readable summary, JSON or the eval view.

use std::io::{self, Write};
use std::path::PathBuf;

use crate::docfile;
use crate::domain::{Document, Extraction};
use crate::eval_view::eval_json;
use crate::extract::{Extractor, Input};

/// How `briefing extract` prints its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A readable summary, each fact with its evidence sentence.
    Text,
    /// The full extraction with evidence, one JSON object per line.
    Json,
    /// The eval view of shared/eval/FORMAT.md, one JSON object per line.
    Eval,
}

/// Arguments of `briefing extract`.
#[derive(Debug, clap::Args)]
pub struct ExtractArgs {
    /// Press releases: `.txt` files, folders of them, or `.jsonl` files.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Runs the extraction over every file and prints the results to stdout.
pub fn run(args: &ExtractArgs) -> Result<(), docfile::DocfileError> {
    let extractor = Extractor::new();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    for path in &args.paths {
        for doc in docfile::read_path(path)? {
            let x = extractor.extract(&Input {
                text: &doc.text,
                published: doc.published,
                title: doc.title.as_deref(),
            });
            // A closed pipe (e.g. `| head`) ends the output quietly.
            if print(&mut out, args.format, &doc, &x).is_err() {
                return Ok(());
            }
        }
    }
    let _ = out.flush();
    Ok(())
}

fn print(out: &mut impl Write, format: Format, doc: &Document, x: &Extraction) -> io::Result<()> {
    match format {
        Format::Eval => writeln!(out, "{}", eval_json(&doc.id, x)),
        Format::Json => {
            let line = serde_json::json!({"doc": doc.id, "extraction": x});
            writeln!(out, "{line}")
        }
        Format::Text => print_summary(out, doc, x),
    }
}

fn print_summary(out: &mut impl Write, doc: &Document, x: &Extraction) -> io::Result<()> {
    // The evidence names a sentence by index; segment the text the same way
    // the core did to show it.
    let text = crate::extract::text::Text::new(&doc.text);
    let sentence = |e: &[crate::domain::Evidence]| -> String {
        let Some(ev) = e.iter().find(|e| !e.spans.is_empty()) else { return "(headline)".into() };
        let s = ev.sentence as usize;
        let line = if s < text.sentences.len() { text.sent_str(s) } else { "" };
        let mut short: String = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if short.chars().count() > 140 {
            short = short.chars().take(139).collect::<String>() + "…";
        }
        format!("[{}] {short}", ev.rule)
    };
    writeln!(out, "== {} ({})", doc.id, x.published.map(|d| d.to_string()).unwrap_or_else(|| "undated".into()))?;
    for p in &x.persons {
        writeln!(out, "person   {} [{}] {} — {}", p.name, p.country.as_deref().unwrap_or("-"), p.titles.join("; "), sentence(&p.evidence))?;
    }
    for o in &x.organizations {
        writeln!(out, "org      {} [{}]", o.name, o.country.as_deref().unwrap_or("intl"))?;
    }
    let codes: Vec<&str> = x.countries.iter().map(|c| c.code.as_str()).collect();
    writeln!(out, "countries {}", codes.join(" "))?;
    for p in &x.places {
        writeln!(out, "place    {} [{}]", p.name, p.country.as_deref().unwrap_or("-"))?;
    }
    for e in &x.events {
        let date = e.date.map(|d| d.to_string()).unwrap_or_else(|| "-".into());
        writeln!(out, "event    {} {} {} {} — {}", e.kind.as_str(), date, e.place.as_deref().unwrap_or("-"), e.participants.join(", "), sentence(&e.evidence))?;
    }
    for q in &x.quotes {
        writeln!(out, "quote    {}: “{}”", q.speaker.as_deref().unwrap_or("?"), q.text)?;
    }
    for f in &x.figures {
        writeln!(out, "figure   {} {} {} {} [{}] — {}", f.metric, f.value, f.unit, f.period.as_deref().unwrap_or("-"), f.countries.join(" "), sentence(&f.evidence))?;
    }
    let topics: Vec<&str> = x.topics.iter().map(|t| t.name.as_str()).collect();
    writeln!(out, "topics   {}", topics.join(" "))
}
