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
    /// True when the quotation has no closing mark in its paragraph.
    unclosed: bool,
    /// True when it opens a paragraph right after an unclosed quotation.
    continuation: bool,
    /// Byte range including the marks.
    outer: (usize, usize),
    /// Paragraph index.
    para: usize,
}

/// Labels that open a transcript turn but name no one.
const ANONYMOUS_LABELS: &[&str] = &["QUESTION", "Q", "MODERATOR", "OPERATOR", "PARTICIPANT", "STAFF", "AUDIENCE", "REPORTER", "INTERPRETER", "NARRATOR", "ANNOUNCER"];

/// Extracts the quotations of the document with their speakers.
pub fn extract(cx: &Ctx<'_>, persons: &Persons) -> Vec<Quote> {
    let raws = find_quotations(cx);
    let mut speakers: Vec<Option<(usize, &'static str)>> = Vec::with_capacity(raws.len());
    let mut last_speaker: Option<usize> = None;
    for raw in &raws {
        let found = attribute(cx, persons, raw)
            .or_else(|| paragraph_speaker(cx, persons, raw).map(|p| (p, "quote.paragraph")))
            .or_else(|| lead_in_speaker(cx, persons, raw).map(|p| (p, "quote.lead_in")))
            .or_else(|| last_speaker.filter(|_| raw.continuation).map(|p| (p, "quote.continued")));
        if let Some((p, _)) = found {
            last_speaker = Some(p);
        }
        speakers.push(found);
    }
    // An unclosed quotation takes the speaker of its continuation.
    for i in (0..raws.len().saturating_sub(1)).rev() {
        if speakers[i].is_none() && raws[i].unclosed && raws[i + 1].continuation {
            speakers[i] = speakers[i + 1].map(|(p, _)| (p, "quote.continued"));
        }
    }
    let mut out = Vec::new();
    for (raw, found) in raws.iter().zip(speakers) {
        let text = clean(&cx.text.src[raw.inner.0..raw.inner.1]);
        let words: Vec<&str> = text.split_whitespace().collect();
        if words.len() < 2 || (words.len() < 4 && found.is_none()) || is_title_case(&words) {
            continue;
        }
        let (speaker, rule) = match found {
            Some((p, rule)) => (Some(persons.people[p].name.clone()), rule),
            None => (None, "quote.unattributed"),
        };
        let ev = Evidence::new(Span::new(raw.outer.0, raw.outer.1), cx.text.sentence_of(raw.outer.0), rule);
        out.push(Quote { text, speaker, evidence: vec![ev] });
    }
    out.extend(transcript_turns(cx, persons));
    out
}

/// A quoted name of a session or a slogan ("Recover Together, Recover
/// Stronger"): most words capitalized.
fn is_title_case(words: &[&str]) -> bool {
    let caps = words.iter().filter(|w| w.chars().next().is_some_and(char::is_uppercase)).count();
    caps * 10 >= words.len() * 6
}

/// A paragraph that is all quotation, introduced by the paragraph before
/// ("… Vasara-Lind told journalists:").
fn lead_in_speaker(cx: &Ctx<'_>, persons: &Persons, raw: &Raw) -> Option<usize> {
    if !starts_paragraph(cx, raw) || raw.para == 0 {
        return None;
    }
    let prev = cx.text.paragraphs[raw.para - 1].clone();
    let prev_text = cx.text.src[prev.clone()].trim_end();
    if !prev_text.ends_with(':') {
        return None;
    }
    persons.within(prev.start, prev.end).next_back().map(|m| m.person)
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
/// to its paragraph's end, and a paragraph opening with a quotation mark
/// right after it is its continuation.
fn find_quotations(cx: &Ctx<'_>) -> Vec<Raw> {
    let src = cx.text.src;
    let mut out: Vec<Raw> = Vec::new();
    let mut prev_unclosed = false;
    for (pi, para) in cx.text.paragraphs.iter().enumerate() {
        let p = &src[para.clone()];
        let mut chars = p.char_indices().peekable();
        let mut first = true;
        let mut unclosed_here = false;
        while let Some((i, c)) = chars.next() {
            let single = matches!(c, '\'' | '‘') && opens_single(p, i);
            if !is_open(c) && !single {
                first = false;
                continue;
            }
            // A straight quote glued to a letter before it closes, it does not open.
            if c == '"' && p[..i].chars().next_back().is_some_and(char::is_alphanumeric) {
                first = false;
                continue;
            }
            let start = i + c.len_utf8();
            let mut close = None;
            for (j, d) in chars.by_ref() {
                let closes = if single { matches!(d, '\'' | '’') && closes_single(p, j) } else { closer_for(c).contains(&d) };
                if closes {
                    close = Some(j);
                    break;
                }
            }
            let abs = |x: usize| para.start + x;
            let continuation = first && prev_unclosed && i == 0;
            match close {
                Some(j) => out.push(Raw { inner: (abs(start), abs(j)), unclosed: false, continuation, outer: (abs(i), abs(j) + closer_len(p, j)), para: pi }),
                None if !single => {
                    out.push(Raw { inner: (abs(start), para.end), unclosed: true, continuation, outer: (abs(i), para.end), para: pi });
                    unclosed_here = true;
                }
                None => {}
            }
            first = false;
        }
        prev_unclosed = unclosed_here;
    }
    out
}

/// A single quotation mark that opens: at the start or after a space, a
/// colon or a dash, and followed by a letter.
fn opens_single(p: &str, i: usize) -> bool {
    let before = p[..i].chars().next_back();
    let after = p[i..].chars().nth(1);
    before.is_none_or(|b| b.is_whitespace() || matches!(b, ':' | '(' | '–' | '—')) && after.is_some_and(|a| a.is_alphanumeric())
}

/// A single quotation mark that closes: after a letter or punctuation, and
/// followed by a space, punctuation or the end.
fn closes_single(p: &str, j: usize) -> bool {
    let before = p[..j].chars().next_back();
    let after = p[j..].chars().nth(1);
    before.is_some_and(|b| !b.is_whitespace()) && after.is_none_or(|a| a.is_whitespace() || matches!(a, ',' | '.' | ';' | ')' | '–' | '—'))
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
    let after_start = raw.outer.1;
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
    // A colon right before the quotation introduces it like a verb of saying.
    let colon = end == anchor && t.src[start..end].trim_end().ends_with(':');
    let has_say = colon || (first..last).any(|k| cx.cue_at(k).is_some_and(|h| h.what == Cue::Say));
    if !has_say {
        return None;
    }
    if let Some(m) = persons.within(start, end).next() {
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
    let before = persons.mentions.partition_point(|m| m.start < anchor);
    for m in persons.mentions[..before].iter().rev() {
        let p = &persons.people[m.person];
        if country.is_some_and(|c| p.country != Some(c)) {
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
        .within(para.start, para.end)
        .filter(|m| m.end <= raw.outer.0 || m.start >= raw.outer.1)
        .map(|m| m.person);
    let first = named.next()?;
    named.all(|p| p == first).then_some(first)
}

/// "SECRETARY BLINKEN: Thank you …": each labelled turn of a transcript,
/// up to the next label, is a quotation of the person the label names.
fn transcript_turns(cx: &Ctx<'_>, persons: &Persons) -> Vec<Quote> {
    let src = cx.text.src;
    let paras = &cx.text.paragraphs;
    let labels: Vec<Option<(usize, Option<String>)>> = paras.iter().map(|p| turn_label(cx, persons, p.clone())).collect();
    let mut out = Vec::new();
    for (i, label) in labels.iter().enumerate() {
        let Some((colon, speaker)) = label else { continue };
        let Some(speaker) = speaker else { continue };
        let para = paras[i].clone();
        let mut text = clean(&src[para.start + colon + 1..para.end]);
        let mut end = para.end;
        for (j, next) in paras.iter().enumerate().skip(i + 1) {
            if labels[j].is_some() || is_turn_end(&src[next.clone()]) {
                break;
            }
            text.push(' ');
            text.push_str(&clean(&src[next.clone()]));
            end = next.end;
        }
        if text.is_empty() {
            continue;
        }
        let mut ev = Evidence::new(Span::new(para.start, end), cx.text.sentence_of(para.start), "quote.transcript_turn");
        ev.spans.truncate(1);
        out.push(Quote { text, speaker: Some(speaker.clone()), evidence: vec![ev] });
    }
    out
}

/// A line that closes a transcript ("###", "# # #").
fn is_turn_end(p: &str) -> bool {
    p.chars().all(|c| c == '#' || c.is_whitespace())
}

/// Returns the label of a transcript turn: the byte of its colon and the
/// speaker it names (`None` for "QUESTION", "MODERATOR" and the like).
fn turn_label(cx: &Ctx<'_>, persons: &Persons, para: std::ops::Range<usize>) -> Option<(usize, Option<String>)> {
    let p = &cx.text.src[para.clone()];
    let colon = p.find(':')?;
    let label = p[..colon].trim();
    if label.is_empty() || label.len() > 60 || !label.chars().any(char::is_alphabetic) {
        return None;
    }
    if label.chars().any(char::is_lowercase) || !label.chars().all(|c| c.is_alphabetic() || matches!(c, ' ' | '.' | '-' | '\'' | '’')) {
        return None;
    }
    if ANONYMOUS_LABELS.contains(&label) {
        return Some((colon, None));
    }
    // "ISLAMABAD: Pakistan and …" is a dateline, not a speaker.
    if cx.names_within(para.start, para.start + colon).any(|h| matches!(h.what, Entry::Place(_) | Entry::Country(_))) {
        return None;
    }
    if let Some(p) = label.split_whitespace().rev().find_map(|w| persons.by_word(&fold(w))) {
        return Some((colon, Some(persons.people[p].name.clone())));
    }
    // An unknown name after a title ("AMBASSADOR SMITH"), never a heading
    // such as "ENERGY DOMINANCE".
    let words: Vec<&str> = label.split_whitespace().collect();
    let titled = words.len() >= 2 && words[..words.len() - 1].iter().all(|w| cx.lex.title_words.contains(&w.to_lowercase()) || matches!(*w, "MR." | "MR" | "MS." | "MS" | "MRS." | "MRS" | "DR." | "DR"));
    let last = words.last().map(|w| title_case(w))?;
    if matches!(last.as_str(), "One" | "Two" | "Three" | "Four" | "Five" | "Six" | "Seven" | "Eight" | "Nine" | "Ten") {
        return Some((colon, None));
    }
    (titled && !cx.lex.title_words.contains(&last.to_lowercase())).then_some((colon, Some(last)))
}

fn title_case(w: &str) -> String {
    let lower = w.to_lowercase();
    let mut c = lower.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use crate::extract::read;

    fn quotes(text: &str) -> Vec<(Option<String>, String)> {
        read(text, "2025-04-02").quotes.into_iter().map(|q| (q.speaker, q.text)).collect()
    }

    #[test]
    fn attribution_after_the_quote() {
        let q = quotes("Deputy Minister Aidos Serikbayev opened the session. “We intend to double our trade within five years,” said Serikbayev.");
        assert_eq!(q, vec![(Some("Aidos Serikbayev".into()), "We intend to double our trade within five years".into())]);
    }

    #[test]
    fn attribution_before_the_quote_with_a_colon() {
        let q = quotes("Summing up, Foreign Minister Lena Varga said: «Our cooperation has entered a new and ambitious stage.»");
        assert_eq!(q[0].0.as_deref(), Some("Lena Varga"));
        assert!(q[0].1.starts_with("Our cooperation"));
    }

    #[test]
    fn a_description_resolves_to_the_person_of_that_country() {
        let q = quotes("Kazakh Ambassador Daniyar Ospanov met Polish State Secretary Anna Nowak. \"Poland values this partnership very highly,\" the Polish diplomat noted.");
        assert_eq!(q[0].0.as_deref(), Some("Anna Nowak"));
    }

    #[test]
    fn single_quotation_marks_count_too() {
        let q = quotes("High Commissioner Ruth Hale spoke to reporters. 'We want this partnership to deliver results,' Ms Hale said.");
        assert_eq!(q[0].0.as_deref(), Some("Ruth Hale"));
    }

    #[test]
    fn an_unclosed_quotation_takes_the_speaker_of_its_continuation() {
        let q = quotes("Minister Omar Faruk addressed the forum.\n\n“Our region needs roads and railways.\n\n“We will build them together,” Faruk said.");
        assert_eq!(q.len(), 2, "{q:?}");
        assert!(q.iter().all(|x| x.0.as_deref() == Some("Omar Faruk")), "{q:?}");
    }

    #[test]
    fn scare_quotes_and_quoted_titles_are_not_quotations() {
        let q = quotes("The sides discussed the \"green\" economy and the “Central Asia Connectivity Forum” initiative.");
        assert!(q.is_empty(), "{q:?}");
    }

    #[test]
    fn transcript_turns_are_quotes_of_the_labelled_speaker() {
        let text = "Secretary of State Laura Finch\n\nSECRETARY FINCH: Good morning. It is a pleasure to host you.\n\nWe have much to discuss.\n\nQUESTION: Will you visit Kyiv?\n\nSECRETARY FINCH: Not this week.";
        let q = quotes(text);
        assert_eq!(q.len(), 2, "{q:?}");
        assert_eq!(q[0].0.as_deref(), Some("Laura Finch"));
        assert!(q[0].1.ends_with("We have much to discuss."), "the turn spans its paragraphs: {q:?}");
    }

    #[test]
    fn a_dateline_is_not_a_speaker_label() {
        assert!(quotes("TASHKENT: The ministers met today to review trade.").is_empty());
    }
}
