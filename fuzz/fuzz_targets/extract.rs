//! Arbitrary bytes, decoded lossily, through the whole extraction core: it
//! must not panic, and every span it reports must lie inside the text on
//! character boundaries. The first byte picks whether a publication date
//! and a headline (the text's first line) are given.

#![no_main]

use briefing::domain::{Evidence, Extraction, PartialDate};
use briefing::extract::{Extractor, Input};
use libfuzzer_sys::fuzz_target;

fn check(text: &str, ev: &[Evidence]) {
    for e in ev {
        for s in &e.spans {
            let r = s.range();
            assert!(r.start <= r.end && r.end <= text.len(), "span {r:?} outside the text ({})", text.len());
            assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end), "span {r:?} not on char boundaries");
        }
    }
}

fn check_all(text: &str, x: &Extraction) {
    x.persons.iter().for_each(|p| check(text, &p.evidence));
    x.organizations.iter().for_each(|o| check(text, &o.evidence));
    x.countries.iter().for_each(|c| check(text, &c.evidence));
    x.places.iter().for_each(|p| check(text, &p.evidence));
    x.events.iter().for_each(|e| check(text, &e.evidence));
    x.quotes.iter().for_each(|q| check(text, &q.evidence));
    x.figures.iter().for_each(|f| check(text, &f.evidence));
    x.topics.iter().for_each(|t| check(text, &t.evidence));
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    let published = (mode & 1 == 1).then(|| "2025-03-19".parse::<PartialDate>().ok()).flatten();
    let title = (mode & 2 == 2).then(|| text.lines().next().unwrap_or(""));
    let x = Extractor::new().extract(&Input { text: &text, published, title });
    check_all(&text, &x);
});
