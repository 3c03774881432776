//! The ingest stream and the unary ingest, end to end.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use briefing::pb;
use briefing::pb::IngestStatus::{Created, Duplicate, Rejected};
use prost::Message as _;
use tonic::Code;

use crate::support::{TestServer, dev_docs, ingest_stream, input, seed, status_of, text_input};
use crate::wire::{Leaving, ingest_raw, ingest_raw_unary, len_field, send_partial_message};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledges_every_document_in_arrival_order() {
    let server = TestServer::start().await;
    let mut client = server.ingest().await;
    let mut docs = vec![seed()];
    docs.extend(dev_docs(&["gov-0012.txt", "gov-0027.txt", "world-a01.txt", "world-b01.txt", "gov-0034.txt"]));
    let acks = ingest_stream(&mut client, docs.iter().map(input).collect()).await;
    assert_eq!(acks.len(), docs.len());
    for (i, (ack, doc)) in acks.iter().zip(&docs).enumerate() {
        assert_eq!(ack.index, i as u64);
        assert_eq!(ack.document_id, doc.id);
        assert_eq!(status_of(ack), Created, "{}: {}", doc.id, ack.reason);
        assert!(ack.processing_time.is_some() && ack.fact_counts.is_some());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_rejected_inside_the_stream_and_the_rest_is_created() {
    let server = TestServer::with_limits(10_000).await;
    let mut client = server.ingest().await;
    let inputs = vec![
        text_input("good-1", "Kazakhstan and Romania held consultations."),
        text_input("empty", ""),
        text_input("blank", " \n\t  \n"),
        text_input("huge", &"word ".repeat(3000)),
        text_input("nul", "Text with a \0 NUL byte."),
        pb::DocumentInput { published_date: "2025-13-01".into(), ..text_input("bad-date", "Dated text.") },
        pb::DocumentInput { published_date: "2999-01-01".into(), ..text_input("future", "Dated text.") },
        text_input(&"x".repeat(600), "Long id."),
        text_input("ctl\u{7}id", "Control in id."),
        text_input("good-2", "The ministers met in Bucharest."),
    ];
    let acks = ingest_stream(&mut client, inputs).await;
    let statuses: Vec<_> = acks.iter().map(status_of).collect();
    assert_eq!(statuses.first(), Some(&Created));
    assert_eq!(statuses.last(), Some(&Created));
    assert!(statuses[1..9].iter().all(|s| *s == Rejected), "{statuses:?}");
    let reason = |i: usize| acks[i].reason.as_str();
    assert!(reason(1).contains("empty"), "{}", reason(1));
    assert!(reason(2).contains("white space"), "{}", reason(2));
    assert!(reason(3).contains("over the limit of 10000 bytes"), "{}", reason(3));
    assert!(reason(4).contains("U+0000"), "{}", reason(4));
    assert!(reason(5).contains("invalid date"), "{}", reason(5));
    assert!(reason(6).contains("future"), "{}", reason(6));
    assert!(reason(7).contains("too long"), "{}", reason(7));
    assert!(reason(8).contains("control characters"), "{}", reason(8));
    assert_eq!(acks[3].rejection_code, i32::from(pb::RejectionCode::TooLarge));
    assert_eq!(acks[4].rejection_code, i32::from(pb::RejectionCode::ControlCharacters));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resent_document_is_a_duplicate_and_new_text_under_an_old_id_conflicts() {
    let server = TestServer::start().await;
    let mut client = server.ingest().await;
    let inputs = vec![
        input(&seed()),
        input(&seed()),
        text_input("", "A release without an id."),
        text_input("", "A  release without\nan id."),
        text_input(&seed().id, "Another text under the seed's id."),
    ];
    let acks = ingest_stream(&mut client, inputs).await;
    let statuses: Vec<_> = acks.iter().map(status_of).collect();
    assert_eq!(statuses, vec![Created, Duplicate, Created, Duplicate, Rejected]);
    assert_eq!(acks[2].document_id, briefing::docfile::text_identity("A release without an id."));
    assert_eq!(acks[4].document_id, seed().id, "a rejection names the client's id");
    assert_eq!(acks[2].document_id, acks[3].document_id);
    assert!(acks[4].reason.contains("already stored with a different text"), "{}", acks[4].reason);
    assert_eq!(acks[4].rejection_code, i32::from(pb::RejectionCode::IdConflict));

    let mut query = server.query().await;
    let docs = query.list_documents(pb::ListDocumentsRequest::default()).await.unwrap().into_inner();
    assert_eq!(docs.documents.len(), 2, "no second copy is stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_streams_at_once_both_complete() {
    let server = TestServer::start().await;
    let batch = |prefix: &'static str| {
        (0..40).map(move |i| text_input(&format!("{prefix}-{i}"), &format!("Release {i} of {prefix}: the ministers met.")))
    };
    let (mut a, mut b) = (server.ingest().await, server.ingest().await);
    let (acks_a, acks_b) = tokio::join!(ingest_stream(&mut a, batch("a").collect()), ingest_stream(&mut b, batch("b").collect()));
    for (prefix, acks) in [("a", acks_a), ("b", acks_b)] {
        assert_eq!(acks.len(), 40);
        for (i, ack) in acks.iter().enumerate() {
            assert_eq!(ack.document_id, format!("{prefix}-{i}"));
            assert_eq!(status_of(ack), Created);
        }
    }
    let mut query = server.query().await;
    let all = query.list_documents(pb::ListDocumentsRequest { page_size: 1000, ..Default::default() }).await.unwrap();
    assert_eq!(all.into_inner().documents.len(), 80);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_outpaces_the_server_is_slowed_not_buffered() {
    // The store takes 10 ms per document, so the server handles about 100
    // documents a second while the client could offer thousands. If the
    // server read ahead without bound, all 300 documents would be offered
    // before the first acknowledgements arrive; with flow control the number
    // offered but not yet acknowledged stays bounded by the windows and queues.
    let server = TestServer::with_slow_store(std::time::Duration::from_millis(10)).await;
    let mut client = server.ingest().await;
    let total = 300;
    let text = "The foreign ministers discussed trade and transit. ".repeat(400); // ~20 KB
    let offered = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    let counter = Arc::clone(&offered);
    tokio::spawn(async move {
        for i in 0..total {
            let doc = text_input(&format!("fast-{i}"), &format!("{i} {text}"));
            if tx.send(pb::IngestDocumentsRequest { document: Some(doc) }).await.is_err() {
                return;
            }
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    let mut acks = client.ingest_documents(tokio_stream::wrappers::ReceiverStream::new(rx)).await.unwrap().into_inner();
    let (mut acked, mut most_outstanding) = (0, 0);
    while let Some(ack) = acks.message().await.unwrap() {
        assert_eq!(status_of(ack.result.as_ref().unwrap()), Created);
        most_outstanding = most_outstanding.max(offered.load(Ordering::SeqCst) - acked);
        acked += 1;
    }
    assert_eq!(acked, total);
    eprintln!("most documents outstanding: {most_outstanding}");
    assert!(most_outstanding < 150, "{most_outstanding} documents were taken in ahead of their acknowledgements");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unary_ingest_answers_with_statuses() {
    let server = TestServer::start().await;
    let mut client = server.ingest().await;
    let one = |d: pb::DocumentInput| pb::IngestDocumentRequest { document: Some(d) };
    let ok = client.ingest_document(one(input(&seed()))).await.unwrap().into_inner();
    assert_eq!(status_of(ok.result.as_ref().unwrap()), Created);
    let again = client.ingest_document(one(input(&seed()))).await.unwrap().into_inner();
    assert_eq!(status_of(again.result.as_ref().unwrap()), Duplicate);
    let conflict = client.ingest_document(one(text_input(&seed().id, "Different."))).await.unwrap_err();
    assert_eq!(conflict.code(), Code::AlreadyExists);
    let empty = client.ingest_document(one(text_input("e", "  "))).await.unwrap_err();
    assert_eq!(empty.code(), Code::InvalidArgument);
    assert!(empty.message().contains("white space"));
    let missing = client.ingest_document(pb::IngestDocumentRequest { document: None }).await.unwrap_err();
    assert_eq!(missing.code(), Code::InvalidArgument);
}

/// Returns an encoded request holding one document.
fn encoded(id: &str, text: &str) -> Vec<u8> {
    pb::IngestDocumentsRequest { document: Some(text_input(id, text)) }.encode_to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_utf8_on_the_wire_ends_the_stream_with_internal_and_the_server_goes_on() {
    // The generated client cannot send such bytes: the messages are
    // encoded by hand, with 0xFF and a lone 0xE9 inside one string field of
    // the document. Protobuf strings must be UTF-8; gRPC answers a message
    // that does not parse with INTERNAL, naming the field.
    let server = TestServer::start().await;
    let mut query = server.query().await;
    let bad: &[u8] = b"Caf\xE9 \xFF\xFE in Astana.";
    let fields = [(1, "id"), (2, "url"), (3, "source"), (4, "title"), (5, "published_date"), (6, "language"), (7, "text")];
    for (number, name) in fields {
        let document = [len_field(7, b"The ministers met in Astana."), len_field(number, bad)].concat();
        let broken = len_field(1, &document);
        let (before, after) = (format!("before-{name}"), format!("after-{name}"));
        let messages = vec![encoded(&before, "The ministers met."), broken.clone(), encoded(&after, "They met again.")];
        let (acks, status) = ingest_raw(&server, messages).await;
        assert_eq!(acks.len(), 1, "{name}: only the document before the broken one is answered");
        assert_eq!((acks[0].document_id.as_str(), status_of(&acks[0])), (before.as_str(), Created));
        assert_eq!(status.code(), Code::Internal, "{name}: {status:?}");
        assert!(status.message().contains("UTF-8"), "{name}: {:?}", status.message());
        assert!(status.message().contains(&format!("DocumentInput.{name}")), "{name}: {:?}", status.message());
        let unread = query.get_document(pb::GetDocumentRequest { id: after.clone() }).await.unwrap_err();
        assert_eq!(unread.code(), Code::NotFound, "{name}: nothing after the broken message is read");

        let unary = ingest_raw_unary(&server, broken).await.unwrap_err();
        assert_eq!(unary.code(), Code::Internal, "{name}: {unary:?}");
        assert!(unary.message().contains("UTF-8"), "{name}: {:?}", unary.message());

        let mut client = server.ingest().await;
        let acks = ingest_stream(&mut client, vec![text_input(&after, "They met again.")]).await;
        assert_eq!(status_of(&acks[0]), Created, "{name}: a new stream works");
    }
    let docs = query.list_documents(pb::ListDocumentsRequest::default()).await.unwrap().into_inner();
    assert_eq!(docs.documents.len(), 2 * fields.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_sends_half_a_message_and_leaves_disturbs_no_other_stream() {
    let server = TestServer::start().await;
    let whole = encoded("never-whole", "A release that never arrives in full.");
    let half = &whole[..whole.len() / 2];
    let over_limit = u32::try_from(briefing::config::DEFAULT_MAX_MESSAGE_BYTES * 2).unwrap();
    // (frame length announced, how the client leaves, grpc-status it hears)
    let cases = [
        (whole.len() as u32, Leaving::DropConnection, None),
        (whole.len() as u32, Leaving::ResetStream, None),
        (whole.len() as u32, Leaving::EndStream, Some("13")), // INTERNAL: unexpected end of stream
        (over_limit, Leaving::EndStream, Some("11")),         // OUT_OF_RANGE: over the message limit
        (over_limit, Leaving::DropConnection, None),
    ];

    // A well-behaved stream stays open on its own connection throughout.
    let mut client = server.ingest().await;
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    let mut acks = client.ingest_documents(tokio_stream::wrappers::ReceiverStream::new(rx)).await.unwrap().into_inner();
    let guard = std::time::Duration::from_secs(60);
    for (i, (announced, leaving, want)) in cases.into_iter().enumerate() {
        let heard = tokio::time::timeout(guard, send_partial_message(server.addr, announced, half, leaving)).await.expect("no hang");
        assert_eq!(heard.as_deref(), want, "case {i}: {leaving:?} after announcing {announced} bytes");
        let doc = text_input(&format!("steady-{i}"), &format!("Release {i}: the ministers met in Astana."));
        tx.send(pb::IngestDocumentsRequest { document: Some(doc) }).await.unwrap();
        let ack = tokio::time::timeout(guard, acks.message()).await.expect("no hang").unwrap().unwrap().result.unwrap();
        assert_eq!((ack.index, status_of(&ack)), (i as u64, Created), "case {i}: the other stream goes on");
    }
    drop(tx);
    assert!(acks.message().await.unwrap().is_none());

    let mut fresh = server.ingest().await;
    let acks = ingest_stream(&mut fresh, vec![text_input("after-all", "The ministers met once more.")]).await;
    assert_eq!(status_of(&acks[0]), Created);
    let mut query = server.query().await;
    let docs = query.list_documents(pb::ListDocumentsRequest::default()).await.unwrap().into_inner();
    let ids: Vec<_> = docs.documents.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids.len(), cases.len() + 1, "nothing of the half messages is stored: {ids:?}");
    assert!(!ids.contains(&"never-whole"));
}
