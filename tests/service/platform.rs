//! What every gRPC tool expects: health checking, reflection, the
//! extract-only RPC that stores nothing, and a graceful shutdown.

use briefing::pb;
use briefing::pb::extract_service_client::ExtractServiceClient;
use tonic_health::pb::health_client::HealthClient;
use tonic_reflection::pb::v1alpha::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1alpha::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1alpha::server_reflection_response::MessageResponse;
use tonic_reflection::pb::v1alpha::ServerReflectionRequest;

use crate::support::{TestServer, seed, text_input};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_reports_serving() {
    let server = TestServer::start().await;
    let mut health = HealthClient::new(server.channel().await);
    for service in ["", "briefing.v1.IngestService", "briefing.v1.QueryService", "briefing.v1.ExtractService"] {
        let r = health
            .check(tonic_health::pb::HealthCheckRequest { service: service.into() })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(r.status, tonic_health::pb::health_check_response::ServingStatus::Serving as i32, "{service}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflection_lists_every_service() {
    let server = TestServer::start().await;
    let mut client = ServerReflectionClient::new(server.channel().await);
    let request = ServerReflectionRequest { host: String::new(), message_request: Some(MessageRequest::ListServices(String::new())) };
    let mut responses = client.server_reflection_info(tokio_stream::iter([request])).await.unwrap().into_inner();
    let response = responses.message().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else { panic!("{response:?}") };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    for want in ["briefing.v1.IngestService", "briefing.v1.QueryService", "briefing.v1.ExtractService", "grpc.health.v1.Health"] {
        assert!(names.iter().any(|n| n == want), "{want} missing from {names:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extract_reads_a_text_without_storing_it() {
    let server = TestServer::start().await;
    let mut client = ExtractServiceClient::new(server.channel().await);
    let r = client
        .extract(pb::ExtractRequest { text: seed().text, published_date: "2025-03-19".into(), title: String::new() })
        .await
        .unwrap()
        .into_inner();
    let facts = r.facts.unwrap();
    assert!(facts.document_id.is_empty());
    assert_eq!(facts.published_date, "2025-03-19");
    let mut q = server.query().await;
    let docs = q.list_documents(pb::ListDocumentsRequest::default()).await.unwrap().into_inner();
    assert!(docs.documents.is_empty(), "extract stores nothing");
    let err = client.extract(pb::ExtractRequest { text: "\0".into(), ..Default::default() }).await.unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_acknowledges_documents_in_flight_and_ends_open_streams() {
    let server = TestServer::with_slow_store(std::time::Duration::from_millis(200)).await;
    let mut ingest = server.ingest().await;
    let mut query = server.query().await;
    let mut watch = query.watch_facts(pb::WatchFactsRequest::default()).await.unwrap().into_inner();

    // The request stream stays open: only the shutdown can end the call.
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let mut acks = ingest.ingest_documents(tokio_stream::wrappers::ReceiverStream::new(rx)).await.unwrap().into_inner();
    tx.send(pb::IngestDocumentsRequest { document: Some(text_input("in-flight", "Sent just before shutdown."))}).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await; // read by the server, not yet stored

    let stopping = tokio::spawn(server.shut_down());
    let ack = acks.message().await.expect("the stream ends cleanly").expect("the in-flight document is acknowledged");
    let result = ack.result.unwrap();
    assert_eq!(result.document_id, "in-flight");
    assert_eq!(result.status, i32::from(pb::IngestStatus::Created));
    assert!(acks.message().await.expect("no error").is_none(), "the ingest stream ends after its last document");
    // Drain the facts of the in-flight document until the watch ends.
    while let Ok(Some(_)) = watch.message().await {}
    stopping.await.unwrap().expect("the server stops without error");
    drop(tx);
}
