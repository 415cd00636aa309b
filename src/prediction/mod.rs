//! What Codex will do with this setup: which provider, model, credentials, region and URL, and the
//! exact error it would stop with before sending anything.
//!
//! [`derive`] is one pure function of the gathered [`Context`] and the [`Mode`]; the checks and the
//! report read its result. The order of the steps is Codex's own, one module each:
//! - [`load`]: loading the config (syntax, legacy profiles, types, provider rules), Codex's fatal
//!   start-up errors;
//! - [`provider`]: which provider `model_provider` selects;
//! - [`auth`]: at the first request, which credentials win and what they shadow;
//! - [`region`]: which region, from where;
//! - [`endpoint`]: the URL and the SigV4 scope;
//! - [`other`]: providers Codex does not run as Bedrock (the `openai` default, local models, the user's
//!   own `[model_providers.<id>]` tables): URL, bearer source, model.
//!
//! Whatever the provider, the request's destination is decided last, on the URL as the HTTP client
//! parses it ([`crate::net::Destination`]): the verdict is by where credentials go, not by provider id.
//!
//! The first fatal step is `codex_error` (reference §2, §4, §5). Each rule is tested on both sides of
//! its version boundary by the recorded observations of real Codex releases (`tests/replay.rs`).

pub mod auth;
pub mod endpoint;
pub mod load;
pub mod other;
pub mod provider;
pub mod region;

use crate::catalog::{Feature, Rules};
use crate::codex::{
    AuthMethod, AuthSource, BedrockKind, MANTLE_PROVIDER, OPENAI_PROVIDER, RUNTIME_PROVIDER, RegionSource, Route,
};
use crate::codex_errors as err;
use crate::context::codex_config::Found;
use crate::context::{Context, Location, Mode};
use crate::meta::CheckId;
use crate::net::{Destination, Target};

pub use auth::{imds_disabled, sdk_chain_has_source};
pub use endpoint::{codex_header_names, signed_header_names};
pub use load::{forbidden_provider_keys, web_search_values};

/// The built-in Bedrock provider ids of a version (`amazon-bedrock-runtime` is a user-defined
/// provider before 0.148, and none of our rules apply to it then).
pub fn bedrock_ids(rules: &Rules) -> &'static [&'static str] {
    if rules.has(Feature::RuntimeProvider) { &[MANTLE_PROVIDER, RUNTIME_PROVIDER] } else { &[MANTLE_PROVIDER] }
}

/// A step where Codex would stop, with the check that explains it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fatal {
    /// The check that reports it.
    pub check: CheckId,
    /// Codex's exact output.
    pub text: String,
    /// Where in a config file the cause is.
    pub location: Option<Location>,
}

/// The predicted credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthPrediction {
    /// SigV4 or bearer.
    pub method: AuthMethod,
    /// Where the credentials come from.
    pub source: AuthSource,
    /// The AWS profile used, if any.
    pub profile: Option<String>,
    /// The last 4 characters of the access key id, when known offline.
    pub access_key_id_last4: Option<String>,
    /// Other credential sources that are present but lose.
    pub shadowed: Vec<AuthSource>,
    /// The order this version tries sources in (for the report).
    pub precedence: Vec<AuthSource>,
    /// The variable the bearer value is read from, when it is a custom provider's `env_key`.
    pub env_var: Option<String>,
}

/// The predicted region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionPrediction {
    /// The region, as Codex will use it.
    pub value: String,
    /// Where it comes from.
    pub source: RegionSource,
}

/// The SigV4 scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signing {
    /// `bedrock-mantle` or `bedrock`.
    pub service: &'static str,
    /// The signing region.
    pub region: String,
}

/// Everything predicted.
#[derive(Clone, Debug, Default)]
pub struct Prediction {
    /// The effective `model_provider` (None: unset, Codex uses `openai`).
    pub provider: Option<String>,
    /// How Codex runs the provider (None: the provider does not exist, Codex stops).
    pub route: Option<Route>,
    /// The Bedrock provider, when Codex runs the provider as Amazon Bedrock in this version.
    pub bedrock: Option<BedrockKind>,
    /// Where the Responses request goes, decided on the URL as the HTTP client parses it.
    pub destination: Option<Destination>,
    /// `host[:port]` the HTTP client connects to for that request.
    pub destination_host: Option<String>,
    /// The model Codex will request.
    pub model: Option<String>,
    /// Whether `model` is the version's default (unset in config).
    pub model_is_default: bool,
    /// Credentials.
    pub auth: Option<AuthPrediction>,
    /// Region.
    pub region: Option<RegionPrediction>,
    /// The `base_url` override, when one applies.
    pub base_url: Option<String>,
    /// The URL of the Responses request, when Codex will send one.
    pub endpoint: Option<String>,
    /// SigV4 scope, for SigV4 requests.
    pub signing: Option<Signing>,
    /// Whether the request carries the `web_search` tool, when Codex sends one.
    pub web_search_tool: Option<bool>,
    /// Every step where Codex would stop, in Codex's order.
    pub fatal: Vec<Fatal>,
    /// Whether Codex stops while loading the config (syntax, types, profiles, provider rules): the
    /// steps after it were then predicted from a config Codex never accepts, so what they find is not
    /// a cause of its own (see [`crate::checks::Need`]).
    pub load_failed: bool,
}

impl Prediction {
    /// The provider id whose `[model_providers.<id>]` table Codex reads (`openai` when unset).
    pub fn table(&self) -> &str {
        self.provider.as_deref().unwrap_or(OPENAI_PROVIDER)
    }

    /// Whether the provider is a built-in Bedrock provider (not a user table run as Bedrock by name).
    pub fn builtin_bedrock(&self) -> bool {
        self.bedrock.is_some_and(|kind| self.table() == kind.id())
    }

    /// Whether the request goes to Amazon Bedrock (by its host), whatever the provider.
    pub fn reaches_bedrock(&self) -> bool {
        self.destination.as_ref().is_some_and(Destination::is_bedrock)
    }

    /// The first error Codex would print.
    pub fn codex_error(&self) -> Option<&Fatal> {
        self.fatal.first()
    }

    /// The fatal errors a check owns.
    pub fn fatal_for(&self, check: CheckId) -> impl Iterator<Item = &Fatal> {
        self.fatal.iter().filter(move |f| f.check == check)
    }
}

/// What Codex will do with the gathered facts. Under [`Mode::Template`] the facts are one file alone,
/// so what only a user's machine decides (a region left to the environment, a missing AWS profile) is
/// not a Codex error.
pub fn derive(ctx: &Context, mode: Mode) -> Prediction {
    let mut p = Prediction::default();
    load::load_errors(ctx, &mut p.fatal);
    p.load_failed = !p.fatal.is_empty();
    provider::resolve_provider(ctx, &mut p);
    if p.fatal.is_empty() {
        p.fatal.extend(load::auth_json_error(ctx));
    }
    match p.route {
        Some(Route::Bedrock(kind)) => bedrock(ctx, mode, kind, &mut p),
        Some(route) => other::predict(ctx, route, &mut p),
        None => {}
    }
    if let Some(target) = p.endpoint.as_deref().and_then(|url| Target::parse(url).ok()) {
        p.destination = Some(Destination::of(&target));
        p.destination_host = Some(target.authority());
    }
    p
}

/// A provider Codex runs as Amazon Bedrock.
fn bedrock(ctx: &Context, mode: Mode, kind: BedrockKind, p: &mut Prediction) {
    let rules = &ctx.rules;
    let table = p.table().to_owned();
    let model = ctx.config.get_str(&["model"]).ok().flatten().map(|(m, _)| m.to_owned());
    p.model_is_default = model.is_none();
    p.model = model.or_else(|| ctx.default_model(kind).map(str::to_owned));

    if !rules.has(Feature::Sigv4) {
        // 0.123.0: unsigned requests to us-east-1 whatever the config says (reference §1).
        p.region = Some(RegionPrediction { value: "us-east-1".into(), source: RegionSource::Fixed });
        if p.fatal.is_empty() {
            p.endpoint = Some("https://bedrock-mantle.us-east-1.api.aws/v1/responses".into());
            let web_search = ctx.config.get_str(&["web_search"]).ok().flatten().map(|(v, _)| v);
            p.web_search_tool = Some(endpoint::web_search_tool(kind, rules, web_search));
        }
        return;
    }

    if rules.provider_base_url() {
        p.base_url = provider_str(ctx, &table, &["base_url"]).map(str::to_owned);
    }
    let auth = auth::resolve_auth(ctx, &table);
    let region = region::resolve_region(ctx, &table, &auth, p.base_url.is_some());
    match region {
        Ok(region) => p.region = region,
        // A template that leaves the region to each user's environment is not broken by itself.
        Err(_) if mode == Mode::Template => {}
        Err(fatal) => p.fatal.push(fatal),
    }
    if let Some(region) = &p.region {
        // The allowlist applies to Mantle only (R §4.2), and a configured base_url is used without it
        // (S amazon_bedrock/mantle.rs: the region check runs only when the URL is derived).
        let allowed = rules.mantle_regions();
        if kind == BedrockKind::Mantle && p.base_url.is_none() && !allowed.iter().any(|r| r == region.value.trim()) {
            p.fatal.push(Fatal {
                check: CheckId::Region,
                text: err::unsupported_region(region.value.trim(), rules),
                location: region::region_location(ctx, &table, &region.source),
            });
        }
    }
    if let Some(fatal) = auth::credential_failure(ctx, &auth).filter(|_| mode == Mode::Machine) {
        p.fatal.push(fatal);
    }
    if p.fatal.is_empty() {
        p.endpoint = endpoint::endpoint(kind, rules, p.base_url.as_deref(), p.region.as_ref());
        let web_search = ctx.config.get_str(&["web_search"]).ok().flatten().map(|(v, _)| v);
        p.web_search_tool = Some(endpoint::web_search_tool(kind, rules, web_search));
        if auth.method == AuthMethod::Sigv4 {
            p.signing = p
                .region
                .as_ref()
                .map(|r| Signing { service: kind.signing_service(), region: r.value.trim().to_owned() });
        }
    }
    p.auth = Some(auth);
}

/// `[model_providers.<id>]` key path helper.
pub fn provider_path<'a>(id: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut path = vec!["model_providers", id];
    path.extend_from_slice(rest);
    path
}

pub(crate) fn provider_str<'a>(ctx: &'a Context, id: &str, rest: &[&str]) -> Option<&'a str> {
    ctx.config.get_str(&provider_path(id, rest)).ok().flatten().map(|(s, _)| s)
}

pub(crate) fn location_of(ctx: &Context, found: &Found<'_>) -> Option<Location> {
    ctx.config.location(found)
}

#[cfg(test)]
mod tests {
    //! Each rule on both sides of its version boundary. The same boundaries are proven against real
    //! Codex by `tests/replay.rs`; these tables say, next to the code, what each rule is.

    use std::collections::BTreeMap;

    use semver::Version;

    use super::*;
    use crate::catalog::catalog;
    use crate::context::{Inputs, Options};
    use crate::platform::Platform;

    /// The prediction for a config.toml, environment and `.env` on `version`.
    fn predict(version: &str, config: &str, env: &[(&str, &str)], dotenv: &str, mode: Mode) -> Prediction {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let codex_home = home.join(".codex");
        std::fs::create_dir_all(&codex_home).unwrap();
        std::fs::write(codex_home.join("config.toml"), config).unwrap();
        if !dotenv.is_empty() {
            std::fs::write(codex_home.join(".env"), dotenv).unwrap();
        }
        let mut vars: BTreeMap<String, String> = env.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        vars.insert("HOME".into(), home.display().to_string());
        vars.insert("AWS_EC2_METADATA_DISABLED".into(), "true".into());
        let options = Options {
            codex_home: Some(codex_home),
            codex_version: Some(Version::parse(version).unwrap()),
            offline: true,
            scan_apps: false,
            mode,
            ..Options::default()
        };
        let ctx = Context::gather(Inputs { env: vars, options, now: 0, catalog: catalog(), platform: Platform::Linux });
        derive(&ctx, mode)
    }

    const MANTLE: &str = "model_provider = \"amazon-bedrock\"\nmodel = \"openai.gpt-5.5\"\n";
    const KEYS: &[(&str, &str)] = &[("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"), ("AWS_SECRET_ACCESS_KEY", "secret")];

    #[test]
    fn url_path_is_openai_v1_from_0_128() {
        let config = format!("{MANTLE}[model_providers.amazon-bedrock.aws]\nregion = \"us-east-1\"\n");
        for (version, url) in [
            ("0.125.0", "https://bedrock-mantle.us-east-1.api.aws/v1/responses"),
            ("0.128.0", "https://bedrock-mantle.us-east-1.api.aws/openai/v1/responses"),
        ] {
            let p = predict(version, &config, KEYS, "", Mode::Machine);
            assert_eq!(p.endpoint.as_deref(), Some(url), "{version}");
        }
    }

    #[test]
    fn configured_profile_outranks_the_bearer_token_from_0_150() {
        let config =
            format!("{MANTLE}[model_providers.amazon-bedrock.aws]\nregion = \"us-east-1\"\nprofile = \"dev\"\n");
        let env = [("AWS_BEARER_TOKEN_BEDROCK", "bedrock-api-key-abcdefghijklmnop")];
        for (version, source) in [("0.149.0", AuthSource::EnvBearer), ("0.150.0", AuthSource::ConfigProfile)] {
            let p = predict(version, &config, &env, "", Mode::Machine);
            assert_eq!(p.auth.map(|a| a.source), Some(source), "{version}");
        }
    }

    #[test]
    fn bearer_region_comes_from_the_environment_from_0_136() {
        let env = [("AWS_BEARER_TOKEN_BEDROCK", "bedrock-api-key-abcdefghijklmnop"), ("AWS_REGION", "us-west-2")];
        let before = predict("0.135.0", MANTLE, &env, "", Mode::Machine);
        assert_eq!(before.codex_error().map(|f| f.check), Some(CheckId::Region));
        let after = predict("0.136.0", MANTLE, &env, "", Mode::Machine);
        assert_eq!(
            after.region.map(|r| (r.value, r.source.to_string())),
            Some(("us-west-2".into(), "env:AWS_REGION".into()))
        );
    }

    #[test]
    fn dotenv_region_is_labelled_as_dotenv() {
        let p = predict("0.169.0", MANTLE, KEYS, "AWS_REGION=eu-west-1\n", Mode::Machine);
        assert_eq!(p.region.map(|r| r.source.to_string()).as_deref(), Some("dotenv:AWS_REGION"));
    }

    #[test]
    fn web_search_tool_is_suppressed_from_0_128_until_0_147() {
        let config = format!("{MANTLE}[model_providers.amazon-bedrock.aws]\nregion = \"us-east-1\"\n");
        for (version, sent) in [("0.125.0", true), ("0.128.0", false), ("0.146.0", false), ("0.147.0", true)] {
            let p = predict(version, &config, KEYS, "", Mode::Machine);
            assert_eq!(p.web_search_tool, Some(sent), "{version}");
        }
        let disabled = format!("web_search = \"disabled\"\n{config}");
        assert_eq!(predict("0.169.0", &disabled, KEYS, "", Mode::Machine).web_search_tool, Some(false));
    }

    #[test]
    fn mantle_client_headers_are_signed_from_0_131() {
        let rules = |v: &str| Rules::for_version(Version::parse(v).unwrap());
        assert!(
            !signed_header_names(BedrockKind::Mantle, true, &rules("0.130.0"), false)
                .contains(&"x-amzn-mantle-client-agent")
        );
        assert!(
            signed_header_names(BedrockKind::Mantle, true, &rules("0.131.0"), false)
                .contains(&"x-amzn-mantle-client-agent")
        );
        assert!(
            signed_header_names(BedrockKind::Runtime, true, &rules("0.131.0"), true).contains(&"x-amz-security-token")
        );
    }

    #[test]
    fn a_template_leaves_the_region_to_the_environment() {
        let machine = predict("0.169.0", MANTLE, KEYS, "", Mode::Machine);
        assert_eq!(machine.codex_error().map(|f| f.check), Some(CheckId::Region));
        let template = predict("0.169.0", MANTLE, &[], "", Mode::Template);
        assert!(template.fatal.is_empty(), "{:?}", template.fatal);
    }

    #[test]
    fn unsupported_region_message_drops_mantle_from_0_150() {
        let config = format!("{MANTLE}[model_providers.amazon-bedrock.aws]\nregion = \"ca-central-1\"\n");
        let before = predict("0.149.0", &config, KEYS, "", Mode::Machine);
        let after = predict("0.150.0", &config, KEYS, "", Mode::Machine);
        assert!(before.codex_error().unwrap().text.contains("Amazon Bedrock Mantle does not support region"));
        assert!(after.codex_error().unwrap().text.contains("Amazon Bedrock does not support region"));
        assert!(!after.codex_error().unwrap().text.contains("Mantle"));
    }

    const CUSTOM_MANTLE: &str = "model_provider = \"mantle\"\n[model_providers.mantle]\nname = \"Mantle\"\nbase_url = \"https://bedrock-mantle.us-east-1.api.aws/v1\"\nenv_key = \"AWS_BEARER_TOKEN_BEDROCK\"\n";
    const KEY: &[(&str, &str)] = &[("AWS_BEARER_TOKEN_BEDROCK", "bedrock-api-key-abcdefghijklmnop")];

    #[test]
    fn a_custom_provider_on_mantle_sends_its_env_key_there() {
        let p = predict("0.169.0", &format!("model = \"openai.gpt-5.5\"\n{CUSTOM_MANTLE}"), KEY, "", Mode::Machine);
        assert_eq!(p.route, Some(Route::Custom));
        assert_eq!(p.endpoint.as_deref(), Some("https://bedrock-mantle.us-east-1.api.aws/v1/responses"));
        assert_eq!(p.destination, Some(Destination::Mantle { region: "us-east-1".into() }));
        let auth = p.auth.unwrap();
        assert_eq!(
            (auth.source, auth.env_var.as_deref()),
            (AuthSource::ProviderEnvKey, Some("AWS_BEARER_TOKEN_BEDROCK"))
        );
    }

    #[test]
    fn an_unset_env_key_stops_codex() {
        let p = predict("0.169.0", CUSTOM_MANTLE, &[], "", Mode::Machine);
        assert_eq!(
            p.codex_error().map(|f| f.text.as_str()),
            Some("ERROR: Missing environment variable: `AWS_BEARER_TOKEN_BEDROCK`.")
        );
    }

    #[test]
    fn without_a_model_a_custom_provider_sends_the_openai_default_of_the_release() {
        for (version, model) in [("0.155.0", "gpt-6-astra"), ("0.169.0", "gpt-6.1-sol"), ("0.171.0", "gpt-6.2-sol")] {
            let p = predict(version, CUSTOM_MANTLE, KEY, "", Mode::Machine);
            assert_eq!(p.model.as_deref(), Some(model), "{version}");
        }
        let openai = predict("0.169.0", "", &[], "", Mode::Machine);
        assert_eq!(openai.route, Some(Route::OpenAi));
        assert_eq!(openai.endpoint.as_deref(), Some("https://api.openai.com/v1/responses"));
        assert_eq!(openai.destination, Some(Destination::OpenAi));
        assert_eq!(openai.auth.map(|a| a.method), Some(AuthMethod::None));
    }

    #[test]
    fn a_provider_named_amazon_bedrock_is_run_as_bedrock() {
        let config = CUSTOM_MANTLE.replace("name = \"Mantle\"", "name = \"Amazon Bedrock\"");
        let p = predict("0.169.0", &config, KEY, "", Mode::Machine);
        assert_eq!(p.route, Some(Route::Bedrock(BedrockKind::Mantle)));
        assert_eq!(p.codex_error().map(|f| f.check), Some(CheckId::Region), "a bearer key needs a region");
        let near_miss = CUSTOM_MANTLE.replace("name = \"Mantle\"", "name = \"amazon bedrock\"");
        assert_eq!(predict("0.169.0", &near_miss, KEY, "", Mode::Machine).route, Some(Route::Custom));
    }

    #[test]
    fn a_provider_table_without_a_name_stops_codex() {
        let config = CUSTOM_MANTLE.replace("name = \"Mantle\"\n", "");
        let p = predict("0.169.0", &config, KEY, "", Mode::Machine);
        assert_eq!(
            p.codex_error().map(|f| f.text.as_str()),
            Some(
                "Error loading config.toml: model_providers.mantle: provider name must not be empty\nin `model_providers`"
            )
        );
    }

    #[test]
    fn query_params_are_appended_and_a_missing_catalog_file_stops_codex() {
        let config = format!("{CUSTOM_MANTLE}query_params = {{ a = \"b\" }}\n");
        let p = predict("0.169.0", &config, KEY, "", Mode::Machine);
        assert_eq!(p.endpoint.as_deref(), Some("https://bedrock-mantle.us-east-1.api.aws/v1/responses?a=b"));
        let missing = format!("model_catalog_json = \"nope.json\"\n{CUSTOM_MANTLE}");
        let p = predict("0.169.0", &missing, KEY, "", Mode::Machine);
        assert_eq!(p.codex_error().map(|f| f.text.as_str()), Some("Error: No such file or directory (os error 2)"));
    }
}
