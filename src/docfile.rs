//! Reads press releases from disk: `.txt` files with `# key: value` headers,
//! folders of them, and JSONL files with one release per line. The only place
//! that knows these file formats.

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::domain::{Document, PartialDate};

/// Why a path could not be read as press releases.
#[derive(Debug, thiserror::Error)]
pub enum DocfileError {
    /// The file or folder could not be read.
    #[error("cannot read {path}: {source}; check that it exists and is readable")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A JSONL line is not a release object.
    #[error("{path}:{line}: not a press release object ({reason}); each line must be a JSON object with at least \"text\"")]
    Json {
        /// The JSONL file.
        path: PathBuf,
        /// One-based line number.
        line: usize,
        /// What was wrong.
        reason: String,
    },
    /// The path is neither a folder, a `.txt` nor a `.jsonl` file.
    #[error("{0}: unsupported file type; give a .txt file, a .jsonl file or a folder of .txt files")]
    Unsupported(PathBuf),
}

/// Returns the releases stored at `path`: one `.txt` file, a folder of `.txt`
/// (and `.jsonl`) files in name order, or a `.jsonl` file.
pub fn read_path(path: &Path) -> Result<Vec<Document>, DocfileError> {
    let io = |source| DocfileError::Io { path: path.to_owned(), source };
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = fs::read_dir(path)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| matches!(extension(p).as_deref(), Some("txt" | "jsonl")))
            .filter(|p| !p.to_string_lossy().ends_with(".gold.json"))
            .collect();
        entries.sort();
        let mut docs = Vec::new();
        for entry in entries {
            docs.extend(read_path(&entry)?);
        }
        return Ok(docs);
    }
    match extension(path).as_deref() {
        Some("txt") => {
            let raw = fs::read_to_string(path).map_err(io)?;
            let stem = path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            Ok(vec![parse_txt(&stem, &raw)])
        }
        Some("jsonl") => read_jsonl(path),
        _ => Err(DocfileError::Unsupported(path.to_owned())),
    }
}

fn extension(path: &Path) -> Option<String> {
    path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase())
}

/// Returns a document from a `.txt` release: leading `# key: value` lines are
/// metadata (url, date, title, source), the rest is the text. The id is the
/// file name. Headers that are not metadata stay in the text.
pub fn parse_txt(file_name: &str, raw: &str) -> Document {
    let mut doc = Document {
        id: file_name.to_owned(),
        url: None,
        source: None,
        title: None,
        published: None,
        language: None,
        text: String::new(),
    };
    let mut body_start = 0;
    for line in raw.split_inclusive('\n') {
        let Some((key, value)) = header_line(line) else { break };
        let value = value.to_owned();
        match key.as_str() {
            "url" => doc.url = Some(value),
            "date" | "published" => doc.published = value.parse::<PartialDate>().ok(),
            "title" => doc.title = Some(value),
            "source" => doc.source = Some(value),
            "language" | "lang" => doc.language = Some(value),
            _ => {}
        }
        body_start += line.len();
    }
    doc.text = raw[body_start..].trim_start_matches(['\n', '\r']).to_owned();
    doc
}

fn header_line(line: &str) -> Option<(String, &str)> {
    let rest = line.strip_prefix('#')?.trim();
    let (key, value) = rest.split_once(':')?;
    let key = key.trim().to_ascii_lowercase();
    (!key.is_empty() && key.bytes().all(|b| b.is_ascii_alphabetic())).then(|| (key, value.trim()))
}

#[derive(serde::Deserialize)]
struct JsonRelease {
    id: Option<String>,
    url: Option<String>,
    published: Option<String>,
    title: Option<String>,
    source: Option<String>,
    language: Option<String>,
    text: String,
}

fn read_jsonl(path: &Path) -> Result<Vec<Document>, DocfileError> {
    let raw = fs::read_to_string(path).map_err(|source| DocfileError::Io { path: path.to_owned(), source })?;
    let mut docs = Vec::new();
    for (n, line) in raw.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let rel: JsonRelease = serde_json::from_str(line).map_err(|e| DocfileError::Json {
            path: path.to_owned(),
            line: n + 1,
            reason: e.to_string(),
        })?;
        let id = rel.id.filter(|id| !id.is_empty()).unwrap_or_else(|| text_identity(&rel.text));
        docs.push(Document {
            id,
            url: rel.url,
            source: rel.source,
            title: rel.title,
            published: rel.published.and_then(|p| p.parse().ok()),
            language: rel.language,
            text: rel.text,
        });
    }
    Ok(docs)
}

/// Returns the identity of a text without a client id: the SHA-256 (hex) of
/// the text with runs of white space folded to one space and the ends trimmed,
/// so a re-wrapped copy of the same release is recognised.
pub fn text_identity(text: &str) -> String {
    // Folded into one buffer and hashed at once: a hash update for each word
    // and each space cost several times the hashing itself.
    hex::encode(Sha256::digest(fold_white_space(text).as_bytes()))
}

/// Returns the words of `text` (as `split_whitespace` finds them) joined by
/// one space. Copies the text in runs: only white space other than a single
/// space (a line break, two spaces) starts a new one, so a release is a few
/// dozen copies rather than one a word.
fn fold_white_space(text: &str) -> String {
    let text = text.trim();
    let bytes = text.as_bytes();
    // Whether a white-space character starts at byte `i`, and its length.
    let white_at = |i: usize| -> (bool, usize) {
        let b = bytes[i];
        if b.is_ascii() {
            // `char::is_whitespace` on ASCII; unlike `u8::is_ascii_whitespace`
            // it includes the vertical tab.
            (matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'), 1)
        } else {
            let c = text[i..].chars().next().unwrap_or_default();
            (c.is_whitespace(), c.len_utf8())
        }
    };
    let mut out = String::with_capacity(text.len());
    let (mut copied, mut i) = (0, 0);
    while i < bytes.len() {
        // Most bytes are ASCII letters, digits and marks, and most spaces
        // single: those need no closer look.
        if bytes[i] > b' ' && bytes[i].is_ascii() {
            i += 1;
            continue;
        }
        if bytes[i] == b' ' && bytes.get(i + 1).is_some_and(|&b| b > b' ' && b.is_ascii()) {
            i += 2;
            continue;
        }
        let (white, len) = white_at(i);
        if !white {
            i += len;
            continue;
        }
        let mut end = i + len;
        while end < bytes.len() {
            match white_at(end) {
                (true, len) => end += len,
                (false, _) => break,
            }
        }
        if end - i != 1 || bytes[i] != b' ' {
            out.push_str(&text[copied..i]);
            out.push(' ');
            copied = end;
        }
        i = end;
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn txt_headers_become_metadata() {
        let doc = parse_txt("a.txt", "# url: http://x\n# date: 2025-02-11\n# title: Talks\n\nBody line.\n");
        assert_eq!(doc.id, "a.txt");
        assert_eq!(doc.url.as_deref(), Some("http://x"));
        assert_eq!(doc.published.unwrap().to_string(), "2025-02-11");
        assert_eq!(doc.title.as_deref(), Some("Talks"));
        assert_eq!(doc.text, "Body line.\n");
    }

    #[test]
    fn text_without_headers_is_kept_whole() {
        let doc = parse_txt("s.txt", " date 2025-03-19 Tell a friend\n\nText.");
        assert_eq!(doc.published, None);
        assert!(doc.text.starts_with(" date 2025-03-19"));
    }

    #[test]
    fn identity_ignores_white_space_layout() {
        assert_eq!(text_identity("a  b\n c "), text_identity("a b c"));
        assert_ne!(text_identity("a b c"), text_identity("a b d"));
        // Stored identities are compared with new ones: the digest itself must not change.
        assert_eq!(text_identity("\ta\u{a0}b\r\n c "), "0e9f64031fcb2bc708b531c2a20441580425d151a38503f38592a7dd36019d3b");
    }

    #[test]
    fn white_space_folds_as_split_whitespace_joins() {
        for text in [
            "", " ", "a", " a ", "a b", "a  b", "a\nb", "a \n b", "a\u{b}b\u{c}c", "a\u{85}b\u{a0}c\u{2003}d\u{3000}e",
            "\u{1c}a\u{1f}b", "é  ü\t\tß", "end.\r\n\r\nNext para.  Two spaces", "\u{2028}x\u{2029}",
        ] {
            assert_eq!(fold_white_space(text), text.split_whitespace().collect::<Vec<_>>().join(" "), "{text:?}");
        }
    }
}
