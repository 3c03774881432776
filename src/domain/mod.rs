//! The vocabulary every layer shares: documents, the facts read from them and
//! the evidence behind each fact. Plain data with validated constructors; no
//! I/O, no wire types, no storage types.

mod date;
mod facts;

pub use date::PartialDate;
pub use facts::{
    Country, Event, EventKind, Evidence, Extraction, Figure, Organization, Person, Place, Quote,
    Span, Topic, TOPICS,
};

/// A press release as the service receives it, before extraction.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Document {
    /// Stable identity: the client's id, or a hash of the normalised text.
    pub id: String,
    /// Where the release was published, if known.
    pub url: Option<String>,
    /// Who published it (a ministry, an agency, a feed name).
    pub source: Option<String>,
    /// The headline, if known.
    pub title: Option<String>,
    /// Publication day; "today" and weekday names resolve against it.
    pub published: Option<PartialDate>,
    /// BCP 47 language tag as given by the client (e.g. `en`).
    pub language: Option<String>,
    /// The full text, exactly as received. Every span points into it.
    pub text: String,
}
