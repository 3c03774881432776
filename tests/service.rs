//! End-to-end tests of the gRPC service: the real server on 127.0.0.1:0 with
//! a temporary store, driven through the generated Rust clients.
//!
//! Modules:
//! - `support`: starting a server, clients, reading release files.
//! - `wire`: raw clients for malformed requests and half messages.
//! - `ingest`: the ingest stream (order, duplicates, conflicts, bad input,
//!   concurrency, flow control), the unary ingest's statuses, and malformed
//!   wire input (invalid UTF-8, half messages) sent past the generated client.
//! - `facts`: the seed and dev documents queried back (persons, events,
//!   quotes, figures) and checked against what the releases say.
//! - `query`: pagination, page tokens and argument checking.
//! - `arguments`: bad pages and filters on every query RPC that takes them.
//! - `watch`: `WatchFacts` subscribers.
//! - `platform`: health checking, reflection, the extract-only RPC.

#[path = "service/support.rs"]
mod support;
#[path = "service/wire.rs"]
mod wire;

#[path = "service/arguments.rs"]
mod arguments;
#[path = "service/facts.rs"]
mod facts;
#[path = "service/ingest.rs"]
mod ingest;
#[path = "service/platform.rs"]
mod platform;
#[path = "service/query.rs"]
mod query;
#[path = "service/watch.rs"]
mod watch;
