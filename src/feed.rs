//! The live feed of facts: every document committed from now on, fanned out
//! to `WatchFacts` subscribers. Bounded and lossy for laggards: ingest never
//! waits for a slow subscriber; the subscriber is told how much it missed.

use std::sync::Arc;

use tokio::sync::broadcast;

use crate::domain::{EventKind, Extraction};
use crate::store::name_key;

/// How many documents a subscriber may fall behind before it misses some.
const CAPACITY: usize = 256;

/// The facts of one newly committed document.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFacts {
    /// The document's id.
    pub document_id: String,
    /// Its facts, as the store received them.
    pub facts: Arc<Extraction>,
}

/// The sending side, shared by everything that commits documents.
#[derive(Debug, Clone)]
pub struct Feed {
    tx: broadcast::Sender<Arc<StoredFacts>>,
}

impl Default for Feed {
    fn default() -> Self {
        Self::new()
    }
}

impl Feed {
    /// Returns a feed with no subscribers.
    pub fn new() -> Self {
        Self { tx: broadcast::channel(CAPACITY).0 }
    }

    /// Hands the facts of a committed document to every current subscriber.
    pub fn publish(&self, facts: StoredFacts) {
        // No subscribers is not an error: nobody is watching.
        let _ = self.tx.send(Arc::new(facts));
    }

    /// Returns a subscription to documents published from now on.
    pub fn subscribe(&self, filter: WatchFilter) -> Subscription {
        Subscription { rx: self.tx.subscribe(), filter }
    }
}

/// Which documents a subscriber wants; unset fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchFilter {
    /// An upper-case ISO alpha-2 code the document mentions or a person serves.
    pub country: Option<String>,
    /// A person's name key (name or alias).
    pub person: Option<String>,
    /// A kind of event the document reports.
    pub event_kind: Option<EventKind>,
}

impl WatchFilter {
    /// Returns true when the facts satisfy every set filter.
    pub fn matches(&self, x: &Extraction) -> bool {
        let country = self.country.as_deref().is_none_or(|c| {
            x.countries.iter().any(|k| k.code.eq_ignore_ascii_case(c))
                || x.persons.iter().any(|p| p.country.as_deref().is_some_and(|pc| pc.eq_ignore_ascii_case(c)))
        });
        let person = self.person.as_deref().is_none_or(|key| {
            x.persons.iter().any(|p| name_key(&p.name) == key || p.aliases.iter().any(|a| name_key(a) == key))
        });
        let kind = self.event_kind.is_none_or(|k| x.events.iter().any(|e| e.kind == k));
        country && person && kind
    }
}

/// What a subscriber receives next.
#[derive(Debug, Clone)]
pub enum FeedItem {
    /// The facts of a document that matches the filter.
    Facts(Arc<StoredFacts>),
    /// The subscriber fell behind and missed this many documents.
    Lagged(u64),
}

/// One subscriber's view of the feed.
#[derive(Debug)]
pub struct Subscription {
    rx: broadcast::Receiver<Arc<StoredFacts>>,
    filter: WatchFilter,
}

impl Subscription {
    /// Returns the next matching item, or `None` once the feed is closed.
    pub async fn next(&mut self) -> Option<FeedItem> {
        loop {
            match self.rx.recv().await {
                Ok(f) if self.filter.matches(&f.facts) => return Some(FeedItem::Facts(f)),
                Ok(_) => continue,
                Err(broadcast::error::RecvError::Lagged(n)) => return Some(FeedItem::Lagged(n)),
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Country, Person};

    fn facts() -> Extraction {
        Extraction {
            persons: vec![Person {
                name: "Roman Vassilenko".into(),
                aliases: vec!["Vassilenko".into()],
                titles: vec![],
                organization: None,
                country: Some("KZ".into()),
                evidence: vec![],
            }],
            countries: vec![Country { code: "RO".into(), name: "Romania".into(), evidence: vec![] }],
            ..Extraction::default()
        }
    }

    #[test]
    fn filters_match_countries_persons_and_aliases() {
        let x = facts();
        assert!(WatchFilter::default().matches(&x));
        assert!(WatchFilter { country: Some("KZ".into()), ..Default::default() }.matches(&x));
        assert!(WatchFilter { country: Some("RO".into()), ..Default::default() }.matches(&x));
        assert!(!WatchFilter { country: Some("FR".into()), ..Default::default() }.matches(&x));
        assert!(WatchFilter { person: Some("vassilenko".into()), ..Default::default() }.matches(&x));
        assert!(!WatchFilter { event_kind: Some(EventKind::Call), ..Default::default() }.matches(&x));
    }

    #[tokio::test]
    async fn a_slow_subscriber_is_told_it_lagged() {
        let feed = Feed::new();
        let mut sub = feed.subscribe(WatchFilter::default());
        for i in 0..CAPACITY + 5 {
            feed.publish(StoredFacts { document_id: i.to_string(), facts: Arc::default() });
        }
        assert!(matches!(sub.next().await, Some(FeedItem::Lagged(5))));
        assert!(matches!(sub.next().await, Some(FeedItem::Facts(_))));
    }
}
