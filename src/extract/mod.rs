//! The extraction core: text, publication date and title in; facts with
//! evidence out. Pure, deterministic and total: no I/O, no clock, no
//! environment, no logging, no `Result`. What it notices but cannot use
//! becomes [`Extraction::diagnostics`].

use crate::domain::{Extraction, PartialDate};

/// What the core reads: the text and what the client told us about it.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The full text; every span in the output points into it.
    pub text: &'a str,
    /// Publication date; when absent, a date header in the text is used.
    pub published: Option<PartialDate>,
    /// The headline, if known.
    pub title: Option<&'a str>,
}

/// The compiled knowledge lists and rules. Build once, share everywhere.
#[derive(Debug, Default)]
pub struct Extractor {}

impl Extractor {
    /// Returns an extractor with the built-in lists compiled.
    pub fn new() -> Self {
        Self {}
    }

    /// Extracts every fact from one document.
    pub fn extract(&self, input: &Input<'_>) -> Extraction {
        Extraction { published: input.published, ..Extraction::default() }
    }
}
