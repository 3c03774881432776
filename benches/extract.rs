//! Speed of the extraction core, single thread.
//!
//! Two parts. First a plain timed pass over the whole corpus that prints
//! words per second, MB per second and the median and p99 time per document;
//! then criterion groups: `throughput` (the whole corpus per iteration) and
//! `size` (synthetic documents of 1 KB … 1 MB made by joining real texts,
//! reported per byte so that linear growth shows as a flat time per MB).
//!
//! Before any timing the bench checks its answers: the corpus must yield
//! persons and events, and the same counts twice. The corpus is
//! `../shared/corpus/us-gov-releases.jsonl` or `BRIEFING_CORPUS`;
//! `BRIEFING_BENCH_MAX_SIZE` (bytes) leaves out the larger synthetic sizes.

// `criterion_group!` defines a public function it does not document.
#![allow(missing_docs)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use briefing::docfile;
use briefing::domain::Document;
use briefing::extract::{Extractor, Input};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// Document sizes of the scaling group, in bytes.
const SIZES: &[(usize, &str)] = &[(1 << 10, "1KB"), (10 << 10, "10KB"), (100 << 10, "100KB"), (1 << 20, "1MB")];

/// The sizes to run: all, or those up to `BRIEFING_BENCH_MAX_SIZE` bytes
/// (to time a slow build without waiting on its largest document).
fn sizes() -> Vec<(usize, &'static str)> {
    let max = std::env::var("BRIEFING_BENCH_MAX_SIZE").ok().and_then(|v| v.parse().ok()).unwrap_or(usize::MAX);
    SIZES.iter().copied().filter(|&(size, _)| size <= max).collect()
}

fn corpus_path() -> PathBuf {
    std::env::var_os("BRIEFING_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/us-gov-releases.jsonl"))
}

fn load_corpus() -> Vec<Document> {
    let path = corpus_path();
    docfile::read_path(&path).unwrap_or_else(|e| panic!("cannot read the corpus at {} (set BRIEFING_CORPUS): {e}", path.display()))
}

fn input(doc: &Document) -> Input<'_> {
    Input { text: &doc.text, published: doc.published, title: doc.title.as_deref() }
}

/// Answer counts of one pass: persons, events, quotes, figures.
#[derive(Debug, PartialEq, Eq, Clone, Copy, Default)]
struct Counts {
    persons: usize,
    events: usize,
    quotes: usize,
    figures: usize,
}

fn count_pass(ex: &Extractor, docs: &[Document]) -> Counts {
    let mut c = Counts::default();
    for doc in docs {
        let x = ex.extract(&input(doc));
        c.persons += x.persons.len();
        c.events += x.events.len();
        c.quotes += x.quotes.len();
        c.figures += x.figures.len();
    }
    c
}

/// Checks the answers before anything is timed.
fn check_answers(ex: &Extractor, docs: &[Document]) -> Counts {
    let first = count_pass(ex, docs);
    assert!(first.persons > 0 && first.events > 0 && first.quotes > 0 && first.figures > 0, "the corpus yields nothing: {first:?}");
    let second = count_pass(ex, docs);
    assert_eq!(first, second, "the extraction is not deterministic");
    first
}

/// Returns the CPU time this thread has used (user + system), read from
/// `/proc/thread-self/stat` in clock ticks of 10 ms; `None` off Linux. On a
/// busy machine it tells the work done apart from the time spent waiting
/// for a core.
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the command name, which is in parentheses.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

/// One timed pass over the corpus, printed as the headline figures.
fn report_corpus(ex: &Extractor, docs: &[Document]) {
    let words: usize = docs.iter().map(|d| d.text.split_whitespace().count()).sum();
    let bytes: usize = docs.iter().map(|d| d.text.len()).sum();
    let mut times = Vec::with_capacity(docs.len());
    let mut total = Duration::ZERO;
    let mut cpu = None;
    // Three passes; the figures are from the fastest (least disturbed) one.
    for _ in 0..3 {
        let mut pass = Vec::with_capacity(docs.len());
        let cpu0 = thread_cpu();
        let t0 = Instant::now();
        for doc in docs {
            let t = Instant::now();
            black_box(ex.extract(&input(doc)));
            pass.push(t.elapsed());
        }
        let elapsed = t0.elapsed();
        let pass_cpu = thread_cpu().zip(cpu0).map(|(b, a)| b - a);
        if times.is_empty() || elapsed < total {
            total = elapsed;
            times = pass;
        }
        cpu = match (cpu, pass_cpu) {
            (Some(c), Some(p)) => Some(p.min(c)),
            (_, p) => p,
        };
    }
    times.sort();
    let secs = total.as_secs_f64();
    println!("corpus: {} documents, {words} words, {:.2} MB", docs.len(), bytes as f64 / 1e6);
    println!("corpus: {secs:.3} s, {:.0} words/s, {:.2} MB/s", words as f64 / secs, bytes as f64 / 1e6 / secs);
    if let Some(cpu) = cpu.filter(|c| !c.is_zero()) {
        let c = cpu.as_secs_f64();
        println!("corpus: thread CPU {c:.3} s, {:.0} words/s, {:.2} MB/s", words as f64 / c, bytes as f64 / 1e6 / c);
    }
    println!(
        "corpus: per document median {:.1} µs, p99 {:.1} µs, max {:.1} µs",
        percentile(&times, 0.5).as_secs_f64() * 1e6,
        percentile(&times, 0.99).as_secs_f64() * 1e6,
        times.last().map_or(0.0, |d| d.as_secs_f64() * 1e6)
    );
}

/// Returns a document of exactly `size` bytes (cut on a char boundary) made
/// of real texts joined by blank lines.
fn synthetic(docs: &[Document], size: usize) -> String {
    let mut out = String::with_capacity(size + 4096);
    for doc in docs.iter().cycle() {
        if out.len() >= size {
            break;
        }
        out.push_str(&doc.text);
        out.push_str("\n\n");
    }
    let mut cut = size.min(out.len());
    while !out.is_char_boundary(cut) {
        cut -= 1;
    }
    out.truncate(cut);
    out
}

/// Prints the time per MB of each synthetic size (median of several runs).
fn report_sizes(ex: &Extractor, docs: &[Document]) {
    for (size, label) in sizes() {
        let text = synthetic(docs, size);
        let doc = Input { text: &text, published: None, title: None };
        let x = ex.extract(&doc);
        assert!(!x.persons.is_empty() || size < 4096, "{label}: no persons in a synthetic document");
        let runs = if size >= 1 << 20 { 5 } else { 15 };
        let cpu0 = thread_cpu();
        let mut times: Vec<Duration> = (0..runs)
            .map(|_| {
                let t = Instant::now();
                black_box(ex.extract(&doc));
                t.elapsed()
            })
            .collect();
        let cpu = thread_cpu().zip(cpu0).map_or(0.0, |(b, a)| (b - a).as_secs_f64() / runs as f64);
        times.sort();
        let med = times[times.len() / 2].as_secs_f64();
        let mb = size as f64 / 1e6;
        println!("size {label:>6}: median {:9.3} ms, {:7.1} ms per MB (thread CPU {:7.1} ms per MB)", med * 1e3, med * 1e3 / mb, cpu * 1e3 / mb);
    }
}

fn benches(c: &mut Criterion) {
    let docs = load_corpus();
    let ex = Extractor::new();
    let counts = check_answers(&ex, &docs);
    println!("answers: {counts:?}");
    report_corpus(&ex, &docs);
    report_sizes(&ex, &docs);

    let bytes: u64 = docs.iter().map(|d| d.text.len() as u64).sum();
    let mut g = c.benchmark_group("throughput");
    g.sample_size(10).measurement_time(Duration::from_secs(20)).throughput(Throughput::Bytes(bytes));
    g.bench_function("corpus", |b| {
        b.iter(|| {
            for doc in &docs {
                black_box(ex.extract(&input(doc)));
            }
        })
    });
    g.finish();

    let mut g = c.benchmark_group("size");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    for (size, label) in sizes() {
        let text = synthetic(&docs, size);
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(label), &text, |b, text| {
            b.iter(|| black_box(ex.extract(&Input { text, published: None, title: None })))
        });
    }
    g.finish();
}

criterion_group!(extract, benches);
criterion_main!(extract);
