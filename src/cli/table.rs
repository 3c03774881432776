//! Aligned plain-text tables for the terminal, and JSON lines for programs:
//! the two output forms of `briefing query`.

use std::io::{self, Write};

use serde_json::Value;

/// Widest a cell is printed before it is cut with an ellipsis.
const MAX_CELL: usize = 70;

/// Returns a cell's text: strings as they are, lists joined with ", ",
/// numbers without a trailing `.0`, null as `-`.
pub fn cell_text(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) if s.is_empty() => "-".into(),
        Value::String(s) => s.replace(['\n', '\r', '\t'], " "),
        Value::Array(a) if a.is_empty() => "-".into(),
        Value::Array(a) => a.iter().map(cell_text).collect::<Vec<_>>().join(", "),
        Value::Number(n) => n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 1e15).map_or(n.to_string(), |f| format!("{f:.0}")),
        other => other.to_string(),
    }
}

fn cut(s: String) -> String {
    if s.chars().count() <= MAX_CELL {
        s
    } else {
        let mut t: String = s.chars().take(MAX_CELL - 1).collect();
        t.push('…');
        t
    }
}

/// Prints `rows` as a table of the given columns (`(header, json key)`).
pub fn print_table(out: &mut impl Write, columns: &[(&str, &str)], rows: &[Value]) -> io::Result<()> {
    if rows.is_empty() {
        return writeln!(out, "(nothing found)");
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| columns.iter().map(|(_, key)| cut(cell_text(r.get(*key).unwrap_or(&Value::Null)))).collect())
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, (h, _))| cells.iter().map(|r| r[i].chars().count()).chain([h.len()]).max().unwrap_or(0))
        .collect();
    let line = |out: &mut dyn Write, items: Vec<&str>| -> io::Result<()> {
        let parts: Vec<String> = items.iter().zip(&widths).map(|(s, w)| format!("{s:<w$}")).collect();
        writeln!(out, "{}", parts.join("  ").trim_end())
    };
    line(out, columns.iter().map(|(h, _)| *h).collect())?;
    for row in &cells {
        line(out, row.iter().map(String::as_str).collect())?;
    }
    Ok(())
}

/// Prints every row as one JSON object per line.
pub fn print_json_lines(out: &mut impl Write, rows: &[Value]) -> io::Result<()> {
    rows.iter().try_for_each(|r| writeln!(out, "{r}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn columns_line_up() {
        let rows = vec![json!({"a": "x", "b": ["KZ", "RO"]}), json!({"a": "longer", "b": 2920000000.0})];
        let mut out = Vec::new();
        print_table(&mut out, &[("A", "a"), ("B", "b")], &rows).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, "A       B\nx       KZ, RO\nlonger  2920000000\n");
    }
}
