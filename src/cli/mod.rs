//! Command-line front ends: each subcommand's arguments and its run function.
//! `extract` works offline; `ingest` and `query` are gRPC clients of a
//! running server (through [`client`]).

pub mod client;
pub mod extract;
pub mod ingest;
pub mod query;
pub mod table;
