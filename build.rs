//! Sets `cfg(rust_api)` unless an npm entry is being built (an `npm-*` feature is on): the code that
//! only Rust apps use (typed requests, presence handles, channel history from Rust) is compiled for
//! them alone, so the npm entries' wasm carries none of it.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(rust_api)");
    println!("cargo::rerun-if-changed=build.rs");
    if !std::env::vars().any(|(key, _)| key.starts_with("CARGO_FEATURE_NPM_")) {
        println!("cargo::rustc-cfg=rust_api");
    }
}
