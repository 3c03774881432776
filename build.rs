//! Compiles the protobuf contract with protox (pure Rust), so a fresh machine
//! needs only cargo: no system `protoc`.

use std::path::PathBuf;

use protox::prost::Message as _;

const PROTOS: [&str; 4] = [
    "briefing/v1/facts.proto",
    "briefing/v1/ingest.proto",
    "briefing/v1/extract.proto",
    "briefing/v1/query.proto",
];

fn main() -> anyhow::Result<()> {
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    let fds = protox::compile(PROTOS, ["proto"])?;
    // Reflection needs the encoded descriptor set; compile_fds does not write it.
    std::fs::write(out_dir.join("briefing_descriptor.bin"), fds.encode_to_vec())?;
    tonic_prost_build::configure().compile_fds(fds)?;
    // tonic-prost-build 0.14 does not emit this itself.
    println!("cargo:rerun-if-changed=proto");
    Ok(())
}
