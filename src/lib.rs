//! bedrock-doctor: predicts exactly what OpenAI Codex will do with a given Amazon Bedrock setup,
//! explains every problem and how to fix it.
//!
//! Gather → check → render: [`context`] reads everything once into an immutable context and derives
//! the [`prediction`]; [`checks`] are pure functions of that context, run in registry order by
//! [`runner`]; [`redact`] masks secrets and escapes control characters in the report, and [`render`]
//! turns only that redacted report into text.

// No `unsafe` anywhere (the effective environment is a value handed to aws-config and reqwest, never
// written into the process): the compiler holds the crate to it. `clippy.toml` forbids `set_var`.
#![forbid(unsafe_code)]

pub mod bearer;
pub mod catalog;
pub mod checks;
pub mod cli;
pub mod codex;
pub mod codex_errors;
pub mod context;
pub mod env_vars;
pub mod error;
pub mod fix;
pub mod iam;
pub mod lint;
pub mod live;
pub mod meta;
pub mod net;
pub mod ops;
pub mod platform;
pub mod prediction;
pub mod redact;
pub mod render;
pub mod report;
pub mod runner;
pub mod secrets;
pub mod session;
pub mod timeutil;
