//! Briefing reads diplomatic press releases and serves the facts in them.
//!
//! Data flows one way: a [`domain::Document`] arrives (gRPC stream, CLI or
//! folder), the [`extract`] core reads it into an [`domain::Extraction`], the
//! store keeps both, and query handlers serve them back.
//!
//! - [`service`] is the gRPC edge (the only server-side user of tonic): thin
//!   handlers over the use cases [`ingest`] (validate → id → extract on the
//!   blocking pool → store → [`feed`]) and [`query`] (filters, pages).
//! - [`store`] is a trait with a written contract; [`store::sqlite`] is the
//!   embedded default (WAL, group commit by one writer thread).
//!   [`store::postgres`] lets several servers share one PostgreSQL database.
//! - [`app`] wires them; [`config`] and [`telemetry`] are read once at start;
//!   [`metrics`] counts what the use cases do.
//! - [`cli`] holds the command-line front ends: `extract` (offline), and the
//!   gRPC clients `ingest` and `query`, which use the generated client in [`pb`].

pub mod config;
pub mod telemetry;
pub mod pb;
pub mod error;
pub mod domain;
pub mod docfile;
pub mod extract;
pub mod eval_view;
pub mod store;
pub mod feed;
pub mod metrics;
pub mod ingest;
pub mod known_ids;
pub mod query;
pub mod app;
pub mod service;
pub mod cli;
