//! Diplomatic events as frames: a trigger word (consultations, met, visit,
//! telephone conversation, signed, summit) opens a frame whose slots are
//! filled from its part of the sentence: participants, date, place and round.
//! Frames that refer back to the same event are merged.

use super::Ctx;
use super::dates::{self, DateMention};
use super::lexicon::{Cue, Entry, Hit};
use super::persons::Persons;
use super::text::TokKind;
use crate::domain::{Event, EventKind, Evidence, PartialDate};

/// An event frame before merging.
#[derive(Debug, Clone)]
struct Frame {
    kind: EventKind,
    participants: Vec<usize>,
    date: Option<PartialDate>,
    explicit_date: bool,
    place: Option<String>,
    ordinal: Option<u32>,
    evidence: Evidence,
    sent: usize,
    /// "the meeting", "these talks": a reference to an event already told.
    anaphoric: bool,
}

/// Phrases before a trigger that make it the setting, not an event.
const SETTING: &[&str] = &["margins", "sidelines", "framework", "format", "results", "outcomes", "preparations", "preparation", "agenda"];

/// Extracts the events of the document.
pub fn extract(cx: &Ctx<'_>, persons: &Persons, title: Option<&Ctx<'_>>) -> Vec<Event> {
    let dates = dates::find(cx);
    let mut frames = Vec::new();
    for s in 0..cx.text.sentences.len() {
        let mut found = frames_in(cx, persons, &dates, s);
        // "Consultations were held today. The Kazakh side was represented by
        // X, the Romanian side by Y": the participants follow.
        if let [f] = found.as_mut_slice() {
            if f.participants.is_empty() {
                f.participants = next_sentence_people(cx, persons, s);
            }
        }
        frames.extend(found);
    }
    let mut frames = merge(cx, frames);
    if let Some(title) = title {
        headline_event(cx, title, persons, &mut frames);
    }
    // The headline may have joined two frames' people: merge once more.
    let mut merged: Vec<Frame> = Vec::with_capacity(frames.len());
    for f in frames {
        match merged.iter_mut().find(|p| !p.participants.is_empty() && p.kind == f.kind && same_event(p, &f)) {
            Some(prev) => absorb(prev, f),
            None => merged.push(f),
        }
    }
    let frames = merged;
    frames
        .into_iter()
        .map(|f| Event {
            kind: f.kind,
            date: f.date,
            place: f.place,
            participants: f.participants.iter().map(|&p| persons.people[p].name.clone()).collect(),
            ordinal: f.ordinal,
            countries: Vec::new(),
            evidence: vec![f.evidence],
        })
        .collect()
}

fn triggers_in(cx: &Ctx<'_>, s: usize) -> Vec<(usize, EventKind)> {
    let t = &cx.text;
    let toks = t.sentences[s].tokens.clone();
    let mut out: Vec<(usize, EventKind)> = Vec::new();
    let mut last_hit = None;
    for k in toks {
        let w = t.tok_str(k);
        // "spoke today with", "talked by phone with": a call.
        if matches!(w, "spoke" | "speaks" | "talked" | "talks") && (k + 1..(k + 4).min(t.tokens.len())).any(|j| t.tok_str(j) == "with") && cx.cue_at(k).is_none() {
            out.push((k, EventKind::Call));
            continue;
        }
        let Some(h) = cx.cue_at(k) else { continue };
        let Cue::Event(mut kind) = h.what else { continue };
        if last_hit == Some(h.start) {
            continue;
        }
        last_hit = Some(h.start);
        if is_setting(cx, k) || !is_trigger(cx, k, &mut kind) {
            continue;
        }
        // "hosted the 14th round of consultations", "held talks": one event,
        // of the more specific kind.
        if let Some(&(pk, pkind)) = out.last() {
            if k - pk <= 6 && !(pk + 1..k).any(|j| BREAKS.contains(&t.tok_str(j))) && !(pk..k).any(|j| cx.name_at(j).is_some_and(|h| matches!(h.what, Entry::Title))) {
                // The head noun decides: "the 18th meeting of the Commission".
                let head_first = t.tokens.get(pk + 1).is_some_and(|_| t.tok_str(pk + 1) == "of") || cx.cue_at(pk).is_some_and(|h| t.tokens.get(t.token_from(h.end)).is_some_and(|_| t.tok_str(t.token_from(h.end)) == "of"));
                if !head_first && priority(kind) <= priority(pkind) {
                    out.pop();
                    out.push((k, kind));
                }
                continue;
            }
        }
        out.push((k, kind));
    }
    out
}

/// Words between two triggers that make them two events.
const BREAKS: &[&str] = &["during", "within", "sidelines", "margins", "ahead", "following", "after", "before", "and", ",", "while", "following", "prior"];

/// Lower is more specific.
fn priority(kind: EventKind) -> u8 {
    match kind {
        EventKind::Consultations => 0,
        EventKind::Call => 1,
        EventKind::Signing => 2,
        EventKind::Visit => 3,
        EventKind::Multilateral => 4,
        EventKind::Meeting => 5,
        EventKind::Other => 6,
    }
}

/// Filters trigger words used in another sense: "called for", "dialogue"
/// in lower case, "the format", plural "visits" in "exchange of visits".
fn is_trigger(cx: &Ctx<'_>, k: usize, kind: &mut EventKind) -> bool {
    let t = &cx.text;
    let w = t.tok_str(k);
    let next = t.tokens.get(k + 1).map(|_| t.tok_str(k + 1).to_lowercase()).unwrap_or_default();
    let prev = if k > 0 { t.tok_str(k - 1).to_lowercase() } else { String::new() };
    match w.to_lowercase().as_str() {
        "called" | "calls" if next == "on" => {
            *kind = EventKind::Meeting;
            true
        }
        "called" | "call" | "calls" => !matches!(next.as_str(), "for" | "on" | "upon" | "it" | "them" | "this" | "a" | "an" | "the" | "to") && prev != "so" && !matches!(prev.as_str(), "a" | "the" | "his" | "her" | "their" | "our" | "this") || matches!(next.as_str(), "with"),
        "dialogue" | "strategic" => {
            if t.tokens[k].kind != TokKind::Cap {
                return false;
            }
            *kind = EventKind::Consultations;
            true
        }
        "format" | "expo" | "exhibition" => false,
        "visits" | "meetings" | "contacts" | "summits" | "forums" | "sessions" | "conferences" => matches!(prev.as_str(), "the" | "two" | "three" | "several") && !matches!(next.as_str(), "of" | "at" | "between"),
        _ => true,
    }
}

fn is_setting(cx: &Ctx<'_>, k: usize) -> bool {
    let t = &cx.text;
    let lo = k.saturating_sub(4).max(t.sentences[t.tokens[k].sent].tokens.start);
    (lo..k).any(|j| SETTING.contains(&t.tok_str(j)))
}

fn frames_in(cx: &Ctx<'_>, persons: &Persons, dates: &[DateMention], s: usize) -> Vec<Frame> {
    let t = &cx.text;
    let sent = &t.sentences[s];
    let triggers = triggers_in(cx, s);
    let mut out = Vec::new();
    for (n, &(k, kind)) in triggers.iter().enumerate() {
        let lo = if n == 0 { sent.range.start } else { t.tokens[triggers[n - 1].0].end };
        let hi = triggers.get(n + 1).map_or(sent.range.end, |&(j, _)| t.tokens[j].start);
        // Two triggers of one kind in a row ("held talks … the talks") are one frame.
        if n > 0 && triggers[n - 1].1 == kind {
            if let Some(last) = out.last_mut() {
                let last: &mut Frame = last;
                last.ordinal = last.ordinal.or_else(|| ordinal_before(cx, k));
            }
            continue;
        }
        let mut participants: Vec<usize> = Vec::new();
        // "X said that the summit …": the speaker reports, not takes part.
        let trigger_at = t.tokens[k].start;
        let reported = |m: &super::persons::Mention| {
            m.end <= trigger_at && (t.token_from(m.end)..k).any(|j| cx.cue_at(j).is_some_and(|h| h.what == Cue::Say))
        };
        for m in persons.within(lo, hi).filter(|m| !reported(m)) {
            if !participants.contains(&m.person) {
                participants.push(m.person);
            }
        }
        // The first date after the trigger ("held in Astana in September"),
        // else the nearest before it.
        let here = t.tokens[k].start;
        let in_window = || dates.iter().filter(|d| d.sent == s && d.start >= lo && d.end <= hi);
        if participants.is_empty() {
            participants.extend(described_person(cx, persons, lo, hi));
        }
        let date_m = in_window().find(|d| d.start > here).or_else(|| in_window().rev().find(|d| d.start < here));
        let place = place_in(cx, lo, hi);
        // "the first official visit" counts visits, not rounds.
        let ordinal = ordinal_before(cx, k).filter(|_| !matches!(kind, EventKind::Visit | EventKind::Call | EventKind::Signing));
        let trigger = t.tokens[k];
        let determiner = if k > 0 { t.tok_str(k - 1).to_lowercase() } else { String::new() };
        let after = t.tokens.get(k + 1).map(|_| t.tok_str(k + 1)).unwrap_or("");
        let anaphoric = matches!(determiner.as_str(), "the" | "this" | "these" | "that") && !matches!(after, "with" | "of" | "between") && date_m.is_none() && ordinal.is_none();
        out.push(Frame {
            anaphoric,
            kind,
            participants,
            date: date_m.map(|d| d.date),
            explicit_date: date_m.is_some(),
            place,
            ordinal,
            evidence: cx.evidence(trigger.start, cx.cue_at(k).map_or(trigger.end, |h| h.end), "event.trigger"),
            sent: s,
        });
    }
    out
}

/// The headline names the main event ("Secretary Blinken’s Call with
/// Foreign Minister Cassis"): its kind wins over a generic meeting of the
/// same people, and it is added when the text reports it only in passing.
fn headline_event(cx: &Ctx<'_>, title: &Ctx<'_>, persons: &Persons, frames: &mut Vec<Frame>) {
    let t = &title.text;
    let Some(&(_, kind)) = (0..t.sentences.len()).flat_map(|s| triggers_in(title, s)).collect::<Vec<_>>().first() else { return };
    let mut participants: Vec<usize> = Vec::new();
    for i in 0..t.tokens.len() {
        if t.tokens[i].kind != TokKind::Cap || title.name_at(i).is_some() {
            continue;
        }
        if let Some(p) = persons.by_word(&super::persons::fold(t.tok_str(i))) {
            if (persons.people[p].words.len() > 1 || t.tok_str(i).len() > 3) && !participants.contains(&p) {
                participants.push(p);
            }
        }
    }
    if participants.is_empty() {
        return;
    }
    let shared = |f: &Frame| f.participants.iter().any(|p| participants.contains(p));
    if let Some(f) = frames.iter_mut().find(|f| shared(f) && (f.kind == kind || kind != EventKind::Visit)) {
        // A call or consultations named in the headline is the whole
        // exchange; a visit contains meetings of its own.
        if f.kind == EventKind::Meeting && matches!(kind, EventKind::Call | EventKind::Consultations) {
            f.kind = kind;
        }
        for p in participants {
            if !f.participants.contains(&p) && matches!(f.kind, EventKind::Meeting | EventKind::Call | EventKind::Consultations) {
                f.participants.push(p);
            }
        }
        return;
    }
    frames.insert(0, Frame {
        kind,
        participants,
        date: cx.published,
        explicit_date: false,
        place: None,
        ordinal: None,
        evidence: Evidence { spans: Vec::new(), sentence: 0, rule: "event.headline".into() },
        sent: 0,
        anaphoric: false,
    });
}

/// The persons of the next sentence in the same paragraph when it has no
/// event trigger of its own.
fn next_sentence_people(cx: &Ctx<'_>, persons: &Persons, s: usize) -> Vec<usize> {
    let t = &cx.text;
    let Some(next) = t.sentences.get(s + 1) else { return Vec::new() };
    // The next sentence of the paragraph, or the first of the next one (news
    // pages put every sentence in a paragraph of its own).
    let last_of_para = t.sentences[s].para + 1 == next.para;
    if !(next.para == t.sentences[s].para || last_of_para) || !triggers_in(cx, s + 1).is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for m in persons.within(next.range.start, next.range.end) {
        if !out.contains(&m.person) {
            out.push(m.person);
        }
    }
    out
}

/// The place of a frame: a city after "in", "to" or "at", else any city.
fn place_in(cx: &Ctx<'_>, lo: usize, hi: usize) -> Option<String> {
    let t = &cx.text;
    let hits: Vec<&Hit<Entry>> = cx.names_within(lo, hi).filter(|h| matches!(h.what, Entry::Place(_))).collect();
    let after_prep = hits.iter().find(|h| {
        let k = t.token_from(h.start);
        k > 0 && matches!(t.tok_str(k - 1), "in" | "to" | "at" | "In")
    });
    after_prep.or(hits.first()).map(|h| t.src[h.start..h.end].to_owned())
}

/// "8th round of consultations", "the sixth round", "the 18th meeting of".
fn ordinal_before(cx: &Ctx<'_>, k: usize) -> Option<u32> {
    let t = &cx.text;
    let lo = k.saturating_sub(5).max(t.sentences[t.tokens[k].sent].tokens.start);
    for j in (lo..k).rev() {
        let w = t.tok_str(j);
        if t.tokens[j].kind == TokKind::Num {
            let digits: String = w.chars().take_while(char::is_ascii_digit).collect();
            let suffix = &w[digits.len()..];
            if matches!(suffix, "st" | "nd" | "rd" | "th") {
                return digits.parse().ok().filter(|&n: &u32| n < 1000);
            }
        }
        if let Some(Cue::Ordinal(n)) = cx.cue_at(j).map(|h| h.what) {
            return Some(n);
        }
    }
    None
}

/// Merges frames that refer to the same event and fills default slots from
/// the main event (the first with participants).
fn merge(cx: &Ctx<'_>, frames: Vec<Frame>) -> Vec<Frame> {
    let main_idx = frames.iter().position(|f| !f.participants.is_empty()).or(if frames.is_empty() { None } else { Some(0) });
    let main_date = main_idx.and_then(|i| frames[i].date).or(cx.published);
    let main_place = main_idx.and_then(|i| frames[i].place.clone());
    let main_actor = main_idx.and_then(|i| frames[i].participants.first().copied());
    let main_people: Vec<usize> = main_idx.map(|i| frames[i].participants.clone()).unwrap_or_default();
    let mut out: Vec<Frame> = Vec::new();
    for (i, mut f) in frames.into_iter().enumerate() {
        let same_period = f.date.is_none() || f.date.zip(main_date).is_some_and(|(a, b)| a.year == b.year && a.month == b.month);
        if f.participants.is_empty() && same_period && refers_to_parties(cx, f.sent) && main_idx.is_some_and(|m| m < i) {
            f.participants.clone_from(&main_people);
        }
        // "Tbilisi hosted the meeting. The meeting was chaired by X": one event.
        if !f.participants.is_empty() {
            if let Some(prev) = out.last_mut().filter(|p| p.participants.is_empty() && p.kind == f.kind && p.sent + 1 == f.sent) {
                absorb(prev, f);
                continue;
            }
        }
        if f.participants.is_empty() && !f.explicit_date && f.ordinal.is_none() {
            // A frame that only refers back ("the talks confirmed …").
            continue;
        }
        if f.participants.is_empty() && f.explicit_date && f.date == main_date && f.ordinal.is_none() && main_idx.is_some_and(|m| m != i) {
            continue;
        }
        if f.date.is_none() {
            f.date = main_date;
            if f.place.is_none() && f.kind != EventKind::Call {
                f.place.clone_from(&main_place);
            }
        }
        if f.participants.len() == 1 && matches!(f.kind, EventKind::Meeting | EventKind::Call) {
            if let Some(a) = main_actor.filter(|a| *a != f.participants[0]) {
                f.participants.insert(0, a);
            }
        }
        if let Some(prev) = out.iter_mut().find(|p| same_event(p, &f)) {
            absorb(prev, f);
            continue;
        }
        // "… joined the group for part of the meeting": the event told before.
        if f.anaphoric {
            if let Some(prev) = out.iter_mut().rev().find(|p| p.kind == f.kind && !p.participants.is_empty()) {
                absorb(prev, f);
                continue;
            }
        }
        out.push(f);
    }
    out
}

/// "The two presidents", "the sides", "the leaders": the parties of the
/// main event, named by description.
fn refers_to_parties(cx: &Ctx<'_>, s: usize) -> bool {
    let t = &cx.text;
    t.sentences[s].tokens.clone().any(|k| {
        let w = t.tok_str(k).to_lowercase();
        let prev = if k > 0 { t.tok_str(k - 1).to_lowercase() } else { String::new() };
        let next = t.tokens.get(k + 1).map(|_| t.tok_str(k + 1)).unwrap_or("");
        let plural_role = matches!(w.as_str(), "presidents" | "leaders" | "ministers" | "delegations" | "heads") && matches!(prev.as_str(), "two" | "both" | "three" | "the") && next != "of";
        let parties = matches!(w.as_str(), "sides" | "parties" | "interlocutors" | "counterparts") && next != "of";
        plural_role || parties
    })
}

/// "the deputy minister took part in the signing": the person a
/// definite role description names, the most recent one with that title.
fn described_person(cx: &Ctx<'_>, persons: &Persons, lo: usize, hi: usize) -> Option<usize> {
    let t = &cx.text;
    let first = t.token_from(lo);
    let last = t.token_from(hi);
    for k in first..last {
        if k == 0 || !t.tok_str(k - 1).eq_ignore_ascii_case("the") {
            continue;
        }
        let Some(h) = cx.name_at(k).filter(|h| matches!(h.what, Entry::Title) && h.start == t.tokens[k].start) else { continue };
        // "the Deputy Chairman noted that … the state visit": a report.
        if (k..last).any(|j| cx.cue_at(j).is_some_and(|c| c.what == Cue::Say)) {
            continue;
        }
        let role = t.src[h.start..h.end].to_lowercase();
        let found = persons.mentions.iter().rev().filter(|m| m.start < lo).find(|m| persons.people[m.person].titles.iter().any(|x| x.to_lowercase().contains(&role)));
        if let Some(m) = found {
            return Some(m.person);
        }
    }
    None
}

fn same_event(a: &Frame, b: &Frame) -> bool {
    if a.participants.is_empty() || b.participants.is_empty() {
        return a.kind == b.kind && a.date == b.date && a.ordinal == b.ordinal && a.participants.is_empty() && b.participants.is_empty();
    }
    let subset = |x: &[usize], y: &[usize]| x.iter().all(|p| y.contains(p));
    let kinds = a.kind == b.kind || (matches!(b.kind, EventKind::Meeting | EventKind::Multilateral | EventKind::Consultations) && !matches!(a.kind, EventKind::Visit | EventKind::Signing));
    let dates = a.date == b.date || !(a.date.is_some() && b.date.is_some());
    kinds && dates && (subset(&a.participants, &b.participants) || subset(&b.participants, &a.participants))
}

fn absorb(into: &mut Frame, f: Frame) {
    for p in f.participants {
        if !into.participants.contains(&p) {
            into.participants.push(p);
        }
    }
    into.ordinal = into.ordinal.or(f.ordinal);
    into.place = into.place.take().or(f.place);
    if !into.explicit_date && f.explicit_date {
        into.date = f.date;
        into.explicit_date = true;
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::Event;
    use crate::extract::read;

    fn events(text: &str) -> Vec<Event> {
        read(text, "2025-03-19").events
    }

    fn show(e: &Event) -> String {
        format!("{} {} {:?} {:?} {:?}", e.kind.as_str(), e.date.map(|d| d.to_string()).unwrap_or_default(), e.place, e.participants, e.ordinal)
    }

    #[test]
    fn consultations_with_round_place_date_and_the_sides() {
        let e = events("The 5th round of political consultations was held today in Vienna. The Austrian side was represented by Secretary General Markus Berger, the Kazakh side by Deputy Minister Aidos Serikbayev.");
        assert_eq!(e.len(), 1, "{:?}", e.iter().map(show).collect::<Vec<_>>());
        assert_eq!(show(&e[0]), r#"consultations 2025-03-19 Some("Vienna") ["Markus Berger", "Aidos Serikbayev"] Some(5)"#);
    }

    #[test]
    fn a_call_on_a_weekday() {
        let e = events("On Monday, Foreign Minister Lena Varga held a telephone conversation with her Slovak counterpart Peter Horvath.");
        assert_eq!(e[0].kind.as_str(), "call");
        assert_eq!(e[0].date.unwrap().to_string(), "2025-03-17");
        assert_eq!(e[0].participants, vec!["Lena Varga", "Peter Horvath"]);
    }

    #[test]
    fn side_meetings_are_events_of_their_own() {
        let e = events("Deputy Minister Aidos Serikbayev visited Riga. During a meeting with Speaker Inese Kalnina, the sides discussed trade. He also met with Minister of Economy Janis Ozols.");
        let kinds: Vec<String> = e.iter().map(show).collect();
        assert_eq!(e.iter().filter(|x| x.kind.as_str() == "meeting").count(), 2, "{kinds:?}");
    }

    #[test]
    fn past_events_mentioned_in_passing_keep_their_own_date() {
        let e = events("The sides recalled the state visit of the President to Baku (October 2023).");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].kind.as_str(), "visit");
        assert_eq!(e[0].date.unwrap().to_string(), "2023-10");
    }

    #[test]
    fn settings_and_discussion_words_are_not_events() {
        let e = events("Within the framework of the partnership, the parties discussed energy on the margins of regional cooperation.");
        assert!(e.is_empty(), "{:?}", e.iter().map(show).collect::<Vec<_>>());
    }

    #[test]
    fn what_a_speaker_reports_does_not_make_them_a_participant() {
        let e = events("Minister Lena Varga said that the summit will be held in Budapest in November.");
        assert_eq!(e.len(), 1);
        assert!(e[0].participants.is_empty(), "{:?}", e[0].participants);
        assert_eq!(e[0].date.unwrap().to_string(), "2025-11");
    }
}
