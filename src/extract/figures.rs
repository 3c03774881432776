//! Figures by a small grammar: a number (2.92, 1,234, "one"), a scale
//! (billion, mln, bn), a unit (currency word or symbol, percent, a counted
//! noun, a rank); then the metric from nearby cue words, the period from
//! nearby year phrases and the countries of the sentence.

use super::Ctx;
use super::lexicon::{Cue, Entry, METRICS};
use super::text::TokKind;
use crate::domain::Figure;

/// Nouns counted by a figure, and the metric they imply.
const COUNTED: &[(&str, &str)] = &[
    ("compan", "companies"), ("enterprise", "companies"), ("firm", "companies"), ("joint venture", "companies"),
    ("legal entit", "companies"), ("business", "companies"), ("project", "projects"), ("agreement", "agreements"),
    ("document", "agreements"), ("memorand", "agreements"), ("contract", "agreements"), ("treat", "agreements"),
];

/// Units of quantity written after a number.
const QUANTITY_UNITS: &[(&str, &str)] = &[
    ("tonnes", "tonnes"), ("tons", "tonnes"), ("tonne", "tonnes"), ("ton", "tonnes"), ("barrels", "barrels"),
    ("megawatts", "MW"), ("MW", "MW"), ("gigawatts", "GW"), ("GW", "GW"), ("kilometers", "km"), ("kilometres", "km"), ("km", "km"),
    ("hectares", "hectares"), ("cubic", "cubic meters"),
];

/// Words after a number that make it not a figure.
const NOT_COUNTED: &[&str] = &[
    "years", "year", "days", "day", "months", "month", "weeks", "week", "hours", "hour", "minutes",
    "time", "am", "pm", "a.m.", "p.m.", "round", "session", "anniversary", "century", "th", "percentage",
];

/// Plural nouns that do not end in "s".
const IRREGULAR_PLURALS: &[&str] = &["people", "children", "aircraft", "personnel", "staff", "women", "men", "youth", "cattle", "livestock", "police", "sheep"];

/// Nouns counted by "two" or "both" that state no fact ("the two countries").
const PARTIES: &[&str] = &["countries", "sides", "parties", "states", "nations", "leaders", "ministers", "governments", "peoples", "delegations", "presidents", "heads", "officials", "partners", "regions", "capitals", "foreign", "neighbours", "neighbors", "allies", "chambers", "presidencies", "ministries", "economies", "teams", "men", "women", "sessions", "rounds", "days", "years"];

/// A number read from the text.
#[derive(Debug, Clone, Copy)]
struct Number {
    value: f64,
    start: usize,
    end_tok: usize,
}

/// Extracts the figures of the document.
pub fn extract(cx: &Ctx<'_>) -> Vec<Figure> {
    let t = &cx.text;
    let mut out = Vec::new();
    let mut k = 0;
    while k < t.tokens.len() {
        match figure_at(cx, k) {
            Some((fig, next)) => {
                out.push(fig);
                k = next;
            }
            None => k += 1,
        }
    }
    out
}

fn parse_number(w: &str) -> Option<f64> {
    let w = w.trim_end_matches(|c: char| c.is_alphabetic());
    if w.is_empty() || !w.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let cleaned: String = w.chars().filter(|&c| c != ',').collect();
    cleaned.parse().ok()
}

fn number_at(cx: &Ctx<'_>, k: usize) -> Option<Number> {
    let t = &cx.text;
    let tok = t.tokens[k];
    if tok.kind == TokKind::Num {
        let w = t.tok_str(k);
        let value = parse_number(w)?;
        // "10th", "1st": ordinals are ranks or rounds, read elsewhere.
        if w.ends_with(|c: char| c.is_alphabetic()) && !w.ends_with(['k', 'm', 'b']) {
            return None;
        }
        return Some(Number { value, start: tok.start, end_tok: k + 1 });
    }
    if let Some(Cue::NumberWord(v)) = cx.cue_at(k).map(|h| h.what) {
        let h = cx.cue_at(k)?;
        let end = t.token_from(h.end);
        return Some(Number { value: v, start: tok.start, end_tok: end });
    }
    None
}

fn figure_at(cx: &Ctx<'_>, k: usize) -> Option<(Figure, usize)> {
    if let Some(r) = rank_at(cx, k) {
        return Some(r);
    }
    let t = &cx.text;
    let num = number_at(cx, k)?;
    let word_number = t.tokens[k].kind != TokKind::Num;
    let mut value = num.value;
    let mut j = num.end_tok;
    let mut unit: Option<String> = currency_before(cx, k);
    let mut scaled = false;
    if let Some(Cue::Scale(s)) = cx.cue_at(j).map(|h| h.what) {
        value *= s;
        scaled = true;
        j = t.token_from(cx.cue_at(j)?.end);
    }
    if unit.is_none() {
        if let Some(h) = cx.cue_at(j) {
            if let Cue::Currency(c) = h.what {
                unit = Some(cx.lex.currencies[c].clone());
                j = t.token_from(h.end);
            }
        }
    }
    let next = t.tokens.get(j).map(|_| t.tok_str(j)).unwrap_or("");
    if unit.is_none() && (next == "%" || next.eq_ignore_ascii_case("percent") || (next == "per" && t.tokens.get(j + 1).is_some_and(|_| t.tok_str(j + 1) == "cent"))) {
        unit = Some("percent".into());
        j += if next == "per" { 2 } else { 1 };
    }
    if is_date_or_code(cx, k, num, scaled, unit.is_some()) {
        return None;
    }
    let mut metric: Option<&str> = None;
    if unit.is_none() {
        if let Some((u, m, end)) = counted_after(cx, j) {
            unit = Some(u);
            metric = m;
            j = end;
        } else if scaled && !word_number {
            // "2.78 billion" in a sentence about money: the currency of the sentence.
            unit = sentence_currency(cx, k);
        }
    }
    if unit.is_none() && !word_number && value >= 2.0 {
        // "… has exceeded 2,900": the noun counted earlier in the sentence.
        if let Some(m) = counted_before(cx, k) {
            unit = Some("count".into());
            metric = Some(m);
        } else if scaled {
            unit = Some("count".into());
        }
    }
    let unit = unit?;
    if word_number && unit == "count" && (value < 2.0 || counts_parties(cx, num.end_tok)) {
        return None;
    }
    let metric = metric.map(str::to_owned).unwrap_or_else(|| metric_for(cx, k, &unit));
    let end = t.tokens[j.saturating_sub(1).max(k)].end;
    let fig = Figure {
        value,
        unit,
        metric,
        period: period_for(cx, k),
        countries: countries_for(cx, k),
        evidence: vec![cx.evidence(num.start, end, "figure.grammar")],
    };
    Some((fig, j.max(k + 1)))
}

fn currency_before(cx: &Ctx<'_>, k: usize) -> Option<String> {
    let t = &cx.text;
    if k == 0 {
        return None;
    }
    let prev = t.tok_str(k - 1);
    let symbol = match prev {
        "$" => Some("USD"),
        "€" => Some("EUR"),
        "£" => Some("GBP"),
        "₸" => Some("KZT"),
        "¥" => Some("CNY"),
        "₹" => Some("INR"),
        "₽" => Some("RUB"),
        "₺" => Some("TRY"),
        _ => None,
    };
    if let Some(s) = symbol {
        return Some(s.to_owned());
    }
    match cx.cue_at(k - 1).map(|h| h.what) {
        Some(Cue::Currency(c)) if prev.chars().all(|c| c.is_ascii_uppercase() || c == '$') => Some(cx.lex.currencies[c].clone()),
        _ => None,
    }
}

/// The currency named elsewhere in the sentence, for "exports - 2.78 billion".
fn sentence_currency(cx: &Ctx<'_>, k: usize) -> Option<String> {
    let t = &cx.text;
    let toks = t.sentences[t.tokens[k].sent].tokens.clone();
    toks.filter_map(|j| match cx.cue_at(j).map(|h| h.what) {
        Some(Cue::Currency(c)) => Some(cx.lex.currencies[c].clone()),
        _ => None,
    })
    .next()
    .or_else(|| toks_symbol(cx, t.tokens[k].sent))
}

fn toks_symbol(cx: &Ctx<'_>, s: usize) -> Option<String> {
    let t = &cx.text;
    t.sentences[s].tokens.clone().find_map(|j| match t.tok_str(j) {
        "$" => Some("USD".to_owned()),
        "€" => Some("EUR".to_owned()),
        _ => None,
    })
}

/// Years, days of months, codes and numbers glued to letters are not figures.
fn is_date_or_code(cx: &Ctx<'_>, k: usize, num: Number, scaled: bool, has_unit: bool) -> bool {
    let t = &cx.text;
    let w = t.tok_str(k);
    if scaled || has_unit {
        return false;
    }
    let is_year = w.len() == 4 && (1900.0..=2100.0).contains(&num.value) && !w.contains([',', '.']);
    let month_near = |j: usize| cx.cue_at(j).is_some_and(|h| matches!(h.what, Cue::Month(_)));
    let prev_cap = k > 0 && t.tokens[k - 1].kind == TokKind::Cap && t.tokens[k - 1].end + 1 >= t.tokens[k].start && !month_near(k - 1);
    is_year || month_near(k + 1) || (k > 0 && month_near(k - 1)) || prev_cap || w.contains(':')
}

/// "40 companies", "35 legal entities with Kazakh capital", "3,000 Uzbek
/// students": a plural noun within three words.
fn counted_after(cx: &Ctx<'_>, j: usize) -> Option<(String, Option<&'static str>, usize)> {
    let t = &cx.text;
    let sent = t.tokens.get(j)?.sent;
    for (phrase, unit) in QUANTITY_UNITS {
        if t.tok_str(j) == *phrase {
            return Some(((*unit).to_owned(), Some("other"), j + 1));
        }
    }
    if t.tok_str(j) == "times" || t.tok_str(j) == "-fold" || t.tok_str(j) == "fold" {
        let growth = (j.saturating_sub(5)..j).any(|x| matches!(t.tok_str(x), "grew" | "increased" | "rose" | "grown" | "increase" | "growth" | "expanded" | "doubled" | "by"));
        return growth.then(|| ("times".to_owned(), None, j + 1));
    }
    let mut k = j;
    while k < t.tokens.len() && k < j + 4 && t.tokens[k].sent == sent {
        let w = t.tok_str(k).to_lowercase();
        if NOT_COUNTED.contains(&w.as_str()) || t.tokens[k].kind == TokKind::Punct || t.tokens[k].kind == TokKind::Num {
            return None;
        }
        if IRREGULAR_PLURALS.contains(&w.as_str()) {
            return Some(("count".into(), Some("other"), k + 1));
        }
        for (stem, metric) in COUNTED {
            if w.starts_with(stem) || (stem.contains(' ') && starts_with_folded(&t.src[t.tokens[k].start..], stem)) {
                return Some(("count".into(), Some(metric), k + 1));
            }
        }
        let demonym = cx.name_at(k).is_some_and(|h| matches!(h.what, Entry::Demonym(_)));
        let plural = t.tokens[k].kind == TokKind::Lower && w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us");
        if plural {
            return Some(("count".into(), Some("other"), k + 1));
        }
        let adjective = t.tokens[k].kind == TokKind::Lower && !matches!(w.as_str(), "of" | "to" | "and" | "in" | "for" | "from" | "than" | "the" | "by" | "on" | "at" | "per" | "with" | "is" | "are" | "was" | "were");
        let brand = t.tokens[k].kind == TokKind::Cap && k > j;
        if !(demonym || adjective || brand || w == "more" || w == "new") {
            return None;
        }
        k += 1;
    }
    None
}

/// Returns true when `text` lower-cased starts with the ASCII `stem`. Only
/// as many characters as the stem has are folded (each folds to at least
/// one), so the cost does not grow with the rest of the document.
fn starts_with_folded(text: &str, stem: &str) -> bool {
    let end = text.char_indices().nth(stem.len()).map_or(text.len(), |(i, _)| i);
    text[..end].to_lowercase().starts_with(stem)
}

/// "the number of enterprises … has exceeded 2,900": the counted noun
/// named before the number in its sentence.
fn counted_before(cx: &Ctx<'_>, k: usize) -> Option<&'static str> {
    let t = &cx.text;
    let start = t.sentences[t.tokens[k].sent].tokens.start;
    let number_of = (start..k).find(|&j| t.tok_str(j).eq_ignore_ascii_case("number") && t.tokens.get(j + 1).is_some_and(|_| t.tok_str(j + 1) == "of"))?;
    let noun = t.tok_str(number_of + 2).to_lowercase();
    COUNTED.iter().find(|(stem, _)| noun.starts_with(stem)).map(|(_, m)| *m).or(Some("other"))
}

/// "the two countries", "both sides": a count of the parties themselves.
fn counts_parties(cx: &Ctx<'_>, j: usize) -> bool {
    let t = &cx.text;
    t.tokens.get(j).is_some_and(|_| PARTIES.contains(&t.tok_str(j).to_lowercase().as_str()))
}

/// Returns the rank a word such as "second" or "largest" opens: "the second
/// largest trading partner", "the largest investor", "ranks fourth".
fn word_rank(cx: &Ctx<'_>, k: usize) -> Option<(f64, usize)> {
    let t = &cx.text;
    // Read on every token: compared without allocating. Only the Kelvin
    // sign folds to an ASCII letter ("k"), and neither word has one, so
    // this equals comparing the lower-cased word.
    let w = t.tok_str(k);
    let superlative = |x: usize| t.tokens.get(x).is_some_and(|_| matches!(t.tok_str(x).to_lowercase().as_str(), "largest" | "biggest" | "leading" | "top" | "main" | "major"));
    let partner_near = |from: usize| (from..(from + 4).min(t.tokens.len())).any(|x| matches!(t.tok_str(x).to_lowercase().as_str(), "partner" | "partners" | "investor" | "investors" | "exporter" | "importer" | "supplier"));
    if let Some(Cue::Ordinal(n)) = cx.cue_at(k).map(|h| h.what) {
        if superlative(k + 1) && partner_near(k + 2) {
            return Some((f64::from(n), k + 2));
        }
        if k > 0 && matches!(t.tok_str(k - 1), "ranks" | "ranked" | "ranking") {
            return Some((f64::from(n), k + 1));
        }
        return None;
    }
    if (w.eq_ignore_ascii_case("largest") || w.eq_ignore_ascii_case("biggest")) && k > 0 && !cx.cue_at(k - 1).is_some_and(|h| matches!(h.what, Cue::Ordinal(_))) && partner_near(k + 1) {
        let prev = t.tok_str(k - 1).to_lowercase();
        if prev == "the" || prev == "our" || prev.ends_with("’s") || prev.ends_with("'s") || prev == "its" {
            return Some((1.0, k + 1));
        }
    }
    None
}

/// "10th largest trade partner", "No.1 partner", "ranking 5th in Europe".
fn rank_at(cx: &Ctx<'_>, k: usize) -> Option<(Figure, usize)> {
    let t = &cx.text;
    let w = t.tok_str(k);
    let (value, next) = if let Some(r) = word_rank(cx, k) {
        r
    } else if w == "No" && t.tokens.get(k + 1).is_some_and(|_| t.tok_str(k + 1) == ".") {
        let n = t.tokens.get(k + 2).map(|_| t.tok_str(k + 2)).and_then(|s| s.parse::<f64>().ok())?;
        (n, k + 3)
    } else if let Some(rest) = w.strip_prefix("No.") {
        (rest.parse::<f64>().ok()?, k + 1)
    } else {
        // ASCII digits are one byte each: a slice, not a new string per token.
        let digits = &w[..w.bytes().take_while(u8::is_ascii_digit).count()];
        let suffix = &w[digits.len()..];
        if digits.is_empty() || !matches!(suffix, "st" | "nd" | "rd" | "th") {
            return None;
        }
        (digits.parse::<f64>().ok()?, k + 1)
    };
    // Needs a ranking context: largest, biggest, partner, place, "in the world".
    let sent = t.tokens[k].sent;
    let window: Vec<String> = (next..(next + 5).min(t.tokens.len())).filter(|&j| t.tokens[j].sent == sent).map(|j| t.tok_str(j).to_lowercase()).collect();
    let before: Vec<String> = (k.saturating_sub(3)..k).map(|j| t.tok_str(j).to_lowercase()).collect();
    let ranky = window.iter().take(3).any(|x| matches!(x.as_str(), "largest" | "biggest" | "place" | "position" | "partner" | "among" | "leading" | "trading" | "trade" | "investor" | "in"))
        || before.iter().any(|x| matches!(x.as_str(), "ranking" | "ranks" | "ranked"));
    let eventy = window.iter().take(3).any(|x| matches!(x.as_str(), "round" | "meeting" | "session" | "anniversary" | "summit" | "forum" | "century" | "time" | "of"));
    let worded = word_rank(cx, k).is_some();
    if !worded && (!ranky || eventy) {
        return None;
    }
    // The noun right after the rank decides: "largest investor", "trading partner".
    let near: Vec<String> = (next..(next + 4).min(t.tokens.len())).filter(|&j| t.tokens[j].sent == sent).map(|j| t.tok_str(j).to_lowercase()).collect();
    let near_invest = near.iter().position(|x| x.starts_with("invest"));
    let near_trade = near.iter().position(|x| x.starts_with("trad") || x.starts_with("export") || x.starts_with("import"));
    let s_words: Vec<String> = t.sentences[sent].tokens.clone().map(|j| t.tok_str(j).to_lowercase()).collect();
    let invest = s_words.iter().any(|x| x.starts_with("invest"));
    let trade = s_words.iter().any(|x| x.starts_with("trad"));
    let metric = match (near_trade, near_invest) {
        (Some(a), Some(b)) if b < a => "investment_partner_rank",
        (None, Some(_)) => "investment_partner_rank",
        (Some(_), _) => "trade_partner_rank",
        (None, None) if trade || !invest => "trade_partner_rank",
        _ => "investment_partner_rank",
    };
    let fig = Figure {
        value,
        unit: "rank".into(),
        metric: metric.into(),
        period: None,
        countries: countries_for(cx, k),
        evidence: vec![cx.evidence(t.tokens[k].start, t.tokens[next - 1].end, "figure.rank")],
    };
    Some((fig, next))
}

/// The metric: a counted noun's, else the nearest metric cue before the
/// number in its sentence (after it when none is before), else `other`.
fn metric_for(cx: &Ctx<'_>, k: usize, unit: &str) -> String {
    let t = &cx.text;
    let sent = &t.sentences[t.tokens[k].sent];
    let mut before = None;
    let mut after = None;
    for j in sent.tokens.clone() {
        if let Some(Cue::Metric(m)) = cx.cue_at(j).map(|h| h.what) {
            if j < k {
                before = Some((j, m));
            } else if after.is_none() {
                after = Some((j, m));
            }
        }
    }
    let growth = METRICS.iter().position(|m| *m == "trade_turnover_growth");
    let pick = |m: usize| METRICS[m];
    if unit == "percent" {
        let growthy = before.is_some_and(|(_, m)| Some(m) == growth) || after.is_some_and(|(j, m)| Some(m) == growth && j < k + 4);
        let trade = sent.tokens.clone().any(|j| cx.cue_at(j).is_some_and(|h| matches!(h.what, Cue::Metric(m) if METRICS[m] == "trade_turnover")));
        if growthy && trade {
            return "trade_turnover_growth".into();
        }
        return before.filter(|(_, m)| Some(*m) != growth).map(|(_, m)| pick(m)).unwrap_or("other").into();
    }
    let cue = before.filter(|(_, m)| Some(*m) != growth).or(after.filter(|(_, m)| Some(*m) != growth));
    cue.map(|(_, m)| pick(m)).unwrap_or("other").into()
}

/// The period: a parenthesised range right after the number ("(from 2005 to
/// Q3 2023)"), else the nearest year phrase before it in the sentence, else
/// the nearest after it.
fn period_for(cx: &Ctx<'_>, k: usize) -> Option<String> {
    let t = &cx.text;
    let sent = &t.sentences[t.tokens[k].sent];
    let mut years: Vec<(usize, String, bool)> = Vec::new();
    let mut j = sent.tokens.start;
    while j < sent.tokens.end {
        if let Some((p, end, comparison)) = period_at(cx, j) {
            years.push((j, p, comparison));
            j = end;
        } else {
            j += 1;
        }
    }
    // A parenthesis right after the figure.
    if let Some((_, p, _)) = years.iter().find(|(j, _, _)| *j > k && *j <= k + 6 && (k..*j).any(|x| t.tok_str(x) == "(")) {
        return Some(p.clone());
    }
    let before = years.iter().rev().find(|(j, _, _)| *j < k);
    if let Some((_, p, _)) = before {
        return Some(p.clone());
    }
    years.iter().find(|(j, _, cmp)| *j > k && !cmp).map(|(_, p, _)| p.clone())
}

fn year_of(cx: &Ctx<'_>, j: usize) -> Option<u16> {
    let t = &cx.text;
    let w = t.tokens.get(j).map(|_| t.tok_str(j))?;
    (w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit())).then(|| w.parse().ok()).flatten().filter(|y| (1900..=2100).contains(y))
}

/// A period phrase at token `j`: "2024", "from 2005 to Q3 2023", "since
/// 2005", "2015-2024"; the flag marks a comparison base ("than in 2023").
fn period_at(cx: &Ctx<'_>, j: usize) -> Option<(String, usize, bool)> {
    let t = &cx.text;
    let w = t.tok_str(j);
    let prev = |n: usize| if j >= n { t.tok_str(j - n) } else { "" };
    if w == "from" || w == "From" {
        let a = year_of(cx, j + 1)?;
        if t.tokens.get(j + 2).is_some_and(|_| matches!(t.tok_str(j + 2), "to" | "until" | "through" | "-" | "–")) {
            if let Some(b) = year_of(cx, j + 3) {
                return Some((format!("{a}/{b}"), j + 4, false));
            }
            let q = t.tokens.get(j + 3).map(|_| t.tok_str(j + 3)).unwrap_or("");
            if q.starts_with('Q') && q.len() == 2 {
                let b = year_of(cx, j + 4)?;
                return Some((format!("{a}/{b}-{q}"), j + 5, false));
            }
        }
        return None;
    }
    let y = year_of(cx, j)?;
    if matches!(prev(1), "since" | "Since") {
        return Some((format!("{y}/"), j + 1, false));
    }
    if j + 2 < t.tokens.len() && matches!(t.tok_str(j + 1), "-" | "–") {
        if let Some(b) = year_of(cx, j + 2) {
            return Some((format!("{y}/{b}"), j + 3, false));
        }
    }
    let comparison = prev(1) == "than" || (prev(1) == "in" && prev(2) == "than") || prev(1) == "with" && prev(2) == "compared";
    // Day and month before the year make it a date, not a period.
    if cx.cue_at(j.wrapping_sub(1)).is_some_and(|h| matches!(h.what, Cue::Month(_))) && j >= 2 && t.tokens[j - 2].kind == TokKind::Num {
        return None;
    }
    Some((y.to_string(), j + 1, comparison))
}

/// The states a figure is about: those of its sentence, in order of mention.
fn countries_for(cx: &Ctx<'_>, k: usize) -> Vec<String> {
    let t = &cx.text;
    let range = t.sentences[t.tokens[k].sent].range.clone();
    let mut out: Vec<String> = Vec::new();
    for h in cx.names_within(range.start, range.end) {
        if let Entry::Country(c) | Entry::Demonym(c) = h.what {
            let code = &cx.lex.countries[c].code;
            if !out.contains(code) {
                out.push(code.clone());
            }
        }
    }
    if out.is_empty() {
        if let Some(h) = cx.home_country {
            out.push(cx.lex.countries[h].code.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::extract::read;

    fn figures(text: &str) -> Vec<String> {
        read(text, "2025-03-19")
            .figures
            .iter()
            .map(|f| format!("{} {} {} {} {}", f.metric, f.value, f.unit, f.period.as_deref().unwrap_or("-"), f.countries.join(",")))
            .collect()
    }

    #[test]
    fn money_with_scale_and_currency_words() {
        assert_eq!(
            figures("Trade turnover between Kazakhstan and Hungary for 2024 amounted to 1.25 billion US dollars."),
            vec!["trade_turnover 1250000000 USD 2024 KZ,HU"]
        );
    }

    #[test]
    fn symbols_codes_and_the_sentence_currency() {
        let f = figures("Exports reached $3.4 bn in 2023 (imports - 820 million), and aid totalled PLN 40 million.");
        assert_eq!(f, vec!["exports 3400000000 USD 2023 -", "imports 820000000 USD 2023 -", "aid 40000000 PLN 2023 -"].iter().map(|s| s.replace(" -", " ")).collect::<Vec<_>>());
    }

    #[test]
    fn percentages_growth_and_comparison_years() {
        let f = figures("In 2024 bilateral trade grew by 12.5% compared to 2023.");
        assert_eq!(f[0], "trade_turnover_growth 12.5 percent 2024 ");
    }

    #[test]
    fn counts_of_things_but_not_of_the_parties() {
        let f = figures("More than 250 companies with Turkish capital operate in Georgia. The two countries signed three agreements.");
        assert_eq!(f, vec!["companies 250 count - TR,GE", "agreements 3 count - TR"]);
    }

    #[test]
    fn ranks_in_words_and_digits() {
        let f = figures("China is Mongolia's largest trading partner and the second largest investor, ranking 3rd in Asia.");
        assert!(f.contains(&"trade_partner_rank 1 rank - CN,MN".to_owned()), "{f:?}");
        assert!(f.contains(&"investment_partner_rank 2 rank - CN,MN".to_owned()), "{f:?}");
    }

    #[test]
    fn ranges_of_years() {
        let f = figures("Investment from Austria reached 900 million euros (from 2010 to Q2 2024).");
        assert_eq!(f[0], "investment 900000000 EUR 2010/2024-Q2 AT");
    }

    #[test]
    fn dates_years_and_ordinals_are_not_figures() {
        assert!(figures("On 12 March 2025 the 7th round was held, as agreed in 2019.").is_empty());
    }
}
