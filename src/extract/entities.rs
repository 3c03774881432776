//! Countries, places and organizations: list hits (names, demonyms, cities,
//! international bodies) plus organizations read from their shape ("Ministry
//! of Energy of Romania", "the Romanian Parliament", "Sharda University").

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use foldhash::fast::FixedState;

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

/// Words that make the capitalized words before them a sub-national place.
const REGION_HEADS: &[&str] = &["region", "province", "oblast", "district", "governorate", "prefecture", "county", "municipality", "Region", "Province", "Oblast", "District", "Governorate", "Prefecture", "County"];

/// Parts of the names of macro-regions, which are not places.
const MACRO_REGIONS: &[&str] = &["Pacific", "Atlantic", "Gulf", "Sea", "Asia", "Europe", "Africa", "America", "Caucasus", "Balkans", "Mediterranean", "Caspian", "Baltic", "Arctic", "Middle", "Eurasia", "Sahel", "Caribbean", "Nordic"];

/// "Zhambyl region", "Ninh Thuan province": places named by their kind.
fn region_places(cx: &Ctx<'_>) -> Vec<(usize, usize, Option<usize>)> {
    let t = &cx.text;
    let mut out = Vec::new();
    for k in 1..t.tokens.len() {
        if !REGION_HEADS.contains(&t.tok_str(k)) {
            continue;
        }
        let mut start = k;
        while start > 0 && start + 3 > k && t.tokens[start - 1].kind == TokKind::Cap && t.tokens[start - 1].sent == t.tokens[k].sent && cx.name_at(start - 1).is_none_or(|h| matches!(h.what, Entry::Place(_))) && !is_opener_word(t.tok_str(start - 1)) {
            start -= 1;
        }
        let macro_region = (start..k).any(|j| {
            let w = t.tok_str(j);
            MACRO_REGIONS.iter().any(|m| w.contains(m))
        });
        if start == k || macro_region || cx.lex.title_words.contains(&t.tok_str(start).to_lowercase()) {
            continue;
        }
        let (s, e) = (t.tokens[start].start, t.tokens[k].end);
        let listed = (start..k).find_map(|j| cx.name_at(j).and_then(|h| cx.country_of_hit(h)));
        let sentence = t.sentences[t.tokens[k].sent].range.clone();
        let nearby = cx.names_within(sentence.start, sentence.end).filter(|h| matches!(h.what, Entry::Country(_) | Entry::Demonym(_))).find_map(|h| cx.country_of_hit(h));
        out.push((s, e, listed.or(nearby).or(cx.home_country)));
    }
    out
}

fn places(cx: &Ctx<'_>) -> Vec<Place> {
    let mut out: Vec<Place> = Vec::new();
    let regions = region_places(cx);
    for &(s, e, country) in &regions {
        let name = cx.text.src[s..e].to_owned();
        let ev = cx.evidence(s, e, "place.region");
        match out.iter_mut().find(|p| p.name == name) {
            Some(p) => p.evidence.push(ev),
            None => out.push(Place { name, country: country.map(|c| cx.lex.countries[c].code.clone()), evidence: vec![ev] }),
        }
    }
    let mut seen: HashMap<usize, usize> = HashMap::new();
    for h in &cx.names {
        let Entry::Place(p) = h.what else { continue };
        if regions.iter().any(|&(s, e, _)| s <= h.start && h.end <= e) {
            continue;
        }
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

/// [`ORG_HEAD_WORDS`] as a set: every capitalized token is looked up.
static ORG_HEADS: LazyLock<HashSet<&'static str, FixedState>> = LazyLock::new(|| ORG_HEAD_WORDS.iter().copied().collect());

/// Returns true when `word` heads an organization name.
pub fn is_org_head(word: &str) -> bool {
    // Every head word starts with an ASCII capital: most tokens are turned
    // away on their first byte before the set is read.
    word.as_bytes().first().is_some_and(u8::is_ascii_uppercase) && ORG_HEADS.contains(word)
}

/// Heads that make an organization only with a qualifier before or after.
const WEAK_HEADS: &[&str] = &["Government", "Cabinet", "Party", "Force", "Forces", "Port", "Mission", "Delegation"];

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
    let shaped = &cx.orgs;
    // A listed organization is named as the text writes it, in its
    // fullest form ("Association of Southeast Asian Nations" over "ASEAN").
    let mut listed: Vec<(usize, String, Vec<crate::domain::Evidence>)> = Vec::new();
    for h in &cx.names {
        let Entry::Org(o) = h.what else { continue };
        if shaped.iter().any(|s| s.start <= h.start && h.end <= s.end) {
            continue;
        }
        let written = cx.text.src[h.start..h.end].trim_start_matches("the ").to_owned();
        let ev = cx.evidence(h.start, h.end, "org.lexicon");
        match listed.iter_mut().find(|(x, _, _)| *x == o) {
            Some((_, name, evs)) => {
                if written.len() > name.len() {
                    *name = written;
                }
                evs.push(ev);
            }
            None => listed.push((o, written, vec![ev])),
        }
    }
    for (o, written, evs) in listed {
        let info = &cx.lex.orgs[o];
        let country = info.country;
        // "Kazakh MFA" is better read as its full name; "ASEAN" and
        // "Kazinform" stand as written.
        let canonical = info.name.to_lowercase();
        let acronym = written.chars().filter(|c| c.is_alphabetic()).all(|c| c.is_uppercase());
        let inside = written.split_whitespace().all(|w| canonical.contains(&w.to_lowercase()));
        let name = if acronym || inside { written } else { info.name.clone() };
        for ev in evs {
            push(name.clone(), country, ev);
        }
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
        // A listed organization ("Kazakh MFA") keeps its listed name.
        if (!is_org_head(word) && abbrev.is_none()) || cx.name_at(i).is_some_and(|h| matches!(h.what, Entry::Org(_))) {
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
            if cx.name_at(j).is_some_and(|h| matches!(h.what, Entry::Org(_))) {
                break;
            }
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
        while start < i && t.tokens[start].kind != TokKind::Cap {
            start += 1;
        }
        let mut end = i + 1;
        // Right: "of the Republic of Kazakhstan", "for Strategic Affairs", "on Trade, Economic …".
        while let Some(next) = t.tokens.get(end) {
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
        // "the Russian Federation" is a state.
        if cx.name_covering(span.start, span.end).is_some_and(|h| matches!(h.what, Entry::Country(_))) {
            i = end;
            continue;
        }
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
        // A list goes on only with domain words: "Trade, Economic and
        // Technical Cooperation", not "Energy, NATO and Sharda University".
        if matches!(w, "," | "and") && t.tokens.get(j + 1).is_some_and(|_| {
            let n = t.tok_str(j + 1);
            let next_org = (j + 1..(j + 5).min(t.tokens.len())).any(|x| is_org_head(t.tok_str(x)));
            cx.name_at(j + 1).is_some_and(|h| matches!(h.what, Entry::Org(_) | Entry::Country(_) | Entry::Demonym(_) | Entry::Place(_)))
                || (w == "," && !cx.lex.title_words.contains(&n.to_lowercase()))
                || (next_org && !cx.lex.title_words.contains(&n.to_lowercase()))
        }) {
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

#[cfg(test)]
mod tests {
    use crate::extract::read;

    #[test]
    fn countries_from_names_short_names_and_demonyms() {
        let x = read("Kazakh-Romanian ties, the U.S. and Türkiye, and the Emirati delegation.", "2025-03-19");
        let codes: Vec<&str> = x.countries.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(codes, vec!["KZ", "RO", "US", "TR", "AE"]);
    }

    #[test]
    fn places_with_their_country() {
        let x = read("Talks in Samarkand were followed by a visit to Washington, D.C.", "2025-03-19");
        let places: Vec<(String, Option<String>)> = x.places.into_iter().map(|p| (p.name, p.country)).collect();
        assert_eq!(places[0], ("Samarkand".into(), Some("UZ".into())));
        assert_eq!(places[1].1.as_deref(), Some("US"));
    }

    #[test]
    fn organizations_from_lists_and_from_their_shape() {
        let x = read("The Kazakh MFA, the Romanian Ministry of Energy, NATO and Sharda University took part.", "2025-03-19");
        let names: Vec<&str> = x.organizations.iter().map(|o| o.name.as_str()).collect();
        assert!(names.iter().any(|n| n.starts_with("Ministry of Foreign Affairs of") && n.ends_with("Kazakhstan")), "{names:?}");
        assert!(names.contains(&"Ministry of Energy of Romania"), "{names:?}");
        assert!(names.iter().any(|n| n.contains("North Atlantic") || *n == "NATO"), "{names:?}");
        assert!(names.contains(&"Sharda University"), "{names:?}");
    }

    #[test]
    fn the_government_of_a_state_is_not_an_organization() {
        let x = read("The Government of Malaysia welcomed the decision.", "2025-03-19");
        assert!(x.organizations.is_empty(), "{:?}", x.organizations);
    }
}
