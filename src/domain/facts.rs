//! The facts Briefing reads from a document, each with the evidence that
//! supports it: byte spans in the original text, the sentence, and the name of
//! the rule that produced it.

use serde::{Deserialize, Serialize};

use super::PartialDate;

/// A half-open byte range `[start, end)` in a document's original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Span {
    /// First byte of the range.
    pub start: u32,
    /// One past the last byte of the range.
    pub end: u32,
}

impl Span {
    /// Returns a span; `start` and `end` are byte offsets, `start <= end`.
    pub fn new(start: usize, end: usize) -> Self {
        debug_assert!(start <= end);
        Self { start: start as u32, end: end as u32 }
    }

    /// Returns the span as a `usize` range for slicing the text.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// Why Briefing states a fact: where in the text, and by which rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The byte ranges of the words that support the fact.
    pub spans: Vec<Span>,
    /// Zero-based index of the sentence the first span lies in.
    pub sentence: u32,
    /// The name of the extraction rule, e.g. `person.title_before_name`.
    pub rule: String,
}

impl Evidence {
    /// Returns evidence for one span.
    pub fn new(span: Span, sentence: usize, rule: &str) -> Self {
        Self { spans: vec![span], sentence: sentence as u32, rule: rule.to_owned() }
    }
}

/// A named person, merged over all mentions in one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    /// The fullest form of the name the text gives, in its spelling.
    pub name: String,
    /// Other forms used for the same person ("Vassilenko", "Mr. Vassilenko").
    pub aliases: Vec<String>,
    /// Roles the text gives, as written ("Deputy Foreign Minister").
    pub titles: Vec<String>,
    /// The organization of the role, where the text gives one.
    pub organization: Option<String>,
    /// ISO 3166-1 alpha-2 code of the state the person serves.
    pub country: Option<String>,
    /// One entry per mention.
    pub evidence: Vec<Evidence>,
}

/// A named organization: a ministry, parliament, company, agency or
/// international body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    /// The fullest name as written.
    pub name: String,
    /// ISO alpha-2 code of the state it belongs to; `None` if international.
    pub country: Option<String>,
    /// One entry per mention.
    pub evidence: Vec<Evidence>,
}

/// A sovereign state mentioned by name, short name or demonym.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Country {
    /// ISO 3166-1 alpha-2 code.
    pub code: String,
    /// The state's common English name.
    pub name: String,
    /// One entry per mention.
    pub evidence: Vec<Evidence>,
}

/// A city or other sub-national place named as a location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Place {
    /// The name as written.
    pub name: String,
    /// ISO alpha-2 code of the country it lies in.
    pub country: Option<String>,
    /// One entry per mention.
    pub evidence: Vec<Evidence>,
}

/// The kinds of diplomatic event Briefing recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Political or inter-ministerial consultations, rounds of consultations.
    Consultations,
    /// Meetings, talks, negotiations, audiences and receptions.
    Meeting,
    /// Official, state or working visits.
    Visit,
    /// Telephone conversations and video calls.
    Call,
    /// Signing of an agreement, memorandum or declaration.
    Signing,
    /// Summits, forums, sessions and conferences with several parties.
    Multilateral,
    /// Anything else diplomatic with a date or participants.
    Other,
}

impl EventKind {
    /// Every kind, in declaration order.
    pub const ALL: [EventKind; 7] = [
        Self::Consultations,
        Self::Meeting,
        Self::Visit,
        Self::Call,
        Self::Signing,
        Self::Multilateral,
        Self::Other,
    ];

    /// Returns the lowercase name used in the eval view and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Consultations => "consultations",
            Self::Meeting => "meeting",
            Self::Visit => "visit",
            Self::Call => "call",
            Self::Signing => "signing",
            Self::Multilateral => "multilateral",
            Self::Other => "other",
        }
    }

    /// Returns the kind named by `s` (as printed by [`EventKind::as_str`]).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A diplomatic event the text reports or refers to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// What kind of event it was.
    pub kind: EventKind,
    /// When, as precisely as the text allows.
    pub date: Option<PartialDate>,
    /// City (or country) where it took place.
    pub place: Option<String>,
    /// Names of the persons who took part, as in [`Person::name`].
    pub participants: Vec<String>,
    /// Round number ("8th round of consultations").
    pub ordinal: Option<u32>,
    /// ISO codes of the states involved.
    pub countries: Vec<String>,
    /// The trigger and the slots that were filled.
    pub evidence: Vec<Evidence>,
}

/// A direct quotation attributed to a speaker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    /// The quoted words without the quotation marks.
    pub text: String,
    /// The speaker's name as in [`Person::name`], or an organization's name.
    pub speaker: Option<String>,
    /// The quotation itself, then the attribution if there is one.
    pub evidence: Vec<Evidence>,
}

/// A number that states a fact: money, a percentage, a count, a rank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// The number, fully scaled (2.92 billion is 2920000000).
    pub value: f64,
    /// ISO 4217 code, `percent`, `count`, `rank`, `tonnes` or another unit word.
    pub unit: String,
    /// What is measured: `trade_turnover`, `exports`, `investment`, … or `other`.
    pub metric: String,
    /// The year (`2024`) or range (`2005/2023-Q3`) the number refers to.
    pub period: Option<String>,
    /// ISO codes of the states it is between or about.
    pub countries: Vec<String>,
    /// The number and the words that fixed its unit, metric and period.
    pub evidence: Vec<Evidence>,
}

/// The topics Briefing assigns, in the order of the eval format.
pub const TOPICS: [&str; 27] = [
    "political_dialogue",
    "trade",
    "investment",
    "energy",
    "oil_gas",
    "nuclear",
    "transport_logistics",
    "agriculture",
    "defense",
    "security",
    "finance_banking",
    "taxation",
    "industry",
    "mining",
    "digital_technology",
    "science_education",
    "culture_humanitarian",
    "tourism",
    "health",
    "environment_climate",
    "water",
    "consular_migration",
    "parliamentary",
    "regional_issues",
    "multilateral",
    "human_rights",
    "legal_framework",
];

/// A subject the document is about, from [`TOPICS`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Topic {
    /// One of [`TOPICS`].
    pub name: String,
    /// Sum of the weights of the cue words found.
    pub score: f32,
    /// The cue words.
    pub evidence: Vec<Evidence>,
}

/// Everything the extraction core read from one document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Extraction {
    /// The publication date used to resolve relative dates, if any was known.
    pub published: Option<PartialDate>,
    /// Named persons.
    pub persons: Vec<Person>,
    /// Named organizations.
    pub organizations: Vec<Organization>,
    /// Sovereign states mentioned.
    pub countries: Vec<Country>,
    /// Cities and sub-national places.
    pub places: Vec<Place>,
    /// Diplomatic events.
    pub events: Vec<Event>,
    /// Direct quotations.
    pub quotes: Vec<Quote>,
    /// Figures.
    pub figures: Vec<Figure>,
    /// Topics.
    pub topics: Vec<Topic>,
    /// Things the reader noticed but could not use (a cut-off sentence, an
    /// unclosed quotation), for an analyst who wants to know why.
    pub diagnostics: Vec<String>,
}

impl Extraction {
    /// Returns the number of facts of every kind together.
    pub fn fact_count(&self) -> usize {
        self.persons.len()
            + self.organizations.len()
            + self.countries.len()
            + self.places.len()
            + self.events.len()
            + self.quotes.len()
            + self.figures.len()
            + self.topics.len()
    }
}
