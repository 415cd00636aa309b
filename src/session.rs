//! A session: the gathered facts, what Codex will do with them, and the redactor for everything
//! printed about them, assembled once.
//!
//! [`Context`] holds only what was read; [`Prediction`] is derived from it by one pure function; the
//! [`Redactor`] knows every secret the context holds. Keeping the three apart (and assembling them
//! here, above all three) is what lets each be built and tested alone. Checks, fixes, renderers and
//! the live pass take a `&Session`; it dereferences to the context, so `ctx.config` reads as before.

use std::ops::Deref;

use crate::context::{Context, Mode};
use crate::prediction::{self, Prediction};
use crate::redact::Redactor;

/// Facts, prediction and redactor of one run (or of one template under `lint`).
#[derive(Debug)]
pub struct Session {
    ctx: Context,
    /// Whether the facts describe a machine or a template alone.
    pub mode: Mode,
    /// What Codex will do.
    pub prediction: Prediction,
    /// Every secret value seen, for scrubbing output.
    pub redactor: Redactor,
    /// `AWS_ENDPOINT_URL*` variables in effect: they move the doctor's own AWS calls (and the probe,
    /// for `AWS_ENDPOINT_URL_BEDROCK_MANTLE`), never Codex's model request, so the report always shows
    /// them.
    pub endpoint_overrides: Vec<(String, String)>,
}

impl Session {
    /// Derives the prediction and the redactor from the gathered facts.
    pub fn new(ctx: Context) -> Session {
        let mode = ctx.options.mode;
        let prediction = prediction::derive(&ctx, mode);
        let redactor = Redactor::from_context(&ctx);
        let endpoint_overrides = ctx
            .env
            .with_prefix(crate::env_vars::AWS_ENDPOINT_URL)
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Session { ctx, mode, prediction, redactor, endpoint_overrides }
    }

    /// The gathered facts.
    pub fn context(&self) -> &Context {
        &self.ctx
    }
}

impl Deref for Session {
    type Target = Context;

    fn deref(&self) -> &Context {
        &self.ctx
    }
}
