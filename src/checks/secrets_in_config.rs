//! `secrets-in-config`: literal access keys, secret keys, session tokens and Bedrock API keys written
//! into Codex config files. They get copied, committed and shared; credentials belong in the AWS files,
//! the keychain or `.env` (mode 0600).

use super::{Check, CheckMeta, Fixable, Kind, Runner};
use crate::meta::CheckId;
use crate::redact::mask;
use crate::report::{Finding, Outcome};
use crate::secrets::scan_config;
use crate::session::Session;

/// The check.
pub const CHECK: Check = Check {
    meta: CheckMeta {
        id: CheckId::SecretsInConfig,
        group: "security",
        kind: Kind::Offline,
        fixable: Fixable::No,
        lint: true,
        summary: "literal keys or tokens in config files and templates",
        doc: include_str!("../../checks/secrets-in-config.md"),
    },
    run: Runner::Offline(run),
    fixes: None,
};

fn run(ctx: &Session) -> Outcome {
    let files: Vec<_> = ctx.config.files.iter().filter(|f| f.source.text().is_some()).collect();
    let mut out = Outcome::pass(format!("no literal credentials in {} config file(s)", files.len()));
    for file in files {
        let Some(text) = file.source.text() else { continue };
        for hit in scan_config(text, file.table()) {
            out.push(
                Finding::fail(format!("{} written into the config ({})", hit.kind.describe(), mask(&hit.value)))
                    .fix("Remove it: use an AWS profile (aws.profile), `aws sso login`, or AWS_BEARER_TOKEN_BEDROCK in ~/.codex/.env (chmod 600); then rotate the exposed credential")
                    .at(file.locate(&(hit.offset..hit.offset))),
            );
        }
    }
    out
}
