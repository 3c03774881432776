//! The knowledge lists (countries, places, organizations, titles and cue
//! words), compiled once into three automata read in one pass over a text:
//! one case-sensitive for proper names and titles, two case-insensitive for
//! cue words and for topic cues. General knowledge only: no list names a
//! person.

use std::collections::{HashMap, HashSet};
use std::ops::Range;


use super::trie::{TrieSet, WordTrie};
use crate::domain::EventKind;

const COUNTRIES: &str = include_str!("data/countries.tsv");
const CITIES: &str = include_str!("data/cities.tsv");
const ORGANIZATIONS: &str = include_str!("data/organizations.tsv");
const TITLES: &str = include_str!("data/titles.txt");
const CUES: &str = include_str!("data/cues.tsv");

/// A sovereign state.
#[derive(Debug, Clone)]
pub struct CountryInfo {
    /// ISO 3166-1 alpha-2 code.
    pub code: String,
    /// Common short name.
    pub name: String,
}

/// A city or region with its country.
#[derive(Debug, Clone)]
pub struct PlaceInfo {
    /// The canonical name (first in the list).
    pub name: String,
    /// Index into [`Lexicon::countries`].
    pub country: usize,
    /// True for a capital city.
    pub capital: bool,
}

/// An organization from the list.
#[derive(Debug, Clone)]
pub struct OrgInfo {
    /// The full name.
    pub name: String,
    /// Index into [`Lexicon::countries`], if national.
    pub country: Option<usize>,
}

/// What a proper-name hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// A country name (index into countries).
    Country(usize),
    /// A demonym or adjective of a country.
    Demonym(usize),
    /// A city or region (index into places).
    Place(usize),
    /// An organization (index into orgs).
    Org(usize),
    /// A title or rank.
    Title,
    /// An honorific (Mr., Dr., His Excellency).
    Honorific,
}

/// What a cue-word hit is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cue {
    /// A verb of saying.
    Say,
    /// An event trigger.
    Event(EventKind),
    /// A topic cue: index into `TOPICS`, weight.
    Topic(usize, f32),
    /// A figure metric: index into [`METRICS`].
    Metric(usize),
    /// A currency: index into [`Lexicon::currencies`].
    Currency(usize),
    /// A scale word with its multiplier.
    Scale(f64),
    /// A number word.
    NumberWord(f64),
    /// An ordinal word.
    Ordinal(u32),
    /// A month name.
    Month(u8),
    /// A weekday, Monday = 1.
    Weekday(u8),
    /// A masculine pronoun or cue.
    Male,
    /// A feminine pronoun or cue.
    Female,
    /// A noun that refers back to a person by role.
    RoleNoun,
}

/// Figure metrics a cue can name, as in the eval format.
pub const METRICS: [&str; 11] = [
    "trade_turnover",
    "exports",
    "imports",
    "investment",
    "trade_turnover_growth",
    "companies",
    "projects",
    "agreements",
    "aid",
    "loan",
    "other",
];

/// A hit of either automaton: byte range and what it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit<T> {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// What was found.
    pub what: T,
}

/// The hits of the three automata in one text.
#[derive(Debug, Default)]
pub struct Hits {
    /// Proper names and titles (case-sensitive).
    pub names: Vec<Hit<Entry>>,
    /// Cue words other than topic cues (case-insensitive).
    pub cues: Vec<Hit<Cue>>,
    /// Topic cue words (case-insensitive).
    pub topic_cues: Vec<Hit<Cue>>,
}

/// The compiled lists.
pub struct Lexicon {
    /// Names, cues and topic cues, in that order, read in one pass.
    tries: TrieSet,
    name_entries: Vec<Entry>,
    cue_entries: Vec<Cue>,
    topic_entries: Vec<Cue>,
    /// Every sovereign state.
    pub countries: Vec<CountryInfo>,
    /// Cities, capitals and regions.
    pub places: Vec<PlaceInfo>,
    /// Listed organizations.
    pub orgs: Vec<OrgInfo>,
    /// ISO 4217 codes of the currencies cues name.
    pub currencies: Vec<String>,
    /// Words that occur in titles and organization names (lowercase); a name
    /// does not end with one.
    pub title_words: HashSet<String>,
    /// Country index by ISO code.
    pub country_by_code: HashMap<String, usize>,
    /// Single lower-case words of the cue lists (topic and metric cues):
    /// ordinary English words, not names.
    common_words: HashSet<String>,
}

impl std::fmt::Debug for Lexicon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lexicon")
            .field("countries", &self.countries.len())
            .field("places", &self.places.len())
            .field("orgs", &self.orgs.len())
            .finish_non_exhaustive()
    }
}

fn rows(src: &str) -> impl Iterator<Item = Vec<&str>> {
    src.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').map(str::trim).collect())
}

fn alternatives<'a>(col: Option<&&'a str>) -> impl Iterator<Item = &'a str> + use<'a> {
    col.copied().unwrap_or("").split('|').map(str::trim).filter(|s| !s.is_empty())
}

#[derive(Default)]
struct Builder {
    patterns: Vec<String>,
    entries: Vec<Entry>,
    seen: HashMap<String, usize>,
}

impl Builder {
    /// Adds a pattern; a pattern listed twice keeps its first meaning.
    fn add(&mut self, pattern: &str, entry: Entry) {
        if pattern.is_empty() || self.seen.contains_key(pattern) {
            return;
        }
        self.seen.insert(pattern.to_owned(), self.patterns.len());
        self.patterns.push(pattern.to_owned());
        self.entries.push(entry);
    }
}

impl Lexicon {
    /// Returns the lists compiled from the data files built into the binary.
    pub fn builtin() -> Self {
        let mut b = Builder::default();
        let mut countries = Vec::new();
        let mut places = Vec::new();
        let mut country_by_code = HashMap::new();
        let mut capitals = Vec::new();
        for row in rows(COUNTRIES) {
            let Some(code) = row.first().map(|c| c.to_ascii_uppercase()) else { continue };
            let idx = countries.len();
            let mut names = alternatives(row.get(1));
            let Some(name) = names.next() else { continue };
            country_by_code.insert(code.clone(), idx);
            countries.push(CountryInfo { code, name: name.to_owned() });
            b.add(name, Entry::Country(idx));
            for n in names {
                b.add(n, Entry::Country(idx));
                if let Some(rest) = n.strip_prefix("the ") {
                    b.add(&capitalize(rest), Entry::Country(idx));
                    b.add(rest, Entry::Country(idx));
                } else if n.starts_with(|c: char| c.is_uppercase()) && !n.starts_with("The ") {
                    b.add(&format!("the {n}"), Entry::Country(idx));
                }
            }
            for d in alternatives(row.get(2)) {
                b.add(d, Entry::Demonym(idx));
            }
            capitals.push((idx, row.get(3).copied().unwrap_or("").to_owned()));
        }
        let country_of = |code: &str| country_by_code.get(&code.trim().to_ascii_uppercase()).copied();
        for (idx, caps) in &capitals {
            let caps: &str = caps.as_str();
            let mut alts = alternatives(Some(&caps)).peekable();
            let Some(first) = alts.peek().map(|s| s.to_string()) else { continue };
            let p = places.len();
            places.push(PlaceInfo { name: first, country: *idx, capital: true });
            for a in alts {
                b.add(a, Entry::Place(p));
            }
        }
        for row in rows(CITIES) {
            let Some(country) = row.get(1).and_then(|c| country_of(c)) else { continue };
            let mut alts = alternatives(row.first()).peekable();
            let Some(first) = alts.peek().map(|s| s.to_string()) else { continue };
            let p = places.len();
            places.push(PlaceInfo { name: first, country, capital: false });
            for a in alts {
                b.add(a, Entry::Place(p));
            }
        }
        let mut orgs = Vec::new();
        for row in rows(ORGANIZATIONS) {
            let mut alts = alternatives(row.first()).peekable();
            let Some(first) = alts.peek().map(|s| s.to_string()) else { continue };
            let o = orgs.len();
            orgs.push(OrgInfo { name: first, country: row.get(1).and_then(|c| country_of(c)) });
            for a in alts {
                b.add(a, Entry::Org(o));
                if a.len() > 6 && !a.starts_with("the ") && a.contains(' ') {
                    b.add(&format!("the {a}"), Entry::Org(o));
                }
            }
        }
        let mut title_words = HashSet::new();
        for line in TITLES.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            if let Some(h) = line.strip_prefix('@') {
                b.add(h.trim(), Entry::Honorific);
                continue;
            }
            for alt in line.split('|').map(str::trim) {
                b.add(alt, Entry::Title);
                // Titles also stand in lower case in running text
                // ("its managing director", "hokim of the region").
                let lower = lower_first(alt);
                if lower != alt {
                    b.add(&lower, Entry::Title);
                }
                if alt.contains(' ') && alt.split(' ').count() == 2 {
                    b.add(&alt.replacen(' ', "-", 1), Entry::Title);
                }
                for w in alt.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() > 2) {
                    title_words.insert(w.to_lowercase());
                }
            }
        }
        for w in ORG_HEAD_WORDS.iter().chain(DOMAIN_WORDS) {
            title_words.insert(w.to_lowercase());
        }
        let names = WordTrie::new(&b.patterns, false);
        let (cues, cue_entries, currencies) = build_cues(false);
        let (topic_cues, topic_entries, _) = build_cues(true);
        let common_words = rows(CUES)
            .filter(|r| r.first().is_some_and(|k| k.starts_with("topic_") || k.starts_with("metric_") || k.starts_with("event_")))
            .filter_map(|r| r.get(1).map(|p| p.to_lowercase()))
            .filter(|p| !p.contains(' '))
            .collect();
        let tries = TrieSet::new(vec![names, cues, topic_cues]);
        Lexicon { common_words, tries, name_entries: b.entries, cue_entries, topic_entries, countries, places, orgs, currencies, title_words, country_by_code }
    }

    /// Returns the hits inside `ranges` of `text`, each automaton apart:
    /// whole words only, leftmost-longest, not overlapping; proper names
    /// case-sensitive, cue words case-insensitive.
    pub fn hits_in(&self, text: &str, ranges: &[Range<usize>]) -> Hits {
        let mut hits = Hits::default();
        self.tries.find(text, ranges, |trie, start, end, id| {
            let id = id as usize;
            match trie {
                0 => hits.names.push(Hit { start, end, what: self.name_entries[id] }),
                1 => hits.cues.push(Hit { start, end, what: self.cue_entries[id] }),
                _ => hits.topic_cues.push(Hit { start, end, what: self.topic_entries[id] }),
            }
        });
        hits
    }

    /// Returns true for an ordinary English word of the cue lists.
    pub fn is_common_word(&self, word: &str) -> bool {
        self.common_words.contains(word)
    }

    /// Returns the country entry for an ISO code.
    pub fn country(&self, code: &str) -> Option<&CountryInfo> {
        self.country_by_code.get(code).map(|&i| &self.countries[i])
    }
}

/// Head words that end organization names.
pub const ORG_HEAD_WORDS: &[&str] = &[
    "Ministry", "Committee", "Commission", "Council", "Agency", "Bank", "Fund", "University",
    "Institute", "Organization", "Organisation", "Corporation", "Company", "Office", "Department",
    "Parliament", "Senate", "Assembly", "Mazhilis", "Majilis", "Service", "Chamber", "Union",
    "Association", "Authority", "Administration", "Secretariat", "Group", "Holding", "Centre",
    "Center", "Academy", "Court", "Foundation", "Bureau", "Board", "Directorate", "Cabinet",
    "Government", "Embassy", "Consulate", "Mission", "Delegation", "Programme", "Party", "Congress",
    "Duma", "Sejm", "Knesset", "Majlis", "Rada", "Oliy", "Kurultai", "Jogorku", "Milli",
    "Command", "Force", "Forces", "Police", "Guard", "Exchange", "Railways", "Airlines", "Airways",
    "Port", "Alliance", "League",
];

/// Words that name the domain of a ministry or a committee.
const DOMAIN_WORDS: &[&str] = &[
    "Affairs", "Foreign", "Economic", "Economy", "Strategic", "Finance", "Energy", "Trade",
    "Defence", "Defense", "Justice", "Interior", "Internal", "Health", "Education", "Science",
    "Culture", "Agriculture", "Industry", "Investment", "Investments", "Transport", "Digital",
    "Development", "International", "National", "Relations", "Security", "Integration", "State",
    "Federal", "Republic", "Presidential", "Executive", "Emergency", "Emergencies", "Labour", "Labor",
    "Social", "Protection", "Ecology", "Environment", "Natural", "Resources", "Water", "Tourism",
    "Sports", "Information", "Communications", "Technology", "Innovation", "Public", "Political",
    "Cooperation", "Legal", "Consular", "Multilateral", "Bilateral", "European", "Asian", "General",
    "Deputy", "First", "Vice", "Acting", "Special", "Senior", "Chief", "Head", "Permanent",
    "African", "Eurasian", "Arab", "Regional", "Climate", "Humanitarian", "Human", "Rights",
    "Migration", "Energy", "Electricity", "Railways", "Religious", "Youth", "Women", "Family",
    "Urban", "Housing", "Construction", "Mining", "Oil", "Gas", "Petroleum", "Fisheries",
    "Maritime", "Aviation", "Civil", "Customs", "Revenue", "Planning", "Statistics", "Reform",
    "Reforms", "Partnerships", "Partnership", "Board", "Management", "Operations", "Policy",
    "Diaspora", "Expatriates", "Abroad", "Compatriots", "Overseas", "Kingdom", "Sultanate",
];

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_lowercase().chain(c).collect()).unwrap_or_default()
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// Returns the cue automaton for topics (`topics`) or for everything else.
fn build_cues(topics: bool) -> (WordTrie, Vec<Cue>, Vec<String>) {
    let mut patterns: Vec<String> = Vec::new();
    let mut entries = Vec::new();
    let mut currencies: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for row in rows(CUES) {
        let (Some(kind), Some(phrase)) = (row.first(), row.get(1)) else { continue };
        let value = row.get(2).copied().unwrap_or("");
        let cue = match *kind {
            "say" => Some(Cue::Say),
            "currency" => {
                let code = value.to_ascii_uppercase();
                let idx = currencies.iter().position(|c| *c == code).unwrap_or_else(|| {
                    currencies.push(code.clone());
                    currencies.len() - 1
                });
                (!code.is_empty()).then_some(Cue::Currency(idx))
            }
            "scale" => value.parse().ok().map(Cue::Scale),
            "number_word" => value.parse().ok().map(Cue::NumberWord),
            "ordinal_word" => value.parse().ok().map(Cue::Ordinal),
            "month" => value.parse().ok().map(Cue::Month),
            "weekday" => value.parse().ok().map(Cue::Weekday),
            "gender_m" => Some(Cue::Male),
            "gender_f" => Some(Cue::Female),
            "role_noun" => Some(Cue::RoleNoun),
            k => {
                if let Some(ev) = k.strip_prefix("event_") {
                    EventKind::parse(ev).map(Cue::Event)
                } else if let Some(t) = k.strip_prefix("topic_") {
                    let w = value.parse().unwrap_or(1.0);
                    crate::domain::TOPICS.iter().position(|x| *x == t).map(|i| Cue::Topic(i, w))
                } else if let Some(m) = k.strip_prefix("metric_") {
                    METRICS.iter().position(|x| *x == m).map(Cue::Metric)
                } else {
                    None
                }
            }
        };
        let Some(cue) = cue else { continue };
        if matches!(cue, Cue::Topic(..)) != topics {
            continue;
        }
        // A phrase keeps its first meaning.
        if !seen.insert(phrase.to_lowercase()) {
            continue;
        }
        patterns.push(phrase.to_lowercase());
        entries.push(cue);
    }
    (WordTrie::new(&patterns, true), entries, currencies)
}
