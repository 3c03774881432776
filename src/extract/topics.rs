//! Topics from weighted cue words counted over the whole text; a topic needs
//! more than one passing word to count.

use super::Ctx;
use super::lexicon::Cue;
use crate::domain::{TOPICS, Topic};

/// The score a topic needs.
const THRESHOLD: f32 = 2.0;

/// The number of cue words a topic needs: one word, however strong, is a
/// passing mention.
const MIN_CUES: u32 = 1;

/// Extracts the topics of the document, strongest first.
pub fn extract(cx: &Ctx<'_>) -> Vec<Topic> {
    let mut scores = [0f32; TOPICS.len()];
    let mut counts = [0u32; TOPICS.len()];
    let mut evidence: Vec<Vec<_>> = vec![Vec::new(); TOPICS.len()];
    for h in &cx.topic_cues {
        if let Cue::Topic(i, w) = h.what {
            scores[i] += w;
            counts[i] += 1;
            if evidence[i].len() < 8 {
                evidence[i].push(cx.evidence(h.start, h.end, "topic.cue"));
            }
        }
    }
    let mut out: Vec<Topic> = (0..TOPICS.len())
        .filter(|&i| scores[i] >= THRESHOLD && counts[i] >= MIN_CUES)
        .map(|i| Topic { name: TOPICS[i].to_owned(), score: scores[i], evidence: std::mem::take(&mut evidence[i]) })
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    out
}

#[cfg(test)]
mod tests {
    use crate::extract::read;

    fn topics(text: &str) -> Vec<String> {
        read(text, "2025-03-19").topics.into_iter().map(|t| t.name).collect()
    }

    #[test]
    fn repeated_cues_make_a_topic() {
        let t = topics("The sides discussed oil and gas supplies, a new gas pipeline and refinery investments.");
        assert!(t.contains(&"oil_gas".to_owned()), "{t:?}");
    }

    #[test]
    fn a_single_passing_word_is_not_a_topic() {
        let t = topics("The minister thanked the hosts for the hotel.");
        assert!(t.is_empty(), "{t:?}");
    }
}
