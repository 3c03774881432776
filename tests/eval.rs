//! Extraction quality on the keyed development releases: runs the core over
//! `../shared/eval/dev`, scores the answers with the project's `score.py`,
//! and fails below the quality floors. Skips, saying so, where the folder is
//! absent (a user's clone); `BRIEFING_EVAL_DIR` points elsewhere.

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

use briefing::docfile;
use briefing::eval_view::eval_json;
use briefing::extract::{Extractor, Input};

/// Minimum F1 per category, and the macro F1 floor.
const FLOORS: &[(&str, f64)] = &[("persons", 0.90), ("countries", 0.90), ("figures", 0.90), ("quotes", 0.85), ("events", 0.75)];
const MACRO_FLOOR: f64 = 0.80;
const SPEAKER_FLOOR: f64 = 0.90;

fn eval_dir() -> PathBuf {
    std::env::var_os("BRIEFING_EVAL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/eval"))
}

#[test]
fn dev_set_meets_quality_floors() -> anyhow::Result<()> {
    let eval = eval_dir();
    let dev = eval.join("dev");
    if !dev.join("../score.py").exists() || !dev.is_dir() {
        eprintln!("skipped: no eval set at {} (set BRIEFING_EVAL_DIR to run it)", dev.display());
        return Ok(());
    }
    let extractor = Extractor::new();
    let answers = std::env::temp_dir().join(format!("briefing-eval-{}.jsonl", std::process::id()));
    let mut out = std::fs::File::create(&answers)?;
    let mut n = 0;
    for doc in docfile::read_path(&dev)? {
        let x = extractor.extract(&Input { text: &doc.text, published: doc.published, title: doc.title.as_deref() });
        writeln!(out, "{}", eval_json(&doc.id, &x))?;
        n += 1;
    }
    drop(out);
    assert!(n > 0, "no .txt documents in {}", dev.display());
    let output = Command::new("python3").arg(eval.join("score.py")).arg(&dev).arg(&answers).arg("--json").output()?;
    let _ = std::fs::remove_file(&answers);
    assert!(output.status.success(), "score.py failed: {}", String::from_utf8_lossy(&output.stderr));
    let result: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    let f1 = |cat: &str| result["categories"][cat]["f1"].as_f64().unwrap_or(0.0);
    eprintln!("category        P      R      F1");
    for (cat, v) in result["categories"].as_object().into_iter().flatten() {
        eprintln!("{cat:<14} {:.3}  {:.3}  {:.3}", v["precision"].as_f64().unwrap_or(0.0), v["recall"].as_f64().unwrap_or(0.0), v["f1"].as_f64().unwrap_or(0.0));
    }
    let macro_f1 = result["macro_f1"].as_f64().unwrap_or(0.0);
    let speaker = result["categories"]["quotes"]["attributes"]["speaker"].as_f64().unwrap_or(0.0);
    eprintln!("macro F1 {macro_f1:.3}, quote speaker accuracy {speaker:.3}");
    let mut failures = Vec::new();
    for (cat, floor) in FLOORS {
        if f1(cat) < *floor {
            failures.push(format!("{cat} F1 {:.3} < {floor}", f1(cat)));
        }
    }
    if macro_f1 < MACRO_FLOOR {
        failures.push(format!("macro F1 {macro_f1:.3} < {MACRO_FLOOR}"));
    }
    if speaker < SPEAKER_FLOOR {
        failures.push(format!("quote speaker accuracy {speaker:.3} < {SPEAKER_FLOOR}"));
    }
    assert!(failures.is_empty(), "below the quality floors: {}", failures.join("; "));
    Ok(())
}
