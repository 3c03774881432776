//! Direct quotations and their speakers, in two steps: find each quotation
//! (every mark style, continued across paragraphs, transcript turns), then
//! link it to a mention (`"…," said X`, `X said: "…"`, `"…," the Minister
//! stressed`, the one person its paragraph names) and the mention to a person.

use super::Ctx;
use super::lexicon::{Cue, Entry};
use super::persons::{Persons, fold};
use super::text::TokKind;
use crate::domain::{Evidence, Quote, Span};

/// A quotation found in the text, before attribution.
#[derive(Debug, Clone)]
struct Raw {
    /// Byte range of the words inside the marks (first piece).
    inner: (usize, usize),
    /// Further pieces when the quotation continues in later paragraphs.
    more: Vec<(usize, usize)>,
    /// Byte range including the marks.
    outer: (usize, usize),
    /// Paragraph index.
    para: usize,
}

/// Labels that open a transcript turn but name no one.
const ANONYMOUS_LABELS: &[&str] = &["QUESTION", "Q", "MODERATOR", "OPERATOR", "PARTICIPANT", "STAFF", "AUDIENCE", "REPORTER", "INTERPRETER", "NARRATOR", "ANNOUNCER"];

/// Extracts the quotations of the document with their speakers.
pub fn extract(cx: &Ctx<'_>, persons: &Persons) -> Vec<Quote> {
    let mut out = Vec::new();
    let mut last_speaker: Option<usize> = None;
    let raws = find_quotations(cx);
    for (n, raw) in raws.iter().enumerate() {
        let text = quote_text(cx, raw);
        let words = text.split_whitespace().count();
        let attributed = attribute(cx, persons, raw);
        let continued = n > 0 && raws[n - 1].more.last().is_some_and(|_| false);
        let _ = continued;
        if words < 4 && attributed.is_none() || words < 2 {
            continue;
        }
        let (speaker, rule) = match attributed {
            Some((p, rule)) => (Some(p), rule),
            None => match paragraph_speaker(cx, persons, raw).or(last_speaker.filter(|_| starts_paragraph(cx, raw))) {
                Some(p) => (Some(p), "quote.paragraph"),
                None => (None, "quote.unattributed"),
            },
        };
        if words < 4 && speaker.is_none() {
            continue;
        }
        last_speaker = speaker.or(last_speaker);
        let mut ev = Evidence::new(Span::new(raw.outer.0, raw.outer.1), cx.text.sentence_of(raw.outer.0), rule);
        ev.spans.extend(raw.more.iter().map(|&(s, e)| Span::new(s, e)));
        out.push(Quote { text, speaker: speaker.map(|p| persons.people[p].name.clone()), evidence: vec![ev] });
    }
    out.extend(transcript_turns(cx, persons));
    out
}

fn quote_text(cx: &Ctx<'_>, raw: &Raw) -> String {
    let src = cx.text.src;
    let mut text = clean(&src[raw.inner.0..raw.inner.1]);
    for &(s, e) in &raw.more {
        text.push(' ');
        text.push_str(&clean(&src[s..e]));
    }
    text
}

fn clean(s: &str) -> String {
    let s = s.trim().trim_end_matches([',', ';', ':']).trim();
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_open(c: char) -> bool {
    matches!(c, '“' | '«' | '„' | '"')
}

fn closer_for(c: char) -> &'static [char] {
    match c {
        '“' => &['”', '"'],
        '«' => &['»'],
        '„' => &['“', '”'],
        _ => &['"', '”'],
    }
}

/// Finds the quotations, paragraph by paragraph; an unclosed quotation runs
/// to its paragraph's end and continues in the next paragraph that opens
/// with a quotation mark.
fn find_quotations(cx: &Ctx<'_>) -> Vec<Raw> {
    let src = cx.text.src;
    let mut out: Vec<Raw> = Vec::new();
    let mut open_continues = false;
    for (pi, para) in cx.text.paragraphs.iter().enumerate() {
        let p = &src[para.clone()];
        let mut chars = p.char_indices().peekable();
        let continuing = open_continues;
        open_continues = false;
        let mut first = true;
        while let Some((i, c)) = chars.next() {
            if !is_open(c) {
                first = false;
                continue;
            }
            // A straight quote glued to a letter before it closes, it does not open.
            if c == '"' && p[..i].chars().next_back().is_some_and(char::is_alphanumeric) {
                first = false;
                continue;
            }
            let start = i + c.len_utf8();
            let closers = closer_for(c);
            let mut close = None;
            for (j, d) in chars.by_ref() {
                if closers.contains(&d) {
                    close = Some(j);
                    break;
                }
            }
            let abs = |x: usize| para.start + x;
            match close {
                Some(j) => {
                    let piece = (abs(start), abs(j));
                    if continuing && first {
                        if let Some(prev) = out.last_mut() {
                            prev.more.push(piece);
                            prev.outer.1 = abs(j) + 1;
                            first = false;
                            continue;
                        }
                    }
                    out.push(Raw { inner: piece, more: Vec::new(), outer: (abs(i), abs(j) + closer_len(p, j)), para: pi });
                }
                None => {
                    let piece = (abs(start), para.end);
                    if continuing && first {
                        if let Some(prev) = out.last_mut() {
                            prev.more.push(piece);
                            prev.outer.1 = para.end;
                            open_continues = true;
                            break;
                        }
                    }
                    out.push(Raw { inner: piece, more: Vec::new(), outer: (abs(i), para.end), para: pi });
                    open_continues = true;
                }
            }
            first = false;
        }
    }
    out
}

fn closer_len(p: &str, j: usize) -> usize {
    p[j..].chars().next().map_or(0, char::len_utf8)
}

fn starts_paragraph(cx: &Ctx<'_>, raw: &Raw) -> bool {
    cx.text.paragraphs[raw.para].start == raw.outer.0
}

/// Links a quotation to a speaker through the words around it.
fn attribute(cx: &Ctx<'_>, persons: &Persons, raw: &Raw) -> Option<(usize, &'static str)> {
    let t = &cx.text;
    let para = cx.text.paragraphs[raw.para].clone();
    // After: up to the end of the sentence or the next quotation.
    let after_start = raw.more.last().map_or(raw.outer.1, |_| raw.outer.1);
    let next_quote = t.src[after_start.min(para.end)..para.end].find(['“', '«', '"', '„']).map(|x| after_start + x).unwrap_or(para.end);
    let sent_end = t.sentences[t.sentence_of(after_start.saturating_sub(1).max(para.start))].range.end.max(after_start);
    let after_end = sent_end.min(next_quote).min(para.end);
    if after_start < after_end {
        if let Some(p) = speaker_in(cx, persons, after_start, after_end, raw.outer.0) {
            return Some((p, "quote.said_after"));
        }
    }
    // Before: from the sentence (or paragraph) start to the opening mark.
    let sent = t.sentence_of(raw.outer.0);
    let before_start = t.sentences[sent].range.start.max(para.start);
    if before_start < raw.outer.0 {
        if let Some(p) = speaker_in(cx, persons, before_start, raw.outer.0, raw.outer.0) {
            return Some((p, "quote.said_before"));
        }
    }
    None
}

/// Returns the speaker named between `start` and `end` next to a verb of
/// saying: a person mention, or a description ("the Kazakh diplomat", "he",
/// "the Minister") resolved to the person it points to before `anchor`.
fn speaker_in(cx: &Ctx<'_>, persons: &Persons, start: usize, end: usize, anchor: usize) -> Option<usize> {
    let t = &cx.text;
    let first = t.token_from(start);
    let last = t.token_from(end);
    let has_say = (first..last).any(|k| cx.cue_at(k).is_some_and(|h| h.what == Cue::Say));
    if !has_say {
        return None;
    }
    if let Some(m) = persons.mentions.iter().find(|m| m.start >= start && m.end <= end) {
        return Some(m.person);
    }
    describe(cx, persons, first, last, anchor)
}

/// Resolves a description between tokens `first` and `last` to the most
/// recent compatible person before byte `anchor`.
fn describe(cx: &Ctx<'_>, persons: &Persons, first: usize, last: usize, anchor: usize) -> Option<usize> {
    let t = &cx.text;
    let mut country = None;
    let mut role: Option<String> = None;
    let mut pronoun: Option<bool> = None;
    let mut found = false;
    for k in first..last {
        let w = t.tok_str(k).to_lowercase();
        match w.as_str() {
            "he" | "his" => {
                pronoun = Some(false);
                found = true;
            }
            "she" | "her" => {
                pronoun = Some(true);
                found = true;
            }
            _ => {}
        }
        if let Some(h) = cx.name_at(k) {
            match h.what {
                Entry::Demonym(c) => country = Some(c),
                Entry::Title => {
                    role = Some(t.src[h.start..h.end].to_lowercase());
                    found = true;
                }
                _ => {}
            }
        }
        if cx.cue_at(k).is_some_and(|h| h.what == Cue::RoleNoun) {
            role.get_or_insert_with(|| w.clone());
            found = true;
        }
        if t.tokens[k].kind == TokKind::Lower && matches!(w.as_str(), "diplomat" | "minister" | "secretary" | "official" | "envoy" | "ambassador" | "president" | "guest" | "counterpart" | "head" | "chairman" | "leader" | "spokesperson" | "speaker") {
            role.get_or_insert(w);
            found = true;
        }
    }
    if !found {
        return None;
    }
    let mut best = None;
    for m in persons.mentions.iter().rev().filter(|m| m.start < anchor) {
        let p = &persons.people[m.person];
        if country.is_some_and(|c| p.country.is_some_and(|pc| pc != c)) {
            continue;
        }
        if let (Some(f), Some(pf)) = (pronoun, p.female) {
            if f != pf {
                continue;
            }
        }
        if let Some(r) = &role {
            let generic = matches!(r.as_str(), "diplomat" | "official" | "guest" | "counterpart" | "head" | "leader" | "speaker");
            let fits = generic || p.titles.iter().any(|t| t.to_lowercase().contains(r.as_str()) || r.contains(&t.to_lowercase()));
            if !fits && !p.titles.is_empty() {
                continue;
            }
        }
        best = Some(m.person);
        break;
    }
    best.or_else(|| {
        // A description whose person is named only after it.
        persons.mentions.iter().find(|m| country.is_none_or(|c| persons.people[m.person].country == Some(c))).map(|m| m.person)
    })
}

/// The one person named in the quotation's paragraph outside the marks.
fn paragraph_speaker(cx: &Ctx<'_>, persons: &Persons, raw: &Raw) -> Option<usize> {
    let para = cx.text.paragraphs[raw.para].clone();
    let mut named = persons
        .mentions
        .iter()
        .filter(|m| m.start >= para.start && m.end <= para.end && (m.end <= raw.outer.0 || m.start >= raw.outer.1))
        .map(|m| m.person);
    let first = named.next()?;
    named.all(|p| p == first).then_some(first)
}

/// "SECRETARY BLINKEN: Thank you …": each labelled paragraph of a
/// transcript is a quotation of the person the label names.
fn transcript_turns(cx: &Ctx<'_>, persons: &Persons) -> Vec<Quote> {
    let src = cx.text.src;
    let mut out = Vec::new();
    for para in &cx.text.paragraphs {
        let p = &src[para.clone()];
        let Some(colon) = p.find(':') else { continue };
        let label = &p[..colon];
        if label.is_empty() || label.len() > 60 || !label.chars().any(char::is_alphabetic) {
            continue;
        }
        if label.chars().any(char::is_lowercase) || !label.chars().all(|c| c.is_alphabetic() || c == ' ' || c == '.' || c == '-' || c == '\'' || c == '’') {
            continue;
        }
        if ANONYMOUS_LABELS.contains(&label.trim()) {
            continue;
        }
        // "ISLAMABAD: Pakistan and …" is a dateline, not a speaker.
        if cx.names.iter().any(|h| h.start >= para.start && h.end <= para.start + colon && matches!(h.what, Entry::Place(_) | Entry::Country(_))) {
            continue;
        }
        let text = clean(&p[colon + 1..]);
        if text.is_empty() {
            continue;
        }
        let speaker = label.split_whitespace().rev().find_map(|w| persons.by_word(&fold(w)));
        let speaker = match speaker {
            Some(s) => Some(persons.people[s].name.clone()),
            None => label.split_whitespace().last().map(title_case).filter(|w| !cx.lex.title_words.contains(&w.to_lowercase())),
        };
        let ev = Evidence::new(Span::new(para.start, para.end), cx.text.sentence_of(para.start), "quote.transcript_turn");
        out.push(Quote { text, speaker, evidence: vec![ev] });
    }
    out
}

fn title_case(w: &str) -> String {
    let lower = w.to_lowercase();
    let mut c = lower.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}
