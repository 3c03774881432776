//! The extraction core is total: whatever text arrives, it returns without
//! panicking, and every span it reports lies inside the text, on character
//! boundaries, with a sentence index the text has. Each case here is odd
//! input of one kind (empty, huge, binary, unbalanced, every script); the
//! tests assert behaviour, never timing.

use briefing::domain::{Evidence, Extraction, PartialDate};
use briefing::extract::{Extractor, Input};

/// Runs the core on `text` (and once more as the headline) and checks the
/// span invariants of everything it returns.
fn check(text: &str) -> Extraction {
    let ex = Extractor::new();
    let published = "2025-03-19".parse::<PartialDate>().ok();
    // The headline: the whole text when short, else its first line.
    let title = if text.len() <= 10_000 { text } else { text.lines().next().unwrap_or("") };
    let x = ex.extract(&Input { text, published, title: Some(title) });
    assert_sane(text, &x);
    let y = ex.extract(&Input { text, published: None, title: None });
    assert_sane(text, &y);
    x
}

/// Returns an upper bound on the sentence count: at least one sentence per
/// non-blank line is impossible to exceed by more than the token count.
fn max_sentences(text: &str) -> usize {
    text.split_whitespace().count() + text.chars().filter(|c| !c.is_alphanumeric() && !c.is_whitespace()).count() + 1
}

fn assert_evidence(text: &str, max_sent: usize, what: &str, ev: &[Evidence]) {
    for e in ev {
        assert!((e.sentence as usize) < max_sent, "{what}: sentence {} out of range", e.sentence);
        assert!(!e.rule.is_empty(), "{what}: evidence without a rule");
        for s in &e.spans {
            let r = s.range();
            assert!(r.start <= r.end, "{what}: reversed span {r:?}");
            assert!(r.end <= text.len(), "{what}: span {r:?} past the end ({})", text.len());
            assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end), "{what}: span {r:?} not on char boundaries");
        }
    }
}

fn assert_sane(text: &str, x: &Extraction) {
    let max_sent = max_sentences(text);
    for p in &x.persons {
        assert!(!p.name.trim().is_empty(), "empty person name");
        assert_evidence(text, max_sent, "person", &p.evidence);
    }
    for o in &x.organizations {
        assert_evidence(text, max_sent, "organization", &o.evidence);
    }
    for c in &x.countries {
        assert!(!c.code.is_empty());
        assert_evidence(text, max_sent, "country", &c.evidence);
    }
    for p in &x.places {
        assert_evidence(text, max_sent, "place", &p.evidence);
    }
    for e in &x.events {
        assert_evidence(text, max_sent, "event", &e.evidence);
    }
    for q in &x.quotes {
        assert_evidence(text, max_sent, "quote", &q.evidence);
    }
    for f in &x.figures {
        assert!(!f.value.is_nan(), "figure value is NaN");
        assert_evidence(text, max_sent, "figure", &f.evidence);
    }
    for t in &x.topics {
        assert!(t.score.is_finite());
        assert_evidence(text, max_sent, "topic", &t.evidence);
    }
}

/// A small deterministic generator, so the tests need no crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

const SAMPLE: &str = "Deputy Foreign Minister Roman Vassilenko met Romanian State Secretary Ana Tinca in Astana on 12 March 2025. “We agreed to expand trade,” Vassilenko said. Trade turnover reached $2.92 billion in 2024, up 15% from 2023.";

#[test]
fn empty_and_blank_texts() {
    for text in ["", " ", "\n", "\n\n\n", "\t \r\n \u{a0}\u{2003}\u{3000}", "\r\r\r"] {
        let x = check(text);
        assert!(x.persons.is_empty() && x.quotes.is_empty() && x.events.is_empty());
    }
}

#[test]
fn one_megabyte_single_line() {
    let line = SAMPLE.replace('\n', " ").repeat((1 << 20) / SAMPLE.len() + 1);
    let x = check(&line);
    assert!(!x.persons.is_empty());
    let words = "word ".repeat(200_000);
    check(&words);
}

#[test]
fn quotation_marks_of_every_style() {
    for mark in ["“", "”", "«", "»", "\"", "'", "„", "‘", "’", "‹", "›", "「", "」"] {
        check(&mark.repeat(100_000));
        check(&format!("{mark} ").repeat(10_000));
        check(&format!("{mark}a{mark} said Minister John Smith. ").repeat(500));
    }
    let mixed: String = ["“", "”", "«", "»", "\"", "'", "„"].iter().cycle().take(100_000).copied().collect();
    check(&mixed);
}

#[test]
fn every_script_mixed() {
    let scripts = "Latin Ελληνικά Кириллица Қазақша Հայերեն עברית العربية हिन्दी বাংলা ਪੰਜਾਬੀ ગુજરાતી தமிழ் తెలుగు ಕನ್ನಡ മലയാളം ไทย ລາວ ქართული 한국어 日本語 中文 ᠮᠣᠩᠭᠣᠯ ትግርኛ ᏣᎳᎩ ᚠᚢᚦ 𐌰𐌱 😀👍🏽👨‍👩‍👧 ﷽ Ǆǅǆ ß ﬁ İı";
    let x = check(scripts);
    assert!(x.persons.is_empty());
    check(&format!("{scripts}. {SAMPLE} {scripts}"));
    // Combining marks and title-case letters at token edges.
    check("A\u{301}\u{302}\u{303}. Ǆ. ǅa. \u{301}\u{301}. ꙮ. İstanbul İİ.");
}

#[test]
fn random_bytes_decoded_lossily() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for len in [1, 7, 100, 1_000, 10_000, 50_000] {
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        check(&String::from_utf8_lossy(&bytes));
        // Mostly ASCII punctuation and letters: more tokens, more rules fire.
        let alphabet: Vec<char> = " .,;:\"'()[]-–“”«»AaBbMmSs0123456789\n".chars().collect();
        let mixed: String = (0..len).map(|_| alphabet[(rng.next() % alphabet.len() as u64) as usize]).collect();
        check(&mixed);
    }
}

#[test]
fn nul_and_control_characters() {
    let controls: String = (0u8..32).map(char::from).chain(['\u{7f}', '\u{85}', '\u{200b}', '\u{200e}', '\u{feff}', '\u{2028}', '\u{2029}']).collect();
    check(&controls);
    check(&controls.repeat(1000));
    check(&format!("Minister\0John\0Smith\0said\0“\0hello\0world\0”.{controls}{SAMPLE}"));
}

#[test]
fn unbalanced_brackets_and_quotes() {
    for text in ["((((((((", "))))))))", "[[[[]]]]]]]", "(“a” said (", "“unclosed quote that runs on", "» « » «", "„a„b„c", "Mr. (John) Smith) said: “(", "U.S.)", "( . ) . ( . )"] {
        check(text);
        check(&text.repeat(2_000));
    }
}

#[test]
fn ten_thousand_paragraphs() {
    let paragraphs = format!("{SAMPLE}\n\n").repeat(10_000);
    let x = check(&paragraphs);
    assert!(!x.persons.is_empty());
    check(&"x\n".repeat(10_000));
    check(&"“\n".repeat(10_000));
    check(&"Q: A:\n".repeat(10_000));
    check(&"SECRETARY BLINKEN: Thank you.\n".repeat(10_000));
}

#[test]
fn very_long_words() {
    check(&"a".repeat(1 << 20));
    check(&"A".repeat(100_000));
    check(&format!("Minister {} said", "Z".repeat(100_000)));
    check(&"Ab-".repeat(50_000));
    check(&"U.".repeat(50_000));
    check(&"9.".repeat(50_000));
    check(&"1,".repeat(50_000));
    check(&"é".repeat(100_000));
}

#[test]
fn huge_and_odd_numbers() {
    for text in [
        "Trade reached 1e308 dollars.",
        "Trade reached $99999999999999999999 billion.",
        "Exports of 1.7976931348623157e308 trillion tonnes.",
        "It grew 99999999999999999999999999999999999999999999% in 2024.",
        "The 99999999999th round of consultations. No. 99999999999999999999 partner.",
        "On 99 March 99999 and 31.02.2025 and 2025-13-45 and 00.00.0000.",
        "Signed on 4294967296 March 2025; 18446744073709551616th largest partner.",
        "0.000000000000000000001 billion, -5 million, 1,2,3,4,5,6 companies.",
        "ranks 1st, 2nd, 3rd, 0th and 4294967297th largest trading partner",
        "Since 1900 - 2100 from 2000 to Q9 3000 and 2024-2025.",
    ] {
        let x = check(text);
        for f in &x.figures {
            assert!(!f.value.is_nan());
        }
    }
}

#[test]
fn dates_at_the_edges_of_the_calendar() {
    let ex = Extractor::new();
    for published in ["1900-01-01", "2100-12-31", "0001-01-01", "9999-12-31", "2024-02-29"] {
        let published = published.parse::<PartialDate>().ok();
        for text in ["Talks were held yesterday, tomorrow and today.", "They met last year, next month and next week on Monday.", "In January last year and December this year.", "on 31 February and 29 February"] {
            let x = ex.extract(&Input { text, published, title: None });
            assert_sane(text, &x);
        }
    }
}

#[test]
fn headers_and_clutter_only() {
    check("# date: 2025-03-19\n# title: x\n");
    check("# date: not a date\n# date: 99999-99-99\n");
    check("date 2025-03-19\nShare\nPrint\nTell a friend\n");
    check(&"# a: b\n".repeat(10_000));
}

#[test]
fn org_head_words_start_with_an_ascii_capital() {
    // `entities::is_org_head` turns tokens away on their first byte.
    for w in briefing::extract::lexicon::ORG_HEAD_WORDS {
        assert!(w.as_bytes()[0].is_ascii_uppercase(), "{w}");
    }
}

#[test]
fn run_on_sentences_are_cut() {
    let text = "word ".repeat(5_000);
    let x = check(&format!("{text} Minister John Smith said “we agree on all of it”."));
    for q in &x.quotes {
        assert!((q.evidence[0].sentence as usize) >= 5_000 / 512);
    }
}

#[test]
fn pathological_repetition() {
    // Many names, titles and mentions in one sentence: the rules that look
    // around each mention must not blow up.
    check(&"Minister John Smith, ".repeat(2_000));
    check(&"Ministry of Foreign Affairs of ".repeat(2_000));
    check(&"met with President ".repeat(2_000));
    check(&"1 2 3 4 5 companies ".repeat(2_000));
    check(&"$2 billion in 2024 trade turnover ".repeat(2_000));
    check(&"Kazakhstan Romania ".repeat(2_000));
    check(&"“a b c” said Smith. ".repeat(2_000));
}
