//! The version-ranged facts about Codex, compiled in from `checks/catalog.toml`.
//!
//! Rules are data, not code: every behaviour that changed between Codex releases is a range in the
//! catalog with its evidence, so a new release means editing one TOML file and rerunning the fidelity
//! suite. `Rules` binds the catalog to one Codex version and is what every check consults.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use semver::{Version, VersionReq};
use serde::Deserialize;

const CATALOG_TOML: &str = include_str!("../checks/catalog.toml");

/// The parsed catalog.
#[derive(Debug, Deserialize)]
pub struct Catalog {
    /// Dates, minimums and the newest release the catalog knows.
    pub meta: Meta,
    features: BTreeMap<String, FeatureRange>,
    mantle_regions: Vec<Ranged<RegionList>>,
    model_catalog: Vec<Ranged<ModelList>>,
    runtime_catalog: Vec<Ranged<ModelList>>,
    provider_overridable: Vec<Ranged<Overridable>>,
    auth_modes: Vec<Ranged<AuthModes>>,
    openai_default_model: Vec<Ranged<OpenaiDefault>>,
    /// Which Mantle regions serve which model, with its verification date.
    pub model_regions: ModelRegions,
}

/// Catalog-wide facts.
#[derive(Debug, Deserialize)]
pub struct Meta {
    /// The newest Codex release whose behaviour the catalog records.
    pub newest_known: Version,
    /// When the catalog was last checked against real releases.
    pub verified: String,
    /// Every release the facts were observed on.
    pub tested_versions: Vec<Version>,
    /// The minimum the official documentation asks for.
    pub docs_minimum: Version,
    /// The first release whose Bedrock requests can succeed at all.
    pub functional_minimum: Version,
    /// The minimum desktop app / VS Code extension version.
    pub app_minimum: Version,
}

#[derive(Debug, Deserialize)]
struct FeatureRange {
    since: Version,
    until: Option<Version>,
    evidence: String,
}

#[derive(Debug, Deserialize)]
struct Ranged<T> {
    versions: VersionReq,
    #[serde(flatten)]
    value: T,
}

#[derive(Debug, Deserialize)]
struct RegionList {
    regions: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct ModelList {
    models: Vec<String>,
    default_model: Option<String>,
}

#[derive(Debug, Deserialize)]
struct OpenaiDefault {
    model: String,
}

#[derive(Debug, Deserialize)]
struct AuthModes {
    variants: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Overridable {
    keys: Vec<String>,
    message: String,
}

/// Curated model × region availability.
#[derive(Debug, Deserialize)]
pub struct ModelRegions {
    /// When the data was last checked.
    pub verified: String,
    /// Where the data comes from.
    pub evidence: String,
    /// Model id → Mantle regions that serve it.
    pub models: BTreeMap<String, Vec<String>>,
}

/// A behaviour switch in the catalog's `[features]` table. The TOML key is the snake_case name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feature {
    /// The built-in `amazon-bedrock` provider exists.
    BedrockProvider,
    /// Requests are signed (SigV4 or bearer); 0.123 sent none.
    Sigv4,
    /// `aws.region` is honoured.
    RegionConfig,
    /// `codex debug models` has a Bedrock catalog.
    BedrockModelCatalog,
    /// The `/openai/v1` base path.
    OpenaiV1Path,
    /// The `web_search` tool is never sent on Bedrock.
    WebSearchSuppressed,
    /// `codex exec --strict-config` exists.
    StrictConfig,
    /// `session-id`/`thread-id` and `x-amzn-mantle-client-agent` headers are signed.
    MantleClientHeaders,
    /// `--profile NAME` layers `NAME.config.toml`; legacy profiles are errors.
    ProfilesV2,
    /// The bearer path may take its region from `AWS_REGION`/`AWS_DEFAULT_REGION`.
    BearerRegionFromEnv,
    /// `web_search = "indexed"` is accepted.
    WebSearchIndexed,
    /// The built-in `amazon-bedrock-runtime` provider exists.
    RuntimeProvider,
    /// `amazon-bedrock-runtime` sends `x-amzn-mantle-client-agent` too.
    RuntimeClientAgent,
    /// `aws.auth_refresh` exists.
    AuthRefresh,
    /// A configured `aws.profile` outranks every other credential source but the `auth` command.
    ConfigProfileFirst,
    /// Managed Bedrock access keys in `auth.json`.
    ManagedAccessKeys,
    /// The unsupported-region error no longer says "Mantle".
    RegionErrorWithoutMantle,
    /// `aws.credential_export` exists.
    CredentialExport,
    /// Unknown keys are warned about; config errors carry the `Error loading config.toml:` prefix.
    UnknownKeyWarning,
    /// The override rule is checked before "provider aws cannot be combined with …".
    OverrideCheckedFirst,
    /// A user provider named exactly "Amazon Bedrock" is run as Bedrock.
    BedrockByName,
}

impl Feature {
    /// Every feature, for the catalog self-test.
    pub const ALL: &[Feature] = &[
        Feature::BedrockProvider,
        Feature::Sigv4,
        Feature::RegionConfig,
        Feature::BedrockModelCatalog,
        Feature::OpenaiV1Path,
        Feature::WebSearchSuppressed,
        Feature::StrictConfig,
        Feature::MantleClientHeaders,
        Feature::ProfilesV2,
        Feature::BearerRegionFromEnv,
        Feature::WebSearchIndexed,
        Feature::RuntimeProvider,
        Feature::RuntimeClientAgent,
        Feature::AuthRefresh,
        Feature::ConfigProfileFirst,
        Feature::ManagedAccessKeys,
        Feature::RegionErrorWithoutMantle,
        Feature::CredentialExport,
        Feature::UnknownKeyWarning,
        Feature::OverrideCheckedFirst,
        Feature::BedrockByName,
    ];

    /// The key of this feature in `[features]`.
    pub fn key(self) -> &'static str {
        match self {
            Feature::BedrockProvider => "bedrock_provider",
            Feature::Sigv4 => "sigv4",
            Feature::RegionConfig => "region_config",
            Feature::BedrockModelCatalog => "bedrock_model_catalog",
            Feature::OpenaiV1Path => "openai_v1_path",
            Feature::WebSearchSuppressed => "web_search_suppressed",
            Feature::StrictConfig => "strict_config",
            Feature::MantleClientHeaders => "mantle_client_headers",
            Feature::ProfilesV2 => "profiles_v2",
            Feature::BearerRegionFromEnv => "bearer_region_from_env",
            Feature::WebSearchIndexed => "web_search_indexed",
            Feature::RuntimeProvider => "runtime_provider",
            Feature::RuntimeClientAgent => "runtime_client_agent",
            Feature::AuthRefresh => "auth_refresh",
            Feature::ConfigProfileFirst => "config_profile_first",
            Feature::ManagedAccessKeys => "managed_access_keys",
            Feature::RegionErrorWithoutMantle => "region_error_without_mantle",
            Feature::CredentialExport => "credential_export",
            Feature::UnknownKeyWarning => "unknown_key_warning",
            Feature::OverrideCheckedFirst => "override_checked_first",
            Feature::BedrockByName => "bedrock_by_name",
        }
    }
}

/// The catalog compiled into this binary.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    // The catalog is our own compiled-in data; `tests::catalog_parses` keeps it valid, so a failure here
    // is a build defect, not user input.
    CATALOG.get_or_init(|| Catalog::parse(CATALOG_TOML).expect("checks/catalog.toml is valid"))
}

/// The text of the compiled-in catalog (tests derive mutated copies from it).
pub const CATALOG_SOURCE: &str = CATALOG_TOML;

/// A catalog text that does not parse.
#[derive(Debug)]
pub struct CatalogError(toml_edit::de::Error);

impl std::fmt::Display for CatalogError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "parsing the rules catalog: {}", self.0)
    }
}

impl std::error::Error for CatalogError {}

impl Catalog {
    /// Parses a catalog text (the compiled-in one, or a test's mutated copy).
    pub fn parse(text: &str) -> Result<Catalog, CatalogError> {
        toml_edit::de::from_str(text).map_err(CatalogError)
    }
}

/// Rule matching ignores pre-release tags: `0.136.0-alpha.2` behaves like the 0.136.0 line it belongs to.
fn release_of(version: &Version) -> Version {
    Version::new(version.major, version.minor, version.patch)
}

fn pick<'a, T>(ranges: &'a [Ranged<T>], version: &Version) -> Option<&'a T> {
    let release = release_of(version);
    ranges.iter().find(|r| r.versions.matches(&release)).map(|r| &r.value)
}

/// The catalog bound to one Codex version.
#[derive(Clone, Debug)]
pub struct Rules {
    /// The version whose rules these are.
    pub version: Version,
    catalog: &'static Catalog,
}

impl Rules {
    /// The rules of `version` in the compiled-in catalog.
    pub fn for_version(version: Version) -> Self {
        Rules::new(version, catalog())
    }

    /// The rules of `version` in `catalog`.
    pub fn new(version: Version, catalog: &'static Catalog) -> Self {
        Rules { version, catalog }
    }

    /// The catalog behind these rules.
    pub fn catalog(&self) -> &'static Catalog {
        self.catalog
    }

    /// Every behaviour switch this version has, with its evidence (for `-v` and the JSON details).
    pub fn active_features(&self) -> Vec<(&'static str, &'static str)> {
        Feature::ALL
            .iter()
            .filter(|f| self.has(**f))
            .filter_map(|f| self.catalog.features.get(f.key()).map(|r| (f.key(), r.evidence.as_str())))
            .collect()
    }

    /// Whether this version has the behaviour `feature`.
    pub fn has(&self, feature: Feature) -> bool {
        let Some(range) = self.catalog.features.get(feature.key()) else {
            return false;
        };
        let release = release_of(&self.version);
        release >= range.since && range.until.as_ref().is_none_or(|until| release < *until)
    }

    /// The Mantle region allowlist of this version (empty before 0.124, which ignores the region).
    pub fn mantle_regions(&self) -> &'static [String] {
        pick(&self.catalog.mantle_regions, &self.version).map_or(&[], |r| r.regions.as_slice())
    }

    /// The Bedrock model catalog in priority order (empty where the version has none).
    pub fn model_catalog(&self) -> &'static [String] {
        pick(&self.catalog.model_catalog, &self.version).map_or(&[], |m| m.models.as_slice())
    }

    /// The model Codex uses when `model` is unset: the first catalog entry, or the generic default.
    pub fn default_model(&self) -> Option<&'static str> {
        let list = pick(&self.catalog.model_catalog, &self.version)?;
        list.models.first().or(list.default_model.as_ref()).map(String::as_str)
    }

    /// The model Codex sends when `model` is unset on a provider it does not run as Bedrock: the default
    /// of its OpenAI catalog.
    pub fn openai_default_model(&self) -> Option<&'static str> {
        pick(&self.catalog.openai_default_model, &self.version).map(|d| d.model.as_str())
    }

    /// The `amazon-bedrock-runtime` catalog (empty where the provider does not exist).
    pub fn runtime_catalog(&self) -> &'static [String] {
        pick(&self.catalog.runtime_catalog, &self.version).map_or(&[], |m| m.models.as_slice())
    }

    /// Provider keys (dotted under the provider table) that may hold non-default values.
    pub fn provider_overridable(&self) -> &'static [String] {
        pick(&self.catalog.provider_overridable, &self.version).map_or(&[], |o| o.keys.as_slice())
    }

    /// The body of the "only supports changing …" error of this version.
    pub fn provider_override_message(&self) -> &'static str {
        pick(&self.catalog.provider_overridable, &self.version).map_or("", |o| o.message.as_str())
    }

    /// The auth.json `auth_mode` variants this version knows, when recorded (none from 0.149, which
    /// knows both Bedrock modes).
    pub fn auth_modes(&self) -> Option<&'static [String]> {
        pick(&self.catalog.auth_modes, &self.version).map(|m| m.variants.as_slice())
    }

    /// Whether this version knows the auth.json `auth_mode` (versions that list no modes accept any).
    pub fn knows_auth_mode(&self, mode: &str) -> bool {
        self.auth_modes().is_none_or(|modes| modes.iter().any(|m| m == mode))
    }

    /// Whether the managed Bedrock API key mode of auth.json exists (0.142).
    pub fn managed_api_key(&self) -> bool {
        self.knows_auth_mode("bedrockApiKey")
    }

    /// Whether `base_url`, `auth` and `http_headers` may be set on the built-in provider (0.145): the
    /// overridable keys say so.
    pub fn provider_base_url(&self) -> bool {
        self.provider_overridable().iter().any(|k| k == "base_url")
    }

    /// Whether `version` is newer than every release the catalog was checked against.
    pub fn is_newer_than_known(&self) -> bool {
        release_of(&self.version) > self.catalog.meta.newest_known
    }

    /// The newest release the rules were checked against (the last of `meta.tested_versions`).
    pub fn verified_up_to(&self) -> &'static Version {
        let meta = &self.catalog.meta;
        meta.tested_versions.iter().max().unwrap_or(&meta.newest_known)
    }

    /// Whether `version` is newer than every release the rules were checked against: what changes
    /// every week (the model catalog) is then unknown to the compiled rules.
    pub fn is_newer_than_verified(&self) -> bool {
        release_of(&self.version) > *self.verified_up_to()
    }

    /// Every model id of every version's catalogs, for suggestions ("did you mean").
    pub fn all_known_models(&self) -> Vec<&'static str> {
        let mut all: Vec<&'static str> =
            self.catalog.model_catalog.iter().flat_map(|r| r.value.models.iter().map(String::as_str)).collect();
        all.sort_unstable();
        all.dedup();
        all
    }
}

/// Where each AWS region is, as (code, latitude, longitude) in degrees: the city or area AWS names the
/// region after in its public region list ("US East (N. Virginia)", "Asia Pacific (Jakarta)", …, in
/// AWS's "Regions and Availability Zones" documentation), placed at that city's coordinates, rounded to
/// a tenth of a degree. Only distances between regions are computed from it (which supported region is
/// nearest an unsupported one), so a few tens of kilometres of error change no answer.
pub const REGION_LOCATIONS: &[(&str, f64, f64)] = &[
    ("us-east-1", 38.9, -77.5),       // N. Virginia
    ("us-east-2", 40.0, -83.0),       // Ohio
    ("us-west-1", 37.4, -122.1),      // N. California
    ("us-west-2", 45.9, -119.3),      // Oregon
    ("us-gov-west-1", 45.6, -121.2),  // GovCloud (US-West), the US Northwest
    ("us-gov-east-1", 40.0, -83.0),   // GovCloud (US-East), Ohio
    ("ca-central-1", 45.5, -73.6),    // Canada (Central), Montreal
    ("ca-west-1", 51.0, -114.1),      // Canada West (Calgary)
    ("mx-central-1", 20.6, -100.4),   // Mexico (Central), Querétaro
    ("sa-east-1", -23.5, -46.6),      // South America (São Paulo)
    ("af-south-1", -33.9, 18.4),      // Africa (Cape Town)
    ("eu-west-1", 53.3, -6.3),        // Europe (Ireland)
    ("eu-west-2", 51.5, -0.1),        // Europe (London)
    ("eu-west-3", 48.9, 2.4),         // Europe (Paris)
    ("eu-central-1", 50.1, 8.7),      // Europe (Frankfurt)
    ("eu-central-2", 47.4, 8.5),      // Europe (Zurich)
    ("eu-south-1", 45.5, 9.2),        // Europe (Milan)
    ("eu-south-2", 41.6, -0.9),       // Europe (Spain), Aragón
    ("eu-north-1", 59.3, 18.1),       // Europe (Stockholm)
    ("il-central-1", 32.1, 34.8),     // Israel (Tel Aviv)
    ("me-south-1", 26.1, 50.6),       // Middle East (Bahrain)
    ("me-central-1", 24.5, 54.4),     // Middle East (UAE)
    ("ap-south-1", 19.1, 72.9),       // Asia Pacific (Mumbai)
    ("ap-south-2", 17.4, 78.5),       // Asia Pacific (Hyderabad)
    ("ap-east-1", 22.3, 114.2),       // Asia Pacific (Hong Kong)
    ("ap-east-2", 25.0, 121.5),       // Asia Pacific (Taipei)
    ("ap-southeast-1", 1.4, 103.8),   // Asia Pacific (Singapore)
    ("ap-southeast-2", -33.9, 151.2), // Asia Pacific (Sydney)
    ("ap-southeast-3", -6.2, 106.8),  // Asia Pacific (Jakarta)
    ("ap-southeast-4", -37.8, 145.0), // Asia Pacific (Melbourne)
    ("ap-southeast-5", 3.1, 101.7),   // Asia Pacific (Malaysia), Kuala Lumpur
    ("ap-southeast-7", 13.8, 100.5),  // Asia Pacific (Thailand), Bangkok
    ("ap-northeast-1", 35.7, 139.7),  // Asia Pacific (Tokyo)
    ("ap-northeast-2", 37.6, 127.0),  // Asia Pacific (Seoul)
    ("ap-northeast-3", 34.7, 135.5),  // Asia Pacific (Osaka)
    ("cn-north-1", 39.9, 116.4),      // China (Beijing)
    ("cn-northwest-1", 38.5, 106.3),  // China (Ningxia)
];

/// The great-circle distance between two regions in kilometres, when both are in [`REGION_LOCATIONS`].
pub fn region_distance_km(a: &str, b: &str) -> Option<f64> {
    let at = |r: &str| REGION_LOCATIONS.iter().find(|(code, ..)| *code == r).map(|(_, lat, lon)| (*lat, *lon));
    let ((lat1, lon1), (lat2, lon2)) = (at(a)?, at(b)?);
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let (dp, dl) = ((lat2 - lat1).to_radians(), (lon2 - lon1).to_radians());
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    Some(2.0 * 6371.0 * h.sqrt().min(1.0).asin())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(v: &str) -> Rules {
        Rules::for_version(Version::parse(v).unwrap())
    }

    #[test]
    fn catalog_parses_and_every_feature_is_present() {
        let catalog = catalog();
        for feature in Feature::ALL {
            assert!(catalog.features.contains_key(feature.key()), "missing feature {}", feature.key());
        }
        assert_eq!(catalog.features.len(), Feature::ALL.len(), "a feature in the TOML has no enum variant");
    }

    #[test]
    fn every_tested_version_has_an_allowlist_and_overridable_keys() {
        for v in &catalog().meta.tested_versions {
            let r = Rules::for_version(v.clone());
            assert!(!r.provider_overridable().is_empty(), "{v}");
            if *v >= Version::new(0, 124, 0) {
                assert!(r.mantle_regions().len() >= 12, "{v}");
            }
        }
    }

    #[test]
    fn region_distances_are_geographic() {
        let d = |a, b| region_distance_km(a, b).unwrap();
        assert!((d("us-east-1", "eu-west-1") - 5_500.0).abs() < 300.0);
        assert!(d("cn-north-1", "ap-northeast-1") < d("cn-north-1", "eu-north-1"));
        assert_eq!(region_distance_km("us-east-1", "mars-1"), None);
        assert!(REGION_LOCATIONS.iter().all(|(r, ..)| crate::net::is_region_name(r)));
        for r in catalog().mantle_regions.iter().flat_map(|l| &l.value.regions) {
            assert!(REGION_LOCATIONS.iter().any(|(code, ..)| code == r), "{r} has no location");
        }
    }

    #[test]
    fn allowlist_changes_at_0_134_0_135_and_0_162() {
        assert!(!rules("0.132.0").mantle_regions().contains(&"us-gov-west-1".to_string()));
        assert!(rules("0.134.0").mantle_regions().contains(&"us-gov-west-1".to_string()));
        assert!(!rules("0.160.0").mantle_regions().contains(&"us-gov-west-1".to_string()));
        assert_eq!(rules("0.162.0").mantle_regions().len(), 14);
    }

    #[test]
    fn features_are_half_open_ranges() {
        assert!(!rules("0.127.0").has(Feature::WebSearchSuppressed));
        assert!(rules("0.146.0").has(Feature::WebSearchSuppressed));
        assert!(!rules("0.147.0").has(Feature::WebSearchSuppressed));
        assert!(!rules("0.156.0").has(Feature::UnknownKeyWarning));
        assert!(rules("0.156.1").has(Feature::UnknownKeyWarning));
    }

    #[test]
    fn prerelease_follows_its_release_line() {
        assert!(rules("0.136.0-alpha.2").has(Feature::BearerRegionFromEnv));
    }

    #[test]
    fn default_model_is_first_catalog_entry() {
        assert_eq!(rules("0.169.0").default_model(), Some("openai.gpt-6.1-sol"));
        assert_eq!(rules("0.124.0").default_model(), Some("gpt-5.4"));
        // 0.171.0 (E, `model-unset` and `debug-models-*`): a new default on both providers.
        assert_eq!(rules("0.171.0").default_model(), Some("openai.gpt-6.2-sol"));
        assert_eq!(rules("0.171.0").runtime_catalog().first().map(String::as_str), Some("global.openai.gpt-6.2-sol"));
        assert_eq!((rules("0.171.0").model_catalog().len(), rules("0.171.0").runtime_catalog().len()), (11, 20));
        assert!(!rules("0.171.0").is_newer_than_known());
    }

    #[test]
    fn newer_than_known_uses_newest_rules() {
        let r = rules("0.999.0");
        assert!(r.is_newer_than_known());
        assert!(r.is_newer_than_verified());
        let newest = catalog().meta.tested_versions.iter().max().unwrap().clone();
        assert!(!Rules::for_version(newest).is_newer_than_verified());
        assert_eq!(r.mantle_regions().len(), 14);
    }
}
