//! Persons found from context, never from a list of names: a capitalized
//! run next to a title ("Deputy Foreign Minister Roman Vassilenko", "Ana
//! Tinca, State Secretary for …"), after an honorific, before a verb of
//! saying, or after a verb of meeting. Mentions are merged within the
//! document (surname mentions, the fullest form wins), and each person gets
//! the titles, organization and country the text gives.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use foldhash::fast::FixedState;

use super::Ctx;
use super::entities::OrgSpan;
use super::lexicon::{Cue, Entry};
use super::text::TokKind;
use crate::domain::{Evidence, Person};

/// One mention of a person in the text.
#[derive(Debug, Clone)]
pub struct Mention {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// Index into [`Persons::people`].
    pub person: usize,
    /// First token of the mention.
    pub tok: usize,
}

/// A person being built.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    /// The fullest form of the name seen.
    pub name: String,
    /// The words of the name, folded to lower case.
    pub words: Vec<String>,
    /// Other forms seen.
    pub aliases: Vec<String>,
    /// Titles as written.
    pub titles: Vec<String>,
    /// Organization of the role.
    pub org: Option<String>,
    /// Country index.
    pub country: Option<usize>,
    /// How sure the country is: 3 from the title's own words, 1 a guess.
    pub country_rank: u8,
    /// Evidence, one per mention.
    pub evidence: Vec<Evidence>,
    /// Gender cue from an honorific or pronoun, if any: true for female.
    pub female: Option<bool>,
}

/// The persons of one document and their mentions in text order.
#[derive(Debug, Default)]
pub struct Persons {
    /// Persons in order of first mention. Only this module adds or renames
    /// them (`push`, `rename`), which keeps the word index in step.
    pub people: Vec<Draft>,
    /// Mentions in text order.
    pub mentions: Vec<Mention>,
    /// For each word of a name, the persons whose name has it, in order of
    /// first mention, so that matching a surname to the persons found so
    /// far does not walk them all (a long text holds hundreds).
    with_word: HashMap<String, Vec<usize>, FixedState>,
}

/// Particles that may stand inside a name.
const PARTICLES: &[&str] = &["bin", "bint", "ibn", "al", "el", "de", "da", "del", "della", "di", "van", "von", "der", "den", "du", "la", "le", "dos", "das", "y", "abu"];

/// Capitalized words that are never part of a name.
const NOT_NAME: &[&str] = &[
    "The", "A", "An", "In", "On", "At", "During", "This", "That", "These", "Those", "Today", "Yesterday",
    "Tomorrow", "It", "He", "She", "We", "They", "I", "You", "Our", "His", "Her", "Their", "Its", "My",
    "Both", "After", "Before", "Following", "As", "Also", "However", "Meanwhile", "And", "But", "Or",
    "With", "By", "For", "From", "To", "Of", "Under", "Between", "Within", "Through", "While", "When",
    "Where", "There", "Here", "Thank", "Thanks", "Yes", "No", "Well", "So", "Now", "Please", "Let",
    "Mr", "Mrs", "Ms", "Dr", "Sir", "Madam", "Excellency", "Highness", "Majesty", "Ladies", "Gentlemen",
    "Good", "Morning", "Afternoon", "Evening", "Everyone", "All", "Some", "Many", "Each", "Every",
    "Other", "Another", "Such", "More", "Most", "Further", "Furthermore", "Moreover", "Additionally",
    "In addition", "Finally", "First", "Second", "Third", "Secretary", "President", "Minister",
    "Ambassador", "Special", "Envoy", "Parties", "Sides", "Side", "Monday", "Tuesday", "Wednesday",
    "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December", "Q", "Question", "Moderator",
    "Operator", "Readout", "Statement", "Joint", "Office", "Spokesperson", "Media", "Note", "Notes",
    "Related", "Source", "Photo", "Via", "Interpreter", "Inaudible", "Strategic", "Dialogue", "Summit",
    "Forum", "Agreement", "Declaration", "Memorandum", "Initiative", "Program", "Programme", "Plan",
    "Week", "Day", "Year", "North", "South", "East", "West", "Central", "Western", "Eastern",
    "Northern", "Southern", "Global", "World", "Republic", "Kingdom", "State", "States", "United",
    "Russian", "Federation", "Islamic", "People", "Democratic", "Arab", "Union", "European",
    "Asia", "Africa", "Europe", "America", "Americas", "Pacific", "Atlantic", "Arctic", "Caucasus",
    "Balkans", "Middle", "Gulf", "Indo-Pacific", "Eurasia", "Latin", "African", "Asian", "Sahel",
    "Caribbean", "Mediterranean", "Baltic", "Nordic", "Scandinavian", "Antarctic", "Oceania",
    "Author", "Guest", "Guests", "Visit", "Talks", "Meeting", "Readout", "Remarks", "Press",
    "Briefing", "Release", "Communiqué", "Communique", "Ministers", "Leaders", "Heads", "Excellencies",
];

/// Whether a capitalized word is never part of a name: a set lookup, for
/// every capitalized word of a text asks.
fn not_name(w: &str) -> bool {
    static SET: LazyLock<HashSet<&'static str, FixedState>> = LazyLock::new(|| NOT_NAME.iter().copied().collect());
    SET.contains(w)
}

/// Geographical words that stand inside titles ("Special Representative
/// for Central Asia", "Ambassador to the Kingdom").
const REGION_WORDS: &[&str] = &[
    "Asia", "Africa", "Europe", "America", "Americas", "Pacific", "Atlantic", "Arctic", "Caucasus", "Balkans",
    "Middle", "East", "Gulf", "Indo-Pacific", "Eurasia", "Latin", "Central", "South", "North", "West", "Western",
    "Eastern", "Northern", "Southern", "Sahel", "Caribbean", "Mediterranean", "Baltic", "Nordic", "Kingdom",
    "Sultanate", "Emirate", "Emirates", "Principality", "Federation", "Region", "Great", "Lakes", "Horn",
];

/// Words after a run that make it a building or a site, not a person.
const SITE_HEADS: &[&str] = &["Palace", "Hall", "Square", "Street", "Avenue", "Airport", "Hotel", "Center", "Centre", "House", "Building", "Park", "Bridge", "Port", "Station", "Mosque", "Cathedral", "Church", "Museum", "Stadium", "Island", "Islands", "Valley", "River", "Lake", "Sea", "Strait", "Canal", "Pass", "Corridor", "Road", "Route", "Declaration", "Agreement", "Initiative", "Process", "Format", "Dialogue", "Forum", "Summit", "Doctrine", "Plan", "Act", "Treaty", "Convention", "Protocol", "Platform", "Strategy", "Group", "Index", "Prize", "Award", "Medal", "Order"];

/// Verbs and nouns after which a capitalized run names a person.
const MEET_BEFORE: &[&str] = &["met", "meets", "meeting", "received", "receives", "hosted", "hosts", "welcomed", "counterpart", "counterparts", "spoke", "called", "thanked", "congratulated", "visited", "joined", "accompanied", "invited", "briefed", "told", "urged", "by"];

/// Extracts the persons of the document.
pub fn extract(cx: &mut Ctx<'_>) -> Persons {
    let orgs = &cx.orgs;
    let runs = name_runs(cx, orgs);
    let mut persons = Persons::default();
    let mut single: Vec<(Run, Context)> = Vec::new();
    for run in runs {
        let context = context_of(cx, &run, orgs);
        if !context.is_person(&run) {
            if run.words.len() == 1 {
                single.push((run, context));
            }
            continue;
        }
        if run.words.len() == 1 {
            single.push((run, context));
            continue;
        }
        persons.add(cx, &run, &context);
    }
    // Surname mentions: "Vassilenko said", "Secretary Blinken".
    for (run, context) in single {
        let word = run.words[0].to_lowercase();
        if let Some(p) = persons.by_word(&word) {
            persons.attach(cx, p, &run, &context);
        } else if context.is_person(&run) {
            persons.add(cx, &run, &context);
        }
    }
    persons.mentions.sort_by_key(|m| m.start);
    persons
}

/// Completes surname-only persons from the headline: "Foreign Minister
/// Hussein" in the text and "Foreign Minister Dr. Fuad Hussein" in the title
/// are one person, Fuad Hussein.
pub fn complete_from_title(cx_title: &Ctx<'_>, persons: &mut Persons) {
    let orgs = &cx_title.orgs;
    for run in name_runs(cx_title, orgs) {
        let context = context_of(cx_title, &run, orgs);
        if run.words.len() < 2 || !context.titled {
            continue;
        }
        let words: Vec<String> = run.words.iter().map(|w| fold(w)).collect();
        let known: Vec<usize> = (0..persons.people.len())
            .filter(|&p| {
                let p = &persons.people[p].words;
                words.last() == p.last() || (p.len() == 1 && words.contains(&p[0]))
            })
            .collect();
        for &p in &known {
            if persons.people[p].words.len() < words.len() {
                persons.rename(p, run.words.join(" "), words.clone());
            }
        }
        if known.is_empty() {
            // Named only in the headline: a person of the document all the same.
            let mut draft = Draft { name: run.words.join(" "), words, titles: context.titles.clone(), org: context.org.clone(), ..Draft::default() };
            if let Some((c, rank)) = context.country {
                draft.country = Some(c);
                draft.country_rank = rank;
            }
            draft.evidence.push(Evidence { spans: Vec::new(), sentence: 0, rule: "person.headline".into() });
            persons.push(draft);
        }
    }
}

/// A run of name-like tokens.
#[derive(Debug, Clone)]
pub struct Run {
    /// First token.
    pub start: usize,
    /// One past the last token.
    pub end: usize,
    /// The name's words as written (possessive removed).
    pub words: Vec<String>,
    /// Byte range of the name.
    pub bytes: (usize, usize),
}

/// What surrounds a run: titles, organization and country clues, triggers.
#[derive(Debug, Default, Clone)]
pub struct Context {
    titles: Vec<String>,
    org: Option<String>,
    country: Option<(usize, u8)>,
    titled: bool,
    say_after: bool,
    meet_before: bool,
    female: Option<bool>,
}

impl Context {
    fn is_person(&self, run: &Run) -> bool {
        self.titled || (run.words.len() >= 2 && (self.say_after || self.meet_before))
    }
}

fn is_name_token(cx: &Ctx<'_>, i: usize) -> bool {
    let t = &cx.text;
    let tok = t.tokens[i];
    if tok.kind != TokKind::Cap {
        return false;
    }
    let w = strip_possessive(t.tok_str(i));
    if not_name(w) || cx.name_at(i).is_some() || cx.cue_at(i).is_some_and(|c| matches!(c.what, Cue::Month(_) | Cue::Weekday(_) | Cue::Event(_))) {
        return false;
    }
    if w.contains('-') && w.split('-').all(|p| cx.lex.title_words.contains(&p.to_lowercase()) || not_name(p)) {
        return false;
    }
    // All capitals: an acronym or a transcript label, not a name in prose,
    // except a surname written in capitals next to a given name
    // ("SAKURADA Ryohei", "Ryohei SAKURADA").
    if w.chars().count() > 1 && w.chars().all(|c| !c.is_lowercase()) {
        let mixed = |j: usize| {
            t.tokens.get(j).is_some_and(|x| x.kind == TokKind::Cap && x.sent == tok.sent && cx.name_at(j).is_none())
                && t.tok_str(j).chars().skip(1).any(char::is_lowercase)
                && !not_name(t.tok_str(j))
                && !cx.lex.title_words.contains(&t.tok_str(j).to_lowercase())
        };
        let next_mixed = mixed(i + 1) && t.src[tok.end..t.tokens[i + 1].start] == *" ";
        let prev_mixed = i > 0 && mixed(i - 1) && t.src[t.tokens[i - 1].end..tok.start] == *" ";
        return w.chars().count() > 2 && (next_mixed || prev_mixed) && !cx.lex.title_words.contains(&w.to_lowercase());
    }
    !cx.lex.title_words.contains(&w.to_lowercase())
}

fn strip_possessive(w: &str) -> &str {
    w.strip_suffix("’s").or_else(|| w.strip_suffix("'s")).unwrap_or(w)
}

/// Returns the maximal runs of name-like tokens: capitalized words, initials
/// ("J."), and particles between them ("bin", "von der").
pub fn name_runs(cx: &Ctx<'_>, orgs: &[OrgSpan]) -> Vec<Run> {
    let t = &cx.text;
    let mut runs = Vec::new();
    let mut i = 0;
    let in_any_org = super::within_any(orgs.iter().map(|o| (o.start, o.end)).collect());
    let in_org = |k: usize| in_any_org(t.tokens[k].start, t.tokens[k].end);
    while i < t.tokens.len() {
        if !is_name_token(cx, i) || in_org(i) {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i;
        let mut words = Vec::new();
        let mut j = i;
        while let Some(tok) = t.tokens.get(j) {
            if j > start && (tok.sent != t.tokens[start].sent || gap(cx, j) != " ") {
                break;
            }
            let w = t.tok_str(j);
            if is_name_token(cx, j) {
                // An initial: "J" directly followed by ".".
                let initial = (w.chars().count() == 1 || matches!(w, "Jr" | "Sr")) && t.tokens.get(j + 1).is_some_and(|n| n.start == tok.end && t.tok_str(j + 1) == ".");
                if initial {
                    words.push(format!("{w}."));
                    j += 2;
                } else {
                    words.push(strip_possessive(w).to_owned());
                    j += 1;
                }
                end = j;
                if w != strip_possessive(w) {
                    break;
                }
            } else if j > start && cx.name_at(j).is_some_and(|h| matches!(h.what, Entry::Place(_)) && h.end == tok.end) && t.tokens.get(j + 1).is_some_and(|n| n.sent == tok.sent && n.start == tok.end + 1) && is_name_token(cx, j + 1) {
                // A surname that is also a city: "Ricardo Albuquerque Tavares".
                words.push(w.to_owned());
                j += 1;
            } else if PARTICLES.contains(&w.to_lowercase().as_str()) && t.tokens.get(j + 1).is_some_and(|_| is_name_token(cx, j + 1) || PARTICLES.contains(&t.tok_str(j + 1).to_lowercase().as_str())) && j > start {
                words.push(w.to_owned());
                j += 1;
            } else {
                break;
            }
        }
        // A leading common word is the end of a title ("Commissioner for
        // Internal Market Thierry Breton"), not a first name.
        if words.len() >= 3 && cx.lex.is_common_word(&words[0].to_lowercase()) {
            words.remove(0);
        }
        // Trailing particles are not part of the name.
        while words.last().is_some_and(|w| PARTICLES.contains(&w.to_lowercase().as_str())) {
            words.pop();
        }
        // Suffixes: "Joseph R. Biden, Jr.", "Martin Luther King Jr."
        if end > start {
            let mut k = end;
            if t.tokens.get(k).is_some_and(|_| t.tok_str(k) == ",") {
                k += 1;
            }
            if t.tokens.get(k).is_some_and(|tok| tok.sent == t.tokens[start].sent && matches!(t.tok_str(k), "Jr" | "Sr" | "II" | "III")) {
                words.push(format!("{}{}", t.tok_str(k), if t.tokens.get(k + 1).is_some_and(|_| t.tok_str(k + 1) == ".") { "." } else { "" }));
                end = k + 1;
            }
        }
        // "for Western Hemisphere Affairs": the run is part of a title.
        let domain_next = |k: usize| t.tokens[k].kind == TokKind::Cap && cx.lex.title_words.contains(&t.tok_str(k).to_lowercase()) && words.len() == 1;
        let followed_by_title = t.tokens.get(end).is_some_and(|tok| tok.sent == t.tokens[start].sent && gap(cx, end) == " " && (is_title(cx, end).is_some() || SITE_HEADS.contains(&t.tok_str(end)) || domain_next(end)))
            || words.last().is_some_and(|w| SITE_HEADS.contains(&w.as_str()));
        let core_words = words.iter().filter(|w| !PARTICLES.contains(&w.to_lowercase().as_str())).count();
        if words.is_empty() || core_words > 6 || followed_by_title || (end > start && in_org(end - 1)) {
            i = end.max(i + 1);
            continue;
        }
        let first_word_start = t.src[t.tokens[start].start..].find(words[0].trim_end_matches('.')).map_or(t.tokens[start].start, |o| t.tokens[start].start + o);
        let bytes = (first_word_start, strip_end(t.src, t.tokens[end - 1].start, t.tokens[end - 1].end));
        runs.push(Run { start, end, words, bytes });
        i = end;
    }
    runs
}

fn strip_end(src: &str, start: usize, end: usize) -> usize {
    start + strip_possessive(&src[start..end]).len()
}

/// Returns the text between token `j - 1` and token `j`.
fn gap<'a>(cx: &Ctx<'a>, j: usize) -> &'a str {
    let t = &cx.text;
    if j == 0 {
        return "";
    }
    &t.src[t.tokens[j - 1].end..t.tokens[j].start]
}

fn context_of(cx: &Ctx<'_>, run: &Run, orgs: &[OrgSpan]) -> Context {
    let mut c = Context::default();
    title_before(cx, run, orgs, &mut c);
    title_after(cx, run, orgs, &mut c);
    let t = &cx.text;
    if let Some(next) = t.tokens.get(run.end) {
        let say = |k: usize| cx.cue_at(k).is_some_and(|h| h.what == Cue::Say);
        c.say_after = next.sent == t.tokens[run.start].sent && (say(run.end) || (t.tok_str(run.end) == "," && say(run.end + 1)));
    }
    if run.start > 0 {
        let prev = t.tok_str(run.start - 1).to_lowercase();
        let prev2 = if run.start > 1 { t.tok_str(run.start - 2).to_lowercase() } else { String::new() };
        let byline = prev == ":" && matches!(prev2.as_str(), "author" | "authors" | "by" | "photo" | "source" | "reporter");
        c.meet_before = byline || MEET_BEFORE.contains(&prev.as_str()) || (prev == "with" && MEET_BEFORE.contains(&prev2.as_str())) || prev == "and" && c.titled;
    }
    if c.country.is_none() {
        c.country = country_after(cx, run).map(|k| (k, 3));
    }
    c
}

fn is_title(cx: &Ctx<'_>, i: usize) -> Option<(usize, usize, bool)> {
    cx.name_at(i).and_then(|h| match h.what {
        Entry::Title => Some((h.start, h.end, false)),
        Entry::Honorific => Some((h.start, h.end, true)),
        _ => None,
    })
}

/// Walks back from the run over a title chain: "Deputy Prime Minister -
/// Minister of Foreign Affairs of Kazakhstan, Murat Nurtleu".
fn title_before(cx: &Ctx<'_>, run: &Run, orgs: &[OrgSpan], c: &mut Context) {
    let t = &cx.text;
    let sent = t.tokens[run.start].sent;
    let mut j = run.start;
    let mut steps = 0;
    let mut titles: Vec<(usize, usize)> = Vec::new();
    let mut chain_start = run.start;
    while j > 0 && steps < 16 {
        j -= 1;
        steps += 1;
        let tok = t.tokens[j];
        if tok.sent != sent {
            break;
        }
        let w = t.tok_str(j);
        if let Some((s, e, honorific)) = is_title(cx, j) {
            if honorific {
                c.female = match w.trim_end_matches('.') {
                    "Mrs" | "Ms" | "Madam" | "Her" => Some(true),
                    "Mr" | "His" | "Sir" => Some(false),
                    _ => c.female,
                };
                c.titled = true;
            } else if titles.last().is_none_or(|&(ls, _)| ls != s) {
                titles.push((s, e));
            }
            chain_start = j;
            while j > 0 && cx.tok_name.get(j - 1) == cx.tok_name.get(j) && cx.tok_name[j].is_some() {
                j -= 1;
            }
            continue;
        }
        let lexical = cx.name_at(j).is_some_and(|h| matches!(h.what, Entry::Country(_) | Entry::Demonym(_) | Entry::Org(_) | Entry::Place(_)));
        let in_org = orgs.iter().any(|o| o.start <= tok.start && tok.end <= o.end);
        let acronym = tok.kind == TokKind::Cap && w.chars().count() > 1 && w.chars().all(|c| !c.is_lowercase());
        let connector = matches!(w, "," | "-" | "–" | "—" | "of" | "the" | "for" | "and" | "on" | "at" | "to" | "in" | "&")
            || lexical
            || in_org
            || acronym
            || (tok.kind == TokKind::Cap && cx.lex.title_words.contains(&strip_possessive(w).to_lowercase()))
            || (tok.kind == TokKind::Cap && (w.ends_with("’s") || w.ends_with("'s")))
            || REGION_WORDS.contains(&w);
        if !connector {
            break;
        }
    }
    if titles.is_empty() {
        return;
    }
    c.titled = true;
    let chain = (t.tokens[chain_start].start, run.bytes.0);
    titles.reverse();
    for (s, e) in titles {
        c.titles.push(title_text(cx, s, e, chain.1));
    }
    chain_clues(cx, chain, orgs, c);
}

/// "Ana Tinca, State Secretary for …", "Olena Zelenska, Ukraine’s First Lady".
fn title_after(cx: &Ctx<'_>, run: &Run, orgs: &[OrgSpan], c: &mut Context) {
    let t = &cx.text;
    if t.tokens.get(run.end).is_none_or(|tok| t.tok_str(run.end) != "," || tok.sent != t.tokens[run.start].sent) {
        return;
    }
    let mut k = run.end + 1;
    let chain_start = t.tokens.get(k).map(|x| x.start).unwrap_or(0);
    let mut steps = 0;
    while let Some(tok) = t.tokens.get(k) {
        if steps > 6 || tok.sent != t.tokens[run.start].sent {
            return;
        }
        if let Some((s, e, false)) = is_title(cx, k) {
            let after = t.token_from(e);
            if after < t.tokens.len() && is_name_token(cx, after) && t.tokens[after].sent == t.tokens[k].sent && !matches!(t.tok_str(after.saturating_sub(1)), ",") {
                return;
            }
            c.titled = true;
            let limit = sentence_clause_end(cx, k);
            c.titles.push(title_text(cx, s, e, limit));
            chain_clues(cx, (chain_start, limit), orgs, c);
            return;
        }
        let w = t.tok_str(k);
        let lexical = cx.name_at(k).is_some_and(|h| matches!(h.what, Entry::Country(_) | Entry::Demonym(_)));
        if !(matches!(w, "the" | "a" | "former" | "then" | "its" | "his" | "her") || lexical || w.ends_with("’s") || w.ends_with("'s")) {
            return;
        }
        k += 1;
        steps += 1;
    }
}

/// Returns the byte where the clause after token `k` ends (comma, verb-ish
/// lower-case word other than connectors, or the sentence end).
fn sentence_clause_end(cx: &Ctx<'_>, k: usize) -> usize {
    let t = &cx.text;
    let sent = t.tokens[k].sent;
    let mut j = k;
    let mut end = t.tokens[k].end;
    while let Some(tok) = t.tokens.get(j) {
        if tok.sent != sent {
            break;
        }
        let w = t.tok_str(j);
        let ok = tok.kind == TokKind::Cap || matches!(w, "of" | "the" | "for" | "and" | "on" | "at" | "’s" | "-");
        if !ok {
            break;
        }
        end = tok.end;
        j += 1;
    }
    end
}

/// Returns the title as written: the list hit plus a "for …" complement
/// ("State Secretary for Strategic Affairs"), stopping before "of the".
fn title_text(cx: &Ctx<'_>, start: usize, end: usize, limit: usize) -> String {
    let t = &cx.text;
    let mut out_end = end;
    let k = t.token_from(end);
    if k < t.tokens.len() && t.tokens[k].start < limit && matches!(t.tok_str(k), "for" | "on") {
        let mut j = k + 1;
        while j < t.tokens.len() && t.tokens[j].start < limit {
            let w = t.tok_str(j);
            let cap = t.tokens[j].kind == TokKind::Cap && cx.name_at(j).is_none_or(|h| matches!(h.what, Entry::Title));
            if cap || (w == "and" && j + 1 < t.tokens.len() && t.tokens[j + 1].kind == TokKind::Cap) {
                if cap {
                    out_end = t.tokens[j].end;
                }
                j += 1;
            } else {
                break;
            }
        }
    }
    t.src[start..out_end].trim().to_owned()
}

/// Reads the country and organization clues inside a title chain.
fn chain_clues(cx: &Ctx<'_>, (start, end): (usize, usize), orgs: &[OrgSpan], c: &mut Context) {
    for h in cx.names_within(start, end) {
        if let Some(k) = cx.country_of_hit(h) {
            if c.country.is_none_or(|(_, r)| r < 3) {
                c.country = Some((k, 3));
            }
        }
        if let Entry::Org(o) = h.what {
            if c.org.is_none() {
                c.org = Some(cx.lex.orgs[o].name.clone());
            }
        }
    }
    if let Some(o) = orgs.iter().find(|o| o.start >= start && o.end <= end) {
        c.org = Some(o.name.clone());
        if let Some(k) = o.country {
            c.country = Some((k, 3));
        }
    }
}

/// "Retno Marsudi of Indonesia": a country right after the name.
fn country_after(cx: &Ctx<'_>, run: &Run) -> Option<usize> {
    let t = &cx.text;
    if t.tokens.get(run.end).is_some_and(|_| t.tok_str(run.end) == "of") {
        let k = if t.tokens.get(run.end + 1).is_some_and(|_| t.tok_str(run.end + 1) == "the") { run.end + 2 } else { run.end + 1 };
        return cx.name_at(k).filter(|h| matches!(h.what, Entry::Country(_))).and_then(|h| cx.country_of_hit(h));
    }
    None
}

impl Persons {
    /// Returns the person whose name has `word` (lower case) as its last word,
    /// or as any word when only one person has it.
    pub fn by_word(&self, word: &str) -> Option<usize> {
        let word = fold(word);
        let with = self.with_word.get(&word)?;
        if let Some(&p) = with.iter().find(|&&p| self.people[p].words.last() == Some(&word)) {
            return Some(p);
        }
        match with.as_slice() {
            &[p] => Some(p),
            _ => None,
        }
    }

    fn add(&mut self, cx: &Ctx<'_>, run: &Run, c: &Context) {
        let words: Vec<String> = run.words.iter().map(|w| fold(w)).collect();
        // The same person again, or a fuller form of a known surname.
        let existing = self.first_with(&words, |p| p.words == words).or_else(|| {
            words.last()?;
            let surname = |w: &[String]| w.iter().rev().find(|x| !matches!(x.as_str(), "jr" | "sr" | "ii" | "iii")).cloned();
            let mine = surname(&words);
            self.first_with(mine.as_slice(), |p| surname(&p.words) == mine)
        });
        let p = match existing {
            Some(p) => p,
            None => self.push(Draft { name: run.words.join(" "), words: words.clone(), ..Draft::default() }),
        };
        if words.len() > self.people[p].words.len() {
            self.rename(p, run.words.join(" "), words);
        }
        self.attach(cx, p, run, c);
    }

    /// Returns the first person meeting `test`, looked for among those
    /// whose name has the last of `words` (all persons if `words` is empty).
    /// `test` must hold only for names with that word.
    fn first_with(&self, words: &[String], test: impl Fn(&Draft) -> bool) -> Option<usize> {
        match words.last() {
            Some(w) => self.with_word.get(w)?.iter().copied().find(|&p| test(&self.people[p])),
            None => self.people.iter().position(test),
        }
    }

    /// Adds a person and returns its index.
    fn push(&mut self, draft: Draft) -> usize {
        let p = self.people.len();
        for w in &draft.words {
            let with = self.with_word.entry(w.clone()).or_default();
            if with.last() != Some(&p) {
                with.push(p);
            }
        }
        self.people.push(draft);
        p
    }

    /// Gives a person a fuller name; the old one becomes an alias.
    fn rename(&mut self, p: usize, name: String, words: Vec<String>) {
        for w in &self.people[p].words {
            if let Some(with) = self.with_word.get_mut(w) {
                with.retain(|&q| q != p);
            }
        }
        for w in &words {
            let with = self.with_word.entry(w.clone()).or_default();
            if let Err(at) = with.binary_search(&p) {
                with.insert(at, p);
            }
        }
        let person = &mut self.people[p];
        let old = std::mem::replace(&mut person.name, name);
        person.aliases.push(old);
        person.words = words;
    }

    fn attach(&mut self, cx: &Ctx<'_>, p: usize, run: &Run, c: &Context) {
        let person = &mut self.people[p];
        let form = run.words.join(" ");
        if form != person.name && !person.aliases.contains(&form) {
            person.aliases.push(form);
        }
        for t in &c.titles {
            if !person.titles.iter().any(|x| x.eq_ignore_ascii_case(t)) {
                person.titles.push(t.clone());
            }
        }
        if person.org.is_none() {
            person.org.clone_from(&c.org);
        }
        if let Some((k, rank)) = c.country {
            if rank > person.country_rank {
                person.country = Some(k);
                person.country_rank = rank;
            }
        }
        if person.female.is_none() {
            person.female = c.female;
        }
        let rule = if c.titled { "person.title" } else if c.say_after { "person.speaker" } else { "person.context" };
        person.evidence.push(cx.evidence(run.bytes.0, run.bytes.1, rule));
        self.mentions.push(Mention { start: run.bytes.0, end: run.bytes.1, person: p, tok: run.start });
    }

    /// Fills in the country of each person without a clue from the text
    /// around their mentions (see [`fallback_country`]).
    pub fn settle_countries(&mut self, cx: &Ctx<'_>) {
        // Read once for every person, not once per person: a long text has
        // thousands of each.
        let mut first = vec![None; self.people.len()];
        for m in self.mentions.iter().rev() {
            first[m.person] = Some(m);
        }
        let counts = country_counts(cx);
        let fallback: Vec<Option<usize>> = first
            .iter()
            .enumerate()
            .map(|(i, m)| m.and_then(|m| fallback_country(cx, &self.people, &self.mentions, m, i, &counts)))
            .collect();
        for (d, f) in self.people.iter_mut().zip(fallback) {
            if d.country.is_none() {
                d.country = f;
                d.country_rank = 1;
            }
        }
    }

    /// Returns the people as domain facts.
    pub fn into_people(self, cx: &Ctx<'_>) -> Vec<Person> {
        self.people
            .into_iter()
            .map(|d| {
                let country = d.country;
                Person {
                    name: d.name,
                    aliases: d.aliases,
                    titles: d.titles,
                    organization: d.org,
                    country: country.map(|c| cx.lex.countries[c].code.clone()),
                    evidence: d.evidence,
                }
            })
            .collect()
    }

    /// Returns the mentions lying wholly inside `start..end`, in text order.
    pub fn within(&self, start: usize, end: usize) -> impl DoubleEndedIterator<Item = &Mention> {
        mentions_within(&self.mentions, start, end)
    }

}

/// A person without a country clue: the side they represent ("the Kazakh
/// side was represented by …"), else the other side of a person named with
/// them, else the nearest country before them in the sentence, else after,
/// else the document's home country.
/// `m` is the person's first mention; `counts` is [`country_counts`].
fn fallback_country(cx: &Ctx<'_>, drafts: &[Draft], mentions: &[Mention], m: &Mention, p: usize, counts: &[(usize, usize)]) -> Option<usize> {
    let t = &cx.text;
    let sent = t.sentence_of(m.start);
    let range = t.sentences[sent].range.clone();
    let in_sentence: Vec<_> = cx.names_within(range.start, range.end).filter(|h| matches!(h.what, Entry::Country(_) | Entry::Demonym(_))).collect();
    let side = in_sentence.iter().rev().filter(|h| h.end <= m.start).find(|h| {
        let k = t.token_from(h.end);
        k < t.tokens.len() && matches!(t.tok_str(k), "side" | "delegation" | "party" | "team")
    });
    if let Some(h) = side {
        return cx.country_of_hit(h);
    }
    let partners: Vec<usize> = mentions_within(mentions, range.start, range.end)
        .filter(|o| o.person != p)
        .filter_map(|o| drafts[o.person].country.filter(|_| drafts[o.person].country_rank >= 3))
        .collect();
    if !partners.is_empty() {
        if let Some(&(c, _)) = counts.iter().find(|(c, _)| !partners.contains(c)) {
            return Some(c);
        }
    }
    let before = in_sentence.iter().rev().find(|h| h.end <= m.start);
    let after = in_sentence.iter().find(|h| h.start >= m.end);
    before.or(after).and_then(|h| cx.country_of_hit(h)).or(cx.home_country)
}

/// Returns how often the text names each country (by name or demonym), most
/// often first, ties in order of first mention.
fn country_counts(cx: &Ctx<'_>) -> Vec<(usize, usize)> {
    let mut counts: Vec<(usize, usize)> = Vec::new();
    for h in &cx.names {
        if let Entry::Country(c) | Entry::Demonym(c) = h.what {
            match counts.iter_mut().find(|(k, _)| *k == c) {
                Some(e) => e.1 += 1,
                None => counts.push((c, 1)),
            }
        }
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    counts
}

/// Returns the mentions (in text order, as [`extract`] leaves them) lying
/// wholly inside `start..end`: a binary search finds the first one that
/// starts there, and none starting past `end` can end inside.
fn mentions_within(mentions: &[Mention], start: usize, end: usize) -> impl DoubleEndedIterator<Item = &Mention> {
    let first = mentions.partition_point(|m| m.start < start);
    let last = first + mentions[first..].partition_point(|m| m.start <= end);
    mentions[first..last].iter().filter(move |m| m.end <= end)
}

/// Folds a name word for comparison: lower case, no possessive, no dots.
pub fn fold(w: &str) -> String {
    strip_possessive(w).trim_end_matches('.').to_lowercase()
}

#[cfg(test)]
mod tests {
    use crate::extract::read;

    fn persons(text: &str) -> Vec<(String, Option<String>, Vec<String>)> {
        read(text, "2025-04-02").persons.into_iter().map(|p| (p.name, p.country, p.titles)).collect()
    }

    #[test]
    fn title_before_name() {
        let p = persons("Deputy Foreign Minister Aidos Serikbayev received the delegation.");
        assert_eq!(p[0].0, "Aidos Serikbayev");
        assert_eq!(p[0].2, vec!["Deputy Foreign Minister"]);
    }

    #[test]
    fn title_chain_with_country_gives_the_country() {
        let p = persons("Minister of Foreign Affairs of the Republic of Moldova Elena Cojocaru held talks in Chisinau.");
        assert_eq!(p[0].0, "Elena Cojocaru");
        assert_eq!(p[0].1.as_deref(), Some("MD"));
    }

    #[test]
    fn title_after_name_with_complement() {
        let p = persons("Talks were held with Mihai Popescu, State Secretary for Economic Diplomacy of the Romanian Ministry of Foreign Affairs.");
        assert_eq!(p[0].0, "Mihai Popescu");
        assert_eq!(p[0].1.as_deref(), Some("RO"));
        assert!(p[0].2[0].starts_with("State Secretary for Economic Diplomacy"), "{:?}", p[0].2);
    }

    #[test]
    fn a_word_finds_the_person_by_the_name_they_now_have() {
        use super::{Draft, Persons};
        let draft = |name: &str| Draft { name: name.into(), words: name.split(' ').map(super::fold).collect(), ..Draft::default() };
        let mut persons = Persons::default();
        let a = persons.push(draft("Oksen"));
        let b = persons.push(draft("Ilan Vero"));
        assert_eq!(persons.by_word("Oksen"), Some(a));
        assert_eq!(persons.by_word("Ilan"), Some(b), "the only person with that word");
        persons.rename(a, "Marta Oksen".into(), vec!["marta".into(), "oksen".into()]);
        assert_eq!((persons.by_word("Marta"), persons.people[a].aliases.as_slice()), (Some(a), &["Oksen".to_owned()][..]));
        let c = persons.push(draft("Marta Ruud"));
        assert_eq!(persons.by_word("Marta"), None, "two persons have it, as a surname neither");
        assert_eq!((persons.by_word("Ruud"), persons.by_word("Oksen’s")), (Some(c), Some(a)));
        persons.rename(b, "Ilana Vero".into(), vec!["ilana".into(), "vero".into()]);
        assert_eq!((persons.by_word("Ilan"), persons.by_word("Ilana")), (None, Some(b)), "a word the name lost");
    }

    #[test]
    fn surname_mentions_merge_into_the_full_name() {
        let p = persons("Ambassador Tomas Lindqvist met the press. Later, Lindqvist said the talks went well.");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].0, "Tomas Lindqvist");
    }

    #[test]
    fn speaker_verb_and_meeting_verb_find_untitled_names() {
        let p = persons("Karim Haddad said the route is vital. Earlier he met with Lucia Ferreira in Lisbon.");
        let names: Vec<&str> = p.iter().map(|x| x.0.as_str()).collect();
        assert!(names.contains(&"Karim Haddad") && names.contains(&"Lucia Ferreira"), "{names:?}");
    }

    #[test]
    fn the_side_a_person_represents_gives_the_country() {
        let p = persons("The Georgian side was represented by Deputy Minister Nika Beridze, while the Armenian side was represented by Ambassador Arman Sargsyan.");
        assert_eq!(p[0].1.as_deref(), Some("GE"));
        assert_eq!(p[1].1.as_deref(), Some("AM"));
    }

    #[test]
    fn capitalised_words_that_are_not_names_stay_out() {
        let p = persons("The Strategic Partnership Council met in Global Gateway format. Welcoming the guests, officials spoke.");
        assert!(p.is_empty(), "{p:?}");
    }

    #[test]
    fn initials_particles_and_suffixes_stay_in_the_name() {
        let p = persons("President Hamad bin Khalid Al Nuaimi welcomed Secretary John R. Whitfield Jr. to the capital.");
        let names: Vec<&str> = p.iter().map(|x| x.0.as_str()).collect();
        assert!(names.contains(&"Hamad bin Khalid Al Nuaimi"), "{names:?}");
        assert!(names.contains(&"John R. Whitfield Jr."), "{names:?}");
    }
}
