//! Command-line front ends: each subcommand's arguments and its run function.

pub mod extract;
