//! Date phrases ("today", "on Tuesday", "on 12 March", "March 12, 2024",
//! "September 2023", "in 2024", "last year", "next week"), resolved against
//! the publication date to `YYYY-MM-DD`, `YYYY-MM` or `YYYY`.

use super::Ctx;
use super::lexicon::Cue;
use super::text::TokKind;
use crate::domain::PartialDate;

/// A date phrase found in the text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DateMention {
    /// First byte of the phrase.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// The resolved date.
    pub date: PartialDate,
    /// Sentence index.
    pub sent: usize,
}

/// Returns every date phrase in the text, in text order.
pub fn find(cx: &Ctx<'_>) -> Vec<DateMention> {
    let t = &cx.text;
    let mut out = Vec::new();
    let mut i = 0;
    while i < t.tokens.len() {
        if let Some((date, end)) = at(cx, i) {
            let (start, stop) = (t.tokens[i].start, t.tokens[end - 1].end);
            out.push(DateMention { start, end: stop, date, sent: t.tokens[i].sent });
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// Returns the first full date on a short line among the first four
/// paragraphs: a dateline ("Published May 28, 2025").
pub fn dateline(cx: &Ctx<'_>) -> Option<PartialDate> {
    let t = &cx.text;
    let short: Vec<_> = t.paragraphs.iter().take(4).filter(|p| p.len() < 100).cloned().collect();
    find(cx).into_iter().find(|d| d.date.is_full() && short.iter().any(|p| p.start <= d.start && d.end <= p.end)).map(|d| d.date)
}

fn month_at(cx: &Ctx<'_>, i: usize) -> Option<u8> {
    match cx.cue_at(i)?.what {
        Cue::Month(m) if cx.text.tokens[i].kind == TokKind::Cap => Some(m),
        _ => None,
    }
}

fn number_at(cx: &Ctx<'_>, i: usize) -> Option<u32> {
    let t = &cx.text;
    let tok = t.tokens.get(i)?;
    if tok.kind != TokKind::Num {
        return None;
    }
    let w = t.tok_str(i);
    let digits = w.trim_end_matches(|c: char| c.is_alphabetic());
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 4 {
        return None;
    }
    let suffix = &w[digits.len()..];
    if !matches!(suffix, "" | "st" | "nd" | "rd" | "th") {
        return None;
    }
    digits.parse().ok()
}

fn year_at(cx: &Ctx<'_>, i: usize) -> Option<u16> {
    let t = &cx.text;
    let n = number_at(cx, i)?;
    (t.tok_str(i).len() == 4 && (1900..=2100).contains(&n)).then_some(n as u16)
}

fn day_ok(n: u32) -> Option<u8> {
    (1..=31).contains(&n).then_some(n as u8)
}

/// Parses a date phrase starting at token `i`; returns the date and the
/// token after the phrase.
fn at(cx: &Ctx<'_>, i: usize) -> Option<(PartialDate, usize)> {
    let t = &cx.text;
    let w = t.tok_str(i);
    let published = cx.published;
    let next = |k: usize| (k < t.tokens.len()).then(|| t.tok_str(k));
    // Numeric: "04.06.2025", "04/06/2025" (day first), "2025-06-04".
    if let Some(d) = numeric_date(w) {
        return Some((d, i + 1));
    }
    // Month-led: "March 12", "March 12, 2024", "September 2023", "March".
    if let Some(m) = month_at(cx, i) {
        if let Some(d) = number_at(cx, i + 1).and_then(day_ok).filter(|_| year_at(cx, i + 1).is_none()) {
            let (year, end) = explicit_year(cx, i + 2).unwrap_or_else(|| (infer_year(published, m, future_sentence(cx, i)), i + 2));
            return PartialDate::ymd(year?, m, d).map(|x| (x, end));
        }
        if let Some(y) = year_at(cx, i + 1) {
            return PartialDate::ym(y, m).map(|x| (x, i + 2));
        }
        if next(i + 1) == Some("last") && next(i + 2) == Some("year") {
            return PartialDate::ym(published?.year - 1, m).map(|x| (x, i + 3));
        }
        if next(i + 1) == Some("this") && next(i + 2) == Some("year") {
            return PartialDate::ym(published?.year, m).map(|x| (x, i + 3));
        }
        // A bare month after "in"/"on": the nearest such month around publication.
        let prev = if i > 0 { t.tok_str(i - 1) } else { "" };
        if matches!(prev, "in" | "In" | "on" | "since" | "until" | "from") && w != "May" {
            return PartialDate::ym(infer_year(published, m, future_sentence(cx, i))?, m).map(|x| (x, i + 1));
        }
        return None;
    }
    // Day-led: "12 March", "12 March 2024", "12th of March".
    if let Some(d) = number_at(cx, i).and_then(day_ok).filter(|_| w.len() <= 4 && year_at(cx, i).is_none()) {
        let k = if next(i + 1) == Some("of") { i + 2 } else { i + 1 };
        if let Some(m) = month_at(cx, k) {
            let (year, end) = explicit_year(cx, k + 1).unwrap_or_else(|| (infer_year(published, m, future_sentence(cx, i)), k + 1));
            return PartialDate::ymd(year?, m, d).map(|x| (x, end));
        }
        return None;
    }
    // "in 2024", "(2023)", "2024" after a preposition.
    if let Some(y) = year_at(cx, i) {
        let prev = if i > 0 { t.tok_str(i - 1) } else { "" };
        if matches!(prev, "in" | "In" | "of" | "for" | "(" | "since" | "by" | "until" | "during" | "year") {
            return PartialDate::y(y).map(|x| (x, i + 1));
        }
        return None;
    }
    let p = published?;
    // Read on every token, so compared in place rather than lower-cased.
    let is = |words: &[&str]| words.iter().any(|x| w.eq_ignore_ascii_case(x));
    if is(&["today", "tonight"]) {
        Some((p, i + 1))
    } else if is(&["yesterday"]) {
        p.add_days(-1).map(|x| (x, i + 1))
    } else if is(&["tomorrow"]) {
        p.add_days(1).map(|x| (x, i + 1))
    } else if is(&["this", "last", "next", "earlier", "later"]) {
        relative(cx, i, p)
    } else if let Some(Cue::Weekday(wd)) = cx.cue_at(i).map(|c| c.what)
        && t.tokens[i].kind == TokKind::Cap
    {
        weekday(p, wd, i > 0 && t.tok_str(i - 1) == "next").map(|x| (x, i + 1))
    } else {
        None
    }
}

/// Parses `DD.MM.YYYY`, `DD/MM/YYYY` or `YYYY-MM-DD` written as one token.
fn numeric_date(w: &str) -> Option<PartialDate> {
    if w.len() != 10 || !w.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'/' | b'-')) {
        return None;
    }
    if let Ok(d) = w.parse::<PartialDate>() {
        return Some(d);
    }
    let parts: Vec<&str> = w.split(['.', '/']).collect();
    let [d, m, y] = parts.as_slice() else { return None };
    PartialDate::ymd(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// ", 2024" or " 2024" after a day and month.
fn explicit_year(cx: &Ctx<'_>, k: usize) -> Option<(Option<u16>, usize)> {
    let t = &cx.text;
    if k < t.tokens.len() && t.tok_str(k) == "," {
        return year_at(cx, k + 1).map(|y| (Some(y), k + 2));
    }
    year_at(cx, k).map(|y| (Some(y), k + 1))
}

/// The year of a month named without one: the publication year, or the year
/// before when the month lies more than two months after publication.
fn infer_year(published: Option<PartialDate>, month: u8, future: bool) -> Option<u16> {
    let p = published?;
    let pm = p.month.unwrap_or(12);
    Some(if future {
        if month < pm { p.year + 1 } else { p.year }
    } else if month > pm + 2 {
        p.year - 1
    } else {
        p.year
    })
}

/// Words that put a sentence in the future ("will be held", "upcoming").
fn future_sentence(cx: &Ctx<'_>, i: usize) -> bool {
    let t = &cx.text;
    let sent = &t.sentences[t.tokens[i].sent];
    sent.tokens.clone().any(|k| matches!(t.tok_str(k), "will" | "upcoming" | "forthcoming" | "scheduled" | "planned" | "plans" | "next" | "shall") || (t.tok_str(k) == "to" && t.tokens.get(k + 1).is_some_and(|_| t.tok_str(k + 1) == "be")))
}

/// The weekday on or before publication (or after it, for "next Tuesday").
fn weekday(p: PartialDate, wd: u8, next: bool) -> Option<PartialDate> {
    let today = i64::from(p.weekday()?);
    let wd = i64::from(wd);
    let delta = if next { (wd - today).rem_euclid(7).max(1) } else { -((today - wd).rem_euclid(7)) };
    p.add_days(delta)
}

/// "this year", "last year", "next week", "last month", "earlier this month".
fn relative(cx: &Ctx<'_>, i: usize, p: PartialDate) -> Option<(PartialDate, usize)> {
    let t = &cx.text;
    let mut k = i;
    let mut shift = 0i32;
    loop {
        match t.tokens.get(k).map(|_| t.tok_str(k).to_lowercase()).as_deref() {
            Some("earlier" | "later") => k += 1,
            Some("this") => {
                k += 1;
                break;
            }
            Some("last") => {
                shift = -1;
                k += 1;
                break;
            }
            Some("next") => {
                shift = 1;
                k += 1;
                break;
            }
            _ => return None,
        }
    }
    let unit = t.tokens.get(k).map(|_| t.tok_str(k))?;
    // "last November", "next July": the nearest such month before or after.
    if let Some(m) = month_at(cx, k) {
        let pm = p.month?;
        let year = match shift {
            -1 if m >= pm => p.year - 1,
            1 if m <= pm => p.year + 1,
            _ => p.year,
        };
        return PartialDate::ym(year, m).map(|d| (d, k + 1));
    }
    match unit {
        "year" => PartialDate::y((i32::from(p.year) + shift) as u16).map(|d| (d, k + 1)),
        "month" => {
            let m = i32::from(p.month?) + shift;
            let (y, m) = if m < 1 { (i32::from(p.year) - 1, 12) } else if m > 12 { (i32::from(p.year) + 1, 1) } else { (i32::from(p.year), m) };
            PartialDate::ym(y as u16, m as u8).map(|d| (d, k + 1))
        }
        "week" => {
            let d = p.add_days(7 * i64::from(shift))?;
            PartialDate::ym(d.year, d.month?).map(|x| (x, k + 1))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::extract::{Ctx, text::Text};
    use crate::domain::PartialDate;

    fn dates(src: &str, published: &str) -> Vec<String> {
        let lex = &*crate::extract::LEXICON;
        let cx = Ctx::new(lex, Text::new(src), Some(published.parse::<PartialDate>().unwrap()));
        super::find(&cx).into_iter().map(|d| d.date.to_string()).collect()
    }

    #[test]
    fn resolves_relative_days_against_publication() {
        assert_eq!(dates("Talks were held today.", "2025-03-19"), ["2025-03-19"]);
        assert_eq!(dates("They met yesterday.", "2025-03-01"), ["2025-02-28"]);
        // 2025-03-19 is a Wednesday; "on Monday" is two days before.
        assert_eq!(dates("The minister arrived on Monday.", "2025-03-19"), ["2025-03-17"]);
    }

    #[test]
    fn reads_day_month_year_forms() {
        assert_eq!(dates("It opened on 12 March.", "2025-03-19"), ["2025-03-12"]);
        assert_eq!(dates("Signed on March 5, 2024 in Baku.", "2025-03-19"), ["2024-03-05"]);
        assert_eq!(dates("The visit (December 2023) helped.", "2025-03-19"), ["2023-12"]);
        assert_eq!(dates("Trade grew in 2024.", "2025-03-19"), ["2024"]);
        assert_eq!(dates("Astana, 04.06.2025", "2025-06-05"), ["2025-06-04"]);
        assert_eq!(dates("The commission met in October last year.", "2025-02-11"), ["2024-10"]);
        assert_eq!(dates("During the state visit last November.", "2025-03-26"), ["2024-11"]);
        assert_eq!(dates("The summit is due next July.", "2025-03-26"), ["2025-07"]);
        assert_eq!(dates("The conference will be held in Rome in July.", "2025-02-26"), ["2025-07"]);
        assert_eq!(dates("The forum will open on 10 January.", "2025-11-20"), ["2026-01-10"]);
    }

    #[test]
    fn a_month_far_after_publication_is_last_year() {
        assert_eq!(dates("A forum was held on 20 November.", "2025-02-11"), ["2024-11-20"]);
    }

    #[test]
    fn counts_and_money_are_not_dates() {
        assert!(dates("About 40 companies and 2.92 billion dollars.", "2025-03-19").is_empty());
    }
}
