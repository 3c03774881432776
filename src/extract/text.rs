//! Text handling: finds the body (past header and clutter lines), splits it
//! into paragraphs and sentences, and tokenizes it into words and marks that
//! keep their byte spans in the original text.

use std::ops::Range;

use crate::domain::PartialDate;

/// A token: a word, a number or one punctuation character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// First byte in the original text.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// Index of the sentence the token belongs to.
    pub sent: usize,
    /// What kind of token this is.
    pub kind: TokKind,
}

/// The shape of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokKind {
    /// Letters (maybe with inner hyphens, apostrophes or dots), first one upper case.
    Cap,
    /// Letters, first one lower case.
    Lower,
    /// Starts with a digit.
    Num,
    /// One punctuation or symbol character.
    Punct,
}

/// A sentence: its byte range and the paragraph it lies in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    /// Byte range in the original text.
    pub range: Range<usize>,
    /// Index of the paragraph.
    pub para: usize,
    /// Range of its tokens in [`Text::tokens`].
    pub tokens: Range<usize>,
}

/// A segmented and tokenized document.
#[derive(Debug)]
pub struct Text<'a> {
    /// The original text.
    pub src: &'a str,
    /// Paragraphs (non-blank lines), trimmed.
    pub paragraphs: Vec<Range<usize>>,
    /// Sentences in text order.
    pub sentences: Vec<Sentence>,
    /// Tokens in text order.
    pub tokens: Vec<Token>,
    /// A publication date found in a header line of the text itself.
    pub header_date: Option<PartialDate>,
}

/// The most tokens a sentence holds; a longer run without an end mark is
/// split. Far above any sentence of real releases (a few hundred tokens).
const MAX_SENTENCE_TOKENS: usize = 512;

/// Words after which a period does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "Mr", "Mrs", "Ms", "Dr", "St", "No", "Nos", "Gen", "Amb", "Sen", "Rep", "Gov", "Lt", "Col",
    "Maj", "Capt", "Prof", "Jr", "Sr", "Co", "Inc", "Ltd", "vs", "etc", "Jan", "Feb", "Mar", "Apr",
    "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "Eng", "Rev", "Hon", "Adm", "Sgt",
    "Cdr", "Mt", "Ft", "approx", "Art", "para", "Vol", "Fig", "Messrs", "Pres", "Dept", "Corp",
    "Smt", "Shri", "Sri", "Engr", "Fr", "Mme", "Rt", "Cmdr", "Brig", "Hon", "Excl", "Ph", "Acad",
];

impl<'a> Text<'a> {
    /// Returns the segmented text. Header lines (`# key: value`), a leading
    /// `date YYYY-MM-DD` line and share/clutter lines are left out of every
    /// paragraph.
    pub fn new(src: &'a str) -> Self {
        // About five bytes a token and a hundred and fifty a sentence in releases.
        let (tokens, sentences) = (Vec::with_capacity(src.len() / 5), Vec::with_capacity(src.len() / 150));
        let mut text = Text { src, paragraphs: Vec::new(), sentences, tokens, header_date: None };
        let mut offset = 0;
        let mut in_header = true;
        for line in src.split_inclusive('\n') {
            let start = offset;
            offset += line.len();
            let trimmed = line.trim();
            if trimmed.is_empty() {
                continue;
            }
            if in_header && text.header_line(trimmed) {
                continue;
            }
            in_header = false;
            if is_clutter(trimmed) {
                continue;
            }
            let lead = line.len() - line.trim_start().len();
            let s = start + lead;
            text.paragraphs.push(s..s + trimmed.len());
        }
        for p in 0..text.paragraphs.len() {
            text.split_paragraph(p);
        }
        text
    }

    fn header_line(&mut self, line: &str) -> bool {
        if let Some(rest) = line.strip_prefix('#') {
            if let Some((key, value)) = rest.split_once(':') {
                if key.trim().eq_ignore_ascii_case("date") {
                    self.header_date = value.trim().parse().ok();
                }
                return true;
            }
        }
        // A news page's "date 2025-03-19 Tell a friend" line.
        let mut words = line.split_whitespace();
        if words.next().is_some_and(|w| w.eq_ignore_ascii_case("date")) {
            if let Some(d) = words.next().and_then(|w| w.parse::<PartialDate>().ok()) {
                self.header_date = Some(d);
                return true;
            }
        }
        false
    }

    fn split_paragraph(&mut self, para: usize) {
        let range = self.paragraphs[para].clone();
        let first_token = self.tokens.len();
        tokenize(self.src, range.clone(), self.sentences.len(), &mut self.tokens);
        let mut sent_start_tok = first_token;
        let mut i = first_token;
        while i < self.tokens.len() {
            if self.ends_sentence(i, range.end) {
                // Closing quotation marks and brackets stay with the sentence.
                let mut j = i + 1;
                while j < self.tokens.len() && is_closer(self.tok_str(j)) && self.tokens[j].start == self.tokens[j - 1].end {
                    j += 1;
                }
                self.push_sentence(para, sent_start_tok..j);
                sent_start_tok = j;
                i = j;
                continue;
            }
            // A run-on "sentence" is cut: no real one is this long, and the
            // rules that read a whole sentence per hit stay linear.
            if i + 1 - sent_start_tok >= MAX_SENTENCE_TOKENS {
                self.push_sentence(para, sent_start_tok..i + 1);
                sent_start_tok = i + 1;
            }
            i += 1;
        }
        if sent_start_tok < self.tokens.len() {
            self.push_sentence(para, sent_start_tok..self.tokens.len());
        }
    }

    fn push_sentence(&mut self, para: usize, toks: Range<usize>) {
        let idx = self.sentences.len();
        for t in &mut self.tokens[toks.clone()] {
            t.sent = idx;
        }
        let range = self.tokens[toks.start].start..self.tokens[toks.end - 1].end;
        self.sentences.push(Sentence { range, para, tokens: toks });
    }

    fn ends_sentence(&self, i: usize, para_end: usize) -> bool {
        let s = self.tok_str(i);
        if !matches!(s, "." | "!" | "?") {
            return false;
        }
        // Next non-closer token must be separated by space and start a sentence.
        let mut j = i + 1;
        while j < self.tokens.len() && is_closer(self.tok_str(j)) {
            j += 1;
        }
        let Some(next) = self.tokens.get(j) else { return true };
        if next.start >= para_end {
            return true;
        }
        if next.start == self.tokens[j - 1].end {
            return false;
        }
        let next_str = self.tok_str(j);
        let starts_upper = next_str.chars().next().is_some_and(|c| c.is_uppercase() || c.is_ascii_digit());
        let opener = is_opener(next_str);
        if !(starts_upper || opener) {
            return false;
        }
        if s != "." || i == 0 {
            return true;
        }
        let prev = self.tokens[i - 1];
        if prev.end != self.tokens[i].start {
            return true;
        }
        let word = &self.src[prev.start..prev.end];
        // Initials ("J."), dotted abbreviations ("U.S.") and titles ("Dr.").
        let single_cap = word.chars().count() == 1 && word.chars().all(char::is_uppercase);
        if single_cap || ABBREVIATIONS.contains(&word) {
            return false;
        }
        if word.contains('.') {
            // "U.S." ends a sentence only before a word that usually opens one.
            return matches!(next_str, "The" | "He" | "She" | "It" | "This" | "They" | "We" | "In" | "On" | "I");
        }
        true
    }

    /// Returns the text of token `i`.
    pub fn tok_str(&self, i: usize) -> &'a str {
        let t = self.tokens[i];
        &self.src[t.start..t.end]
    }

    /// Returns the text of the sentence.
    pub fn sent_str(&self, s: usize) -> &'a str {
        &self.src[self.sentences[s].range.clone()]
    }

    /// Returns the index of the token starting at byte `start`, if any.
    pub fn token_at(&self, start: usize) -> Option<usize> {
        self.tokens.binary_search_by_key(&start, |t| t.start).ok()
    }

    /// Returns the index of the first token starting at or after `pos`.
    pub fn token_from(&self, pos: usize) -> usize {
        self.tokens.partition_point(|t| t.start < pos)
    }

    /// Returns the sentence containing byte `pos` (the last one before it).
    pub fn sentence_of(&self, pos: usize) -> usize {
        self.sentences.partition_point(|s| s.range.start <= pos).saturating_sub(1)
    }
}

/// Lines that belong to the page, not the release.
fn is_clutter(line: &str) -> bool {
    let l = line.trim_matches(|c: char| !c.is_alphanumeric()).to_ascii_lowercase();
    matches!(l.as_str(), "tell a friend" | "share" | "print" | "related news" | "read more" | "subscribe")
}

fn is_closer(s: &str) -> bool {
    matches!(s, "”" | "»" | "\"" | "’" | "'" | ")" | "]" | "“")
}

fn is_opener(s: &str) -> bool {
    matches!(s, "“" | "«" | "\"" | "„" | "‘" | "(" | "'")
}

/// Splits `range` of `src` into tokens, appended to `out`.
fn tokenize(src: &str, range: Range<usize>, sent: usize, out: &mut Vec<Token>) {
    let bytes = src.as_bytes();
    let mut chars = src[range.clone()].char_indices().peekable();
    let base = range.start;
    while let Some((off, c)) = chars.next() {
        let start = base + off;
        if c.is_whitespace() {
            continue;
        }
        if c.is_alphanumeric() {
            let mut end = start + c.len_utf8();
            while let Some(&(o2, c2)) = chars.peek() {
                let pos = base + o2;
                if c2.is_alphanumeric() {
                    end = pos + c2.len_utf8();
                    chars.next();
                    continue;
                }
                // Inner joiners: hyphen, apostrophes, and dots or commas
                // between digits ("2.92", "1,234") or in "U.S." style words.
                let next = src[pos + c2.len_utf8()..range.end].chars().next();
                let joins = match c2 {
                    '-' | '\'' | '’' | '‐' => next.is_some_and(char::is_alphanumeric),
                    '.' | ',' | '/' if c.is_ascii_digit() => next.is_some_and(|n| n.is_ascii_digit()),
                    '.' => is_dotted_abbrev(&src[start..pos], next),
                    _ => false,
                };
                if !joins {
                    break;
                }
                end = pos + c2.len_utf8();
                chars.next();
            }
            // Keep the final dot of "U.S." and "D.C." with the word.
            if end < range.end && bytes[end] == b'.' && src[start..end].contains('.') && !c.is_ascii_digit() {
                end += 1;
                chars.next();
            }
            let kind = if c.is_ascii_digit() {
                TokKind::Num
            } else if c.is_uppercase() {
                TokKind::Cap
            } else if c.is_alphabetic() {
                TokKind::Lower
            } else {
                TokKind::Num
            };
            out.push(Token { start, end, sent, kind });
        } else {
            out.push(Token { start, end: start + c.len_utf8(), sent, kind: TokKind::Punct });
        }
    }
}

/// "U" + "." + "S" style: single letters joined by dots.
fn is_dotted_abbrev(so_far: &str, next: Option<char>) -> bool {
    let last_piece = so_far.rsplit('.').next().unwrap_or("");
    last_piece.chars().count() == 1 && next.is_some_and(char::is_alphabetic) && {
        // The letter after the dot must itself be a single letter piece.
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentences(src: &str) -> Vec<&str> {
        let t = Text::new(src);
        (0..t.sentences.len()).map(|i| t.sent_str(i)).collect()
    }

    #[test]
    fn splits_on_periods_but_not_abbreviations() {
        assert_eq!(
            sentences("The U.S. delegation met Dr. Amir Khan. Talks were held in Washington, D.C. on Monday. It ended."),
            vec!["The U.S. delegation met Dr. Amir Khan.", "Talks were held in Washington, D.C. on Monday.", "It ended."]
        );
    }

    #[test]
    fn keeps_numbers_initials_and_quarters_whole() {
        let s = sentences("Turnover reached 2.92 billion in Q3. Antony J. Blinken spoke. Romania is No. 1 partner.");
        assert_eq!(s.len(), 3, "{s:?}");
        assert_eq!(s[1], "Antony J. Blinken spoke.");
    }

    #[test]
    fn closing_quote_stays_with_its_sentence() {
        let s = sentences("He said: “We agreed.” The sides parted.");
        assert_eq!(s, vec!["He said: “We agreed.”", "The sides parted."]);
    }

    #[test]
    fn header_lines_give_the_date_and_are_skipped() {
        let t = Text::new(" date 2025-03-19 Tell a friend\n\nFirst line.\nShare\n");
        assert_eq!(t.header_date.unwrap().to_string(), "2025-03-19");
        assert_eq!(t.paragraphs.len(), 1);
        let t = Text::new("# date: 2024-01-02\n# title: x\n\nBody.");
        assert_eq!(t.header_date.unwrap().to_string(), "2024-01-02");
        assert_eq!(t.sent_str(0), "Body.");
    }

    #[test]
    fn tokens_keep_inner_joiners() {
        let t = Text::new("Kazakh-Romanian ties worth 1,234.5 million in the U.S. and Romania’s.");
        let toks: Vec<&str> = (0..t.tokens.len()).map(|i| t.tok_str(i)).collect();
        assert!(toks.contains(&"Kazakh-Romanian"));
        assert!(toks.contains(&"1,234.5"));
        assert!(toks.contains(&"U.S."));
        assert!(toks.contains(&"Romania’s"));
    }

    #[test]
    fn survives_odd_input() {
        for src in ["", "....", "“““", "\u{0}\u{1}", "a.b.c.d.", "ü.", "1.", "\"\"\"\"", "U.S"] {
            let _ = Text::new(src);
        }
    }
}
