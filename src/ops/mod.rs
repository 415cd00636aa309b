//! Operations: what the commands do with the checks, above the registry and the runner (`fix`, `lint`).
//! `cli` only parses, calls one of these and prints.

pub mod fix;
