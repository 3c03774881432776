//! The eval view: one JSON object per document in the format that
//! `shared/eval/FORMAT.md` defines and `score.py` reads. Evidence is left
//! out; everything else maps one to one.

use serde_json::{Value, json};

use crate::domain::Extraction;

/// Returns the eval-view object of one document's extraction.
pub fn eval_json(doc_name: &str, x: &Extraction) -> Value {
    json!({
        "doc": doc_name,
        "published": x.published.map(|d| d.to_string()),
        "persons": x.persons.iter().map(|p| json!({
            "name": p.name, "country": p.country, "titles": p.titles, "org": p.organization,
        })).collect::<Vec<_>>(),
        "organizations": x.organizations.iter().map(|o| json!({
            "name": o.name, "country": o.country,
        })).collect::<Vec<_>>(),
        "countries": x.countries.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(),
        "places": x.places.iter().map(|p| json!({"name": p.name, "country": p.country})).collect::<Vec<_>>(),
        "events": x.events.iter().map(|e| json!({
            "type": e.kind.as_str(),
            "date": e.date.map(|d| d.to_string()),
            "place": e.place,
            "participants": e.participants,
            "ordinal": e.ordinal,
        })).collect::<Vec<_>>(),
        "quotes": x.quotes.iter().map(|q| json!({"speaker": q.speaker, "text": q.text})).collect::<Vec<_>>(),
        "figures": x.figures.iter().map(|f| json!({
            "metric": f.metric, "value": f.value, "unit": f.unit, "period": f.period, "countries": f.countries,
        })).collect::<Vec<_>>(),
        "topics": x.topics.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
    })
}
