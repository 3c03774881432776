//! Arbitrary bytes as an `IngestDocumentRequest` protobuf, through the path
//! the server applies to every ingest request before extraction: prost
//! decoding (which checks UTF-8), the wire-to-draft conversion and the
//! validation. Nothing may panic; a document that passes must keep the
//! promises of the proto (id, text and language within their rules), its
//! date must print back to itself, and every refusal must be a client error
//! with a message.

#![no_main]

use briefing::domain::PartialDate;
use briefing::error::ErrorCode;
use briefing::ingest::{Limits, MAX_ID_BYTES};
use briefing::pb::IngestDocumentRequest;
use briefing::service::document_draft;
use libfuzzer_sys::fuzz_target;
use prost::Message as _;

/// Small, so inputs of a few KB reach the size check too.
const LIMITS: Limits = Limits { max_text_bytes: 4096 };

fuzz_target!(|data: &[u8]| {
    let Ok(request) = IngestDocumentRequest::decode(data) else { return };
    // What decodes must encode and decode to the same message.
    let again = IngestDocumentRequest::decode(request.encode_to_vec().as_slice()).expect("re-encoded request decodes");
    assert_eq!(again, request);

    let draft = match document_draft(request.document) {
        Ok(draft) => draft,
        Err(e) => return refused(&e),
    };
    let doc = match LIMITS.validate(draft) {
        Ok(doc) => doc,
        Err(e) => return refused(&e),
    };
    assert!(!doc.id.trim().is_empty() && doc.id.len() <= MAX_ID_BYTES, "accepted id {:?}", doc.id);
    assert!(!doc.id.chars().any(char::is_control), "accepted id with control characters {:?}", doc.id);
    assert!(!doc.text.trim().is_empty() && doc.text.len() <= LIMITS.max_text_bytes, "accepted text of {} bytes", doc.text.len());
    assert!(
        !doc.text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')),
        "accepted text with control characters"
    );
    if let Some(tag) = &doc.language {
        assert!(tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'), "accepted language {tag:?}");
    }
    if let Some(date) = doc.published {
        let printed = date.to_string();
        assert_eq!(printed.parse::<PartialDate>().ok(), Some(date), "date {printed:?} does not read back");
    }
});

/// Checks that a refusal is the client's fault and says why.
fn refused(e: &briefing::ingest::IngestError) {
    assert_eq!(e.code(), ErrorCode::InvalidArgument, "{e}");
    assert!(!e.to_string().is_empty());
}
