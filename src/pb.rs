//! The generated protobuf and gRPC code of `proto/briefing/v1`: the only path
//! to wire types. Only `service` and the client side in `cli` name them.
#![allow(missing_docs, clippy::all, clippy::pedantic)]

tonic::include_proto!("briefing.v1");

/// The encoded file descriptor set of every Briefing proto, for reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("briefing_descriptor");
