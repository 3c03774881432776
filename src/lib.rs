//! Briefing reads diplomatic press releases and serves the facts in them.
//!
//! Data flows one way: a [`domain::Document`] arrives (gRPC stream, CLI or
//! folder), the [`extract`] core reads it into an [`domain::Extraction`], the
//! store keeps both, and query handlers serve them back.

pub mod cli;
pub mod docfile;
pub mod domain;
pub mod eval_view;
pub mod extract;
