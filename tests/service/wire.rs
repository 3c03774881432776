//! Clients that bypass the generated one to send what it cannot: request
//! messages with arbitrary bytes (invalid UTF-8), and gRPC frames cut short
//! over plain HTTP/2.

use std::net::SocketAddr;
use std::time::Duration;

use briefing::pb;
use tonic::transport::Channel;

use crate::support::TestServer;

/// Path of the ingest stream, for clients that bypass the generated one.
const INGEST_STREAM_PATH: &str = "/briefing.v1.IngestService/IngestDocuments";

/// Returns a protobuf length-delimited field (wire type 2) holding `bytes`.
pub fn len_field(number: u8, bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![number << 3 | 2];
    let mut n = bytes.len();
    while n >= 0x80 {
        out.push(n as u8 | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
    out.extend_from_slice(bytes);
    out
}

/// A codec that sends request messages as the given bytes, unchecked, and
/// reads the answers as `D`.
struct RawRequests<D>(std::marker::PhantomData<D>);

struct RawEncoder;

impl tonic::codec::Encoder for RawEncoder {
    type Item = Vec<u8>;
    type Error = tonic::Status;

    fn encode(&mut self, item: Vec<u8>, dst: &mut tonic::codec::EncodeBuf<'_>) -> Result<(), tonic::Status> {
        prost::bytes::BufMut::put_slice(dst, &item);
        Ok(())
    }
}

impl<D: prost::Message + Default + Send + 'static> tonic::codec::Codec for RawRequests<D> {
    type Encode = Vec<u8>;
    type Decode = D;
    type Encoder = RawEncoder;
    type Decoder = tonic_prost::ProstDecoder<D>;

    fn encoder(&mut self) -> RawEncoder {
        RawEncoder
    }

    fn decoder(&mut self) -> Self::Decoder {
        tonic_prost::ProstDecoder::default()
    }
}

async fn raw_client(server: &TestServer) -> tonic::client::Grpc<Channel> {
    let mut grpc = tonic::client::Grpc::new(server.channel().await);
    grpc.ready().await.expect("channel ready");
    grpc
}

/// Sends already-encoded `IngestDocumentsRequest` messages on one ingest
/// stream; returns the acknowledgements received and the status that ended
/// the stream (`Ok` for a clean end).
pub async fn ingest_raw(server: &TestServer, messages: Vec<Vec<u8>>) -> (Vec<pb::IngestResult>, tonic::Status) {
    let path = tonic::codegen::http::uri::PathAndQuery::from_static(INGEST_STREAM_PATH);
    let request = tonic::Request::new(tokio_stream::iter(messages));
    let codec = RawRequests::<pb::IngestDocumentsResponse>(std::marker::PhantomData);
    let mut acks = raw_client(server).await.streaming(request, path, codec).await.expect("stream opens").into_inner();
    let mut out = Vec::new();
    loop {
        match acks.message().await {
            Ok(Some(ack)) => out.push(ack.result.expect("ack has a result")),
            Ok(None) => return (out, tonic::Status::ok("")),
            Err(status) => return (out, status),
        }
    }
}

/// Sends an already-encoded `IngestDocumentRequest` to the unary ingest.
pub async fn ingest_raw_unary(server: &TestServer, message: Vec<u8>) -> Result<pb::IngestDocumentResponse, tonic::Status> {
    let path = tonic::codegen::http::uri::PathAndQuery::from_static("/briefing.v1.IngestService/IngestDocument");
    let codec = RawRequests::<pb::IngestDocumentResponse>(std::marker::PhantomData);
    raw_client(server).await.unary(tonic::Request::new(message), path, codec).await.map(tonic::Response::into_inner)
}

/// How a client that sent part of a gRPC message leaves.
#[derive(Debug, Clone, Copy)]
pub enum Leaving {
    /// Closes the connection without a word.
    DropConnection,
    /// Resets the HTTP/2 stream.
    ResetStream,
    /// Ends the request stream as if the message were complete.
    EndStream,
}

/// Opens an ingest stream over plain HTTP/2, sends a gRPC frame header that
/// announces `announced` bytes followed by `sent` (fewer), then leaves as
/// `leaving` says. Returns the `grpc-status` the server answered, if the
/// client stayed to hear it.
pub async fn send_partial_message(addr: SocketAddr, announced: u32, sent: &[u8], leaving: Leaving) -> Option<String> {
    use tonic::codegen::http;
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (client, connection) = h2::client::handshake(tcp).await.expect("HTTP/2 handshake");
    let connection = tokio::spawn(connection);
    let mut client = client.ready().await.expect("HTTP/2 ready");
    let request = http::Request::post(format!("http://{addr}{INGEST_STREAM_PATH}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(())
        .expect("request");
    let (response, mut body) = client.send_request(request, false).expect("stream opens");
    let response = response.await.expect("response headers");
    let mut frame = vec![0];
    frame.extend_from_slice(&announced.to_be_bytes());
    frame.extend_from_slice(sent);
    body.send_data(frame.into(), false).expect("data sent");
    match leaving {
        Leaving::DropConnection => {
            // Give the connection task a moment to put the bytes on the wire.
            tokio::time::sleep(Duration::from_millis(200)).await;
            connection.abort();
            None
        }
        Leaving::ResetStream => {
            tokio::time::sleep(Duration::from_millis(200)).await;
            body.send_reset(h2::Reason::CANCEL);
            tokio::time::sleep(Duration::from_millis(200)).await;
            connection.abort();
            None
        }
        Leaving::EndStream => {
            body.send_data(prost::bytes::Bytes::new(), true).expect("end of stream sent");
            let status = |h: &http::HeaderMap| h.get("grpc-status").and_then(|v| v.to_str().ok()).map(str::to_owned);
            let (head, mut answer) = response.into_parts();
            if let Some(s) = status(&head.headers) {
                return Some(s);
            }
            while let Some(chunk) = answer.data().await {
                let chunk = chunk.expect("answer data");
                let _ = answer.flow_control().release_capacity(chunk.len());
            }
            let trailers = answer.trailers().await.expect("answer trailers").unwrap_or_default();
            connection.abort();
            status(&trailers)
        }
    }
}
