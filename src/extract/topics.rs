//! Topics from weighted cue words counted over the whole text; a topic needs
//! more than one passing word to count.

use super::Ctx;
use super::lexicon::Cue;
use crate::domain::{TOPICS, Topic};

/// The score a topic needs: two ordinary cues, or one strong one.
const THRESHOLD: f32 = 2.0;

/// Extracts the topics of the document, strongest first.
pub fn extract(cx: &Ctx<'_>) -> Vec<Topic> {
    let hits = cx.lex.topic_cues_in(cx.text.src, &cx.text.paragraphs);
    let mut scores = [0f32; TOPICS.len()];
    let mut evidence: Vec<Vec<_>> = vec![Vec::new(); TOPICS.len()];
    for h in &hits {
        if let Cue::Topic(i, w) = h.what {
            scores[i] += w;
            if evidence[i].len() < 8 {
                evidence[i].push(cx.evidence(h.start, h.end, "topic.cue"));
            }
        }
    }
    let mut out: Vec<Topic> = (0..TOPICS.len())
        .filter(|&i| scores[i] >= THRESHOLD)
        .map(|i| Topic { name: TOPICS[i].to_owned(), score: scores[i], evidence: std::mem::take(&mut evidence[i]) })
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    out
}
