//! Countries, places and organizations: list hits (names, demonyms, cities,
//! international bodies) plus organizations read from their shape ("Ministry
//! of Energy of Romania", "the Romanian Parliament", "Sharda University").

use std::collections::HashMap;

use super::Ctx;
use super::lexicon::{Entry, ORG_HEAD_WORDS};
use super::text::TokKind;
use crate::domain::{Country, Organization, Place};

/// Extracts the countries, places and organizations of the document and
/// records the document's home country in the context.
pub fn extract(cx: &mut Ctx<'_>) -> (Vec<Country>, Vec<Place>, Vec<Organization>) {
    let countries = countries(cx);
    let places = places(cx);
    let orgs = organizations(cx);
    (countries, places, orgs)
}

fn countries(cx: &mut Ctx<'_>) -> Vec<Country> {
    let mut order: Vec<usize> = Vec::new();
    let mut by_country: HashMap<usize, Country> = HashMap::new();
    let mut counts: HashMap<usize, usize> = HashMap::new();
    for h in &cx.names {
        let (Entry::Country(c) | Entry::Demonym(c)) = h.what else { continue };
        *counts.entry(c).or_default() += 1;
        let ev = cx.evidence(h.start, h.end, "country.lexicon");
        by_country
            .entry(c)
            .or_insert_with(|| {
                order.push(c);
                let info = &cx.lex.countries[c];
                Country { code: info.code.clone(), name: info.name.clone(), evidence: Vec::new() }
            })
            .evidence
            .push(ev);
    }
    // The home country: the most mentioned, the earliest on a tie.
    cx.home_country = order.iter().copied().max_by_key(|c| (counts[c], std::cmp::Reverse(order.iter().position(|x| x == c))));
    order.into_iter().filter_map(|c| by_country.remove(&c)).collect()
}

fn places(cx: &Ctx<'_>) -> Vec<Place> {
    let mut out: Vec<Place> = Vec::new();
    let mut seen: HashMap<usize, usize> = HashMap::new();
    for h in &cx.names {
        let Entry::Place(p) = h.what else { continue };
        let ev = cx.evidence(h.start, h.end, "place.lexicon");
        if let Some(&i) = seen.get(&p) {
            out[i].evidence.push(ev);
            continue;
        }
        seen.insert(p, out.len());
        let info = &cx.lex.places[p];
        out.push(Place {
            name: cx.text.src[h.start..h.end].to_owned(),
            country: Some(cx.lex.countries[info.country].code.clone()),
            evidence: vec![ev],
        });
    }
    out
}

/// Returns true when `word` heads an organization name.
pub fn is_org_head(word: &str) -> bool {
    // Every head word starts with an ASCII capital: most tokens are turned
    // away on their first byte before the list is scanned.
    word.as_bytes().first().is_some_and(u8::is_ascii_uppercase) && ORG_HEAD_WORDS.contains(&word)
}

/// Heads that make an organization only with a qualifier before or after.
const WEAK_HEADS: &[&str] = &["Government", "Cabinet", "Party", "Programme", "Partnership", "Network", "Force", "Forces", "Port", "Mission", "Delegation"];

/// An organization name found from its shape, with its byte range.
#[derive(Debug, Clone)]
pub struct OrgSpan {
    /// Byte range in the text.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// Canonical name.
    pub name: String,
    /// Country index, if the name says it.
    pub country: Option<usize>,
}

fn organizations(cx: &Ctx<'_>) -> Vec<Organization> {
    let mut out: Vec<Organization> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut push = |name: String, country: Option<usize>, ev| {
        let key = name.to_lowercase();
        if let Some(&i) = index.get(&key) {
            let o: &mut Organization = &mut out[i];
            o.evidence.push(ev);
            return;
        }
        index.insert(key, out.len());
        out.push(Organization { name, country: country.map(|c| cx.lex.countries[c].code.clone()), evidence: vec![ev] });
    };
    let shaped = org_spans(cx);
    for h in &cx.names {
        let Entry::Org(o) = h.what else { continue };
        if shaped.iter().any(|s| s.start <= h.start && h.end <= s.end) {
            continue;
        }
        let info = &cx.lex.orgs[o];
        push(info.name.clone(), info.country, cx.evidence(h.start, h.end, "org.lexicon"));
    }
    for s in shaped {
        let country = s.country.or(cx.home_country);
        push(s.name.clone(), country, cx.evidence(s.start, s.end, "org.shape"));
    }
    out
}

/// Returns the organizations found from their shape: a run of capitalized
/// words ending in a head word ("Ministry", "Committee", "University"),
/// extended by "of …" and "for …" complements.
pub fn org_spans(cx: &Ctx<'_>) -> Vec<OrgSpan> {
    let t = &cx.text;
    let mut out: Vec<OrgSpan> = Vec::new();
    let mut i = 0;
    while i < t.tokens.len() {
        let word = t.tok_str(i);
        let abbrev = mfa_abbreviation(word);
        if !is_org_head(word) && abbrev.is_none() {
            i += 1;
            continue;
        }
        let sent = t.tokens[i].sent;
        // Left: capitalized words, demonyms, countries, "and".
        let mut start = i;
        while start > 0 {
            let j = start - 1;
            let tok = t.tokens[j];
            if tok.sent != sent || tok.end + 1 < t.tokens[start].start && t.src[tok.end..t.tokens[start].start].trim() != "" {
                break;
            }
            let w = t.tok_str(j);
            let lexical = cx.name_at(j).is_some_and(|h| matches!(h.what, Entry::Demonym(_) | Entry::Country(_) | Entry::Org(_)));
            let ok = (tok.kind == TokKind::Cap && !is_opener_word(w) && (lexical || !is_title_hit(cx, j)))
                || (w == "and" && j > 0 && t.tokens[j - 1].kind == TokKind::Cap && start < i);
            if !ok || cx.name_at(j).is_some_and(|h| matches!(h.what, Entry::Place(_))) {
                break;
            }
            // A possessive country ("Romania’s") ends the name on the left.
            start = j;
            if w.ends_with("’s") || w.ends_with("'s") {
                break;
            }
        }
        let mut end = i + 1;
        // Right: "of the Republic of Kazakhstan", "for Strategic Affairs", "on Trade, Economic …".
        loop {
            let Some(next) = t.tokens.get(end) else { break };
            if next.sent != sent {
                break;
            }
            let w = t.tok_str(end);
            if matches!(w, "of" | "for" | "on") {
                let mut k = end + 1;
                if t.tokens.get(k).is_some_and(|_| t.tok_str(k) == "the") {
                    k += 1;
                }
                let run = cap_run(cx, k, sent);
                if run > k {
                    end = run;
                    continue;
                }
            }
            break;
        }
        if abbrev.is_none() && end == i + 1 && start == i {
            i += 1;
            continue;
        }
        if WEAK_HEADS.contains(&word) && end == i + 1 && (start == i || !has_qualifier(cx, start, i)) {
            i += 1;
            continue;
        }
        if word == "Government" {
            // "the Government of X" is the state itself.
            i += 1;
            continue;
        }
        let span = t.tokens[start].start..t.tokens[end - 1].end;
        let country = (start..end).find_map(|k| cx.name_at(k).and_then(|h| cx.country_of_hit(h)));
        let name = canonical_org_name(cx, start, end, abbrev);
        out.push(OrgSpan { start: span.start, end: span.end, name, country });
        i = end;
    }
    out
}

fn has_qualifier(cx: &Ctx<'_>, start: usize, head: usize) -> bool {
    (start..head).any(|k| cx.name_at(k).is_some() || cx.text.tokens[k].kind == TokKind::Cap)
}

fn is_title_hit(cx: &Ctx<'_>, i: usize) -> bool {
    cx.name_at(i).is_some_and(|h| matches!(h.what, Entry::Title | Entry::Honorific))
}

/// Returns the end of a run of capitalized words (with inner "and", commas
/// and "of") starting at `k`, or `k` if none.
fn cap_run(cx: &Ctx<'_>, k: usize, sent: usize) -> usize {
    let t = &cx.text;
    let mut end = k;
    let mut j = k;
    // A word neither in the lists nor a domain word: maybe a person's name.
    let unknown = |j: usize| {
        t.tokens.get(j).is_some_and(|tok| tok.kind == TokKind::Cap && tok.sent == sent)
            && cx.name_at(j).is_none()
            && !cx.lex.title_words.contains(&t.tok_str(j).to_lowercase())
    };
    while let Some(tok) = t.tokens.get(j) {
        if tok.sent != sent {
            break;
        }
        let w = t.tok_str(j);
        if unknown(j) && unknown(j + 1) && j > k {
            break;
        }
        if tok.kind == TokKind::Cap && !is_title_hit(cx, j) {
            j += 1;
            end = j;
        } else if matches!(w, "and" | "," | "of" | "the") && end > k {
            j += 1;
        } else {
            break;
        }
    }
    end
}

fn is_opener_word(w: &str) -> bool {
    matches!(
        w,
        "The" | "A" | "An" | "In" | "On" | "At" | "During" | "This" | "That" | "Today" | "Yesterday" | "With" | "By"
            | "For" | "From" | "And" | "Both" | "Following" | "After" | "Before" | "As" | "It" | "Under" | "Between"
            | "Within" | "Through" | "To" | "Of" | "Also" | "Our" | "Their" | "His" | "Her" | "Its"
    )
}

/// "MFA", "MoFA": the foreign ministry.
fn mfa_abbreviation(w: &str) -> Option<&'static str> {
    matches!(w, "MFA" | "MoFA" | "FM").then_some("Ministry of Foreign Affairs").filter(|_| w != "FM")
}

/// Returns the organization's name: "Kazakh MFA" becomes "Ministry of Foreign
/// Affairs of Kazakhstan", "Romanian Ministry of Energy" becomes "Ministry of
/// Energy of Romania"; other names stay as written.
fn canonical_org_name(cx: &Ctx<'_>, start: usize, end: usize, abbrev: Option<&str>) -> String {
    let t = &cx.text;
    let first = cx.name_at(start).filter(|h| h.start == t.tokens[start].start);
    let written = &t.src[t.tokens[start].start..t.tokens[end - 1].end];
    let demonym = first.and_then(|h| match h.what {
        Entry::Demonym(c) => Some((c, h.end)),
        _ => None,
    });
    let rest_start = demonym.map(|(_, e)| e).unwrap_or(t.tokens[start].start);
    let rest = t.src[rest_start..t.tokens[end - 1].end].trim();
    let rest = abbrev.map(str::to_owned).unwrap_or_else(|| rest.to_owned());
    match demonym {
        Some((c, _)) if rest.starts_with("Ministry") || abbrev.is_some() => {
            format!("{rest} of {}", cx.lex.countries[c].name)
        }
        _ if abbrev.is_some() => rest,
        _ => written.trim_end_matches("’s").trim_end_matches("'s").to_owned(),
    }
}
