//! Codex's configuration as the selected version assembles it: `config.toml`, then the profile
//! (`[profiles.X]` up to 0.132, `$CODEX_HOME/X.config.toml` from 0.134), then `-c key=value` overrides.
//!
//! Each layer keeps its parsed `toml_edit` tree with spans, so every value found can be traced back to
//! the file, line and column that set it. Lookups walk the layers from the highest precedence down, which
//! is the same result as Codex's deep merge of tables for every leaf.

use std::ops::Range;
use std::path::{Path, PathBuf};

use toml_edit::{Item, Table, TableLike};

use super::files::{LineIndex, Location, SourceFile, locate};

/// A config file and the outcome of parsing it.
#[derive(Clone, Debug)]
pub struct ConfigFile {
    /// The file as read.
    pub source: SourceFile,
    /// The parse result, when the file's text could be read.
    pub parsed: Option<Result<Table, ParseError>>,
    /// Where each line of the text starts, for locating many keys in linear time.
    pub lines: LineIndex,
}

/// A TOML syntax error at a position.
#[derive(Clone, Debug)]
pub struct ParseError {
    /// The parser's message (the same parser family Codex uses, so the wording matches).
    pub message: String,
    /// Where the error is.
    pub location: Location,
    /// Length of the offending span, in characters (at least 1).
    pub width: usize,
    /// The text of the offending line.
    pub source_line: String,
}

impl ConfigFile {
    /// Reads and parses `path`.
    pub fn load(path: &Path) -> ConfigFile {
        let source = SourceFile::read(path);
        let parsed = source.text().map(|text| parse(path, text));
        let lines = source.text().map(LineIndex::new).unwrap_or_default();
        ConfigFile { source, parsed, lines }
    }

    /// The parsed root table, when the file exists and parses.
    pub fn table(&self) -> Option<&Table> {
        self.parsed.as_ref().and_then(|p| p.as_ref().ok())
    }

    /// The syntax error, if the file did not parse.
    pub fn parse_error(&self) -> Option<&ParseError> {
        self.parsed.as_ref().and_then(|p| p.as_ref().err())
    }

    /// Where `span` of this file is.
    pub fn locate(&self, span: &Range<usize>) -> Option<Location> {
        let text = self.source.text()?;
        let (line, column) = self.lines.line_col(text, span.start);
        Some(Location { file: self.source.path.clone(), line, column })
    }
}

fn parse(path: &Path, text: &str) -> Result<Table, ParseError> {
    // Codex reads the file with `std::fs::read_to_string` and hands it to the `toml` crate; both it and
    // `toml_edit` sit on `toml_parser`, so syntax errors (and the acceptance of a leading byte-order mark)
    // match; see tests::bom_is_accepted_like_codex.
    match toml_edit::Document::parse(text.to_owned()) {
        Ok(doc) => Ok(doc.as_table().clone()),
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            let location = locate(path, text, &(span.start..span.start));
            let source_line = text.lines().nth(location.line - 1).unwrap_or("").to_owned();
            let width = text.get(span.clone()).map_or(1, |s| s.chars().count().max(1));
            Err(ParseError { message: e.message().trim_end().to_owned(), location, width, source_line })
        }
    }
}

/// Where a layer comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LayerSource {
    /// `$CODEX_HOME/config.toml`.
    Base,
    /// A legacy `[profiles.NAME]` table of config.toml (Codex ≤ 0.132).
    LegacyProfile(String),
    /// `$CODEX_HOME/NAME.config.toml` (Codex ≥ 0.134).
    ProfileFile(String),
    /// `-c key=value` on the command line.
    Override,
}

/// One layer of configuration.
#[derive(Clone, Debug)]
pub struct Layer {
    /// Where it comes from.
    pub source: LayerSource,
    /// Index into [`CodexConfig::files`] for spans, `None` for overrides.
    pub file: Option<usize>,
    /// The layer's root table.
    pub root: Table,
}

/// A value found in the effective configuration.
#[derive(Clone, Debug)]
pub struct Found<'a> {
    /// The value.
    pub item: &'a Item,
    /// The layer that set it.
    pub layer: &'a Layer,
    /// Span of the key that set it, in the layer's file.
    pub key_span: Option<Range<usize>>,
}

impl Found<'_> {
    /// The string value, if the item is a string.
    pub fn as_str(&self) -> Option<&str> {
        self.item.as_str()
    }

    /// How serde would name the item's type in an "invalid type" error.
    pub fn serde_unexpected(&self) -> String {
        describe_for_serde(self.item)
    }
}

/// Names a TOML item the way serde's `invalid type: …` errors do.
pub fn describe_for_serde(item: &Item) -> String {
    use toml_edit::Value;
    match item {
        Item::None => "unit".into(),
        Item::Table(_) | Item::ArrayOfTables(_) => "map".into(),
        Item::Value(v) => match v {
            Value::String(s) => format!("string {:?}", s.value()),
            Value::Integer(i) => format!("integer `{}`", i.value()),
            Value::Float(f) => format!("floating point `{}`", f.value()),
            Value::Boolean(b) => format!("boolean `{}`", b.value()),
            Value::Datetime(_) => "map".into(),
            Value::Array(_) => "sequence".into(),
            Value::InlineTable(_) => "map".into(),
        },
    }
}

/// The assembled configuration: files and layers, lowest precedence first.
#[derive(Clone, Debug, Default)]
pub struct CodexConfig {
    /// Every config file read (config.toml first).
    pub files: Vec<ConfigFile>,
    /// Layers, lowest precedence first.
    pub layers: Vec<Layer>,
    /// Overrides that could not be parsed (`-c` without `=`, empty key), with Codex's message.
    pub override_errors: Vec<String>,
}

impl CodexConfig {
    /// The base `config.toml`.
    pub fn base(&self) -> Option<&ConfigFile> {
        self.files.first()
    }

    /// The value at `path`, from the highest-precedence layer that has it.
    pub fn get(&self, path: &[&str]) -> Option<Found<'_>> {
        self.layers.iter().rev().find_map(|layer| lookup(layer, path))
    }

    /// The string at `path`; `Err` carries the found item when it is not a string.
    pub fn get_str(&self, path: &[&str]) -> Result<Option<(&str, Found<'_>)>, Found<'_>> {
        match self.get(path) {
            None => Ok(None),
            Some(found) => match found.item.as_str() {
                Some(s) => Ok(Some((s, found))),
                None => Err(found),
            },
        }
    }

    /// The keys of the table at `path`, merged over layers, each with the highest-precedence value.
    pub fn keys(&self, path: &[&str]) -> Vec<(String, Found<'_>)> {
        let mut out: Vec<(String, Found<'_>)> = Vec::new();
        // A set, not a scan of `out` per key: 100k keys would otherwise cost 10^10 comparisons.
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for layer in self.layers.iter().rev() {
            let Some(table) = lookup(layer, path).and_then(|f| f.item.as_table_like()) else {
                continue;
            };
            for (key, _) in table.iter() {
                if seen.insert(key) {
                    let mut child: Vec<&str> = path.to_vec();
                    child.push(key);
                    if let Some(found) = lookup(layer, &child) {
                        out.push((key.to_owned(), found));
                    }
                }
            }
        }
        out
    }

    /// Where `found` was set, when it came from a file.
    pub fn location(&self, found: &Found<'_>) -> Option<Location> {
        let file = self.files.get(found.layer.file?)?;
        let span = found.key_span.clone().or_else(|| found.item.span())?;
        file.locate(&span)
    }

    /// Where the table at `path` starts in the highest layer that has it.
    pub fn table_location(&self, path: &[&str]) -> Option<Location> {
        let found = self.get(path)?;
        self.location(&found)
    }

    /// The path of the file a layer came from.
    pub fn layer_path(&self, layer: &Layer) -> Option<&Path> {
        Some(self.files.get(layer.file?)?.source.path.as_path())
    }
}

fn lookup<'a>(layer: &'a Layer, path: &[&str]) -> Option<Found<'a>> {
    // A legacy `[profiles.X]` table carries top-level settings (model, model_provider, …) but never
    // provider definitions, which stay in the top-level `[model_providers]` (reference §2.7).
    let root: &Table = match &layer.source {
        LayerSource::LegacyProfile(name) => {
            if path.first() == Some(&"model_providers") {
                return None;
            }
            layer.root.get("profiles")?.as_table_like()?.get(name)?.as_table()?
        }
        _ => &layer.root,
    };
    let (last, parents) = path.split_last()?;
    let mut table: &dyn TableLike = root;
    for key in parents {
        table = table.get(key)?.as_table_like()?;
    }
    let (key, item) = table.get_key_value(last)?;
    Some(Found { item, layer, key_span: key.span() })
}

/// Builds the override layer from `-c key=value` arguments, as Codex parses them: split at the first `=`,
/// trim both sides, parse the value as a TOML value and fall back to the raw text (surrounding quotes
/// stripped) when it is not one; the key is a dotted path.
pub fn parse_overrides(raw: &[String]) -> (Option<Table>, Vec<String>) {
    let mut root = Table::new();
    let mut errors = Vec::new();
    for arg in raw {
        let Some((key, value)) = arg.split_once('=') else {
            errors.push(format!("Invalid override (missing '='): {arg}"));
            continue;
        };
        let key = key.trim();
        if key.is_empty() {
            errors.push(format!("Empty key in override: {arg}"));
            continue;
        }
        let value = value.trim();
        let parsed = format!("_x_ = {value}")
            .parse::<toml_edit::DocumentMut>()
            .ok()
            .and_then(|doc| doc.get("_x_").and_then(|i| i.as_value().cloned()));
        let value = parsed.unwrap_or_else(|| toml_edit::Value::from(value.trim_matches(|c| c == '"' || c == '\'')));
        insert_dotted(&mut root, key, value);
    }
    ((!root.is_empty()).then_some(root), errors)
}

fn insert_dotted(root: &mut Table, key: &str, value: toml_edit::Value) {
    let parts: Vec<&str> = key.split('.').collect();
    let Some((last, parents)) = parts.split_last() else { return };
    let mut table = root;
    for part in parents {
        let entry = table.entry(part).or_insert_with(|| {
            let mut t = Table::new();
            t.set_implicit(true);
            Item::Table(t)
        });
        // Codex deep-merges overrides: an inline table set by an earlier `-c` is merged into, not replaced.
        if let Some(inline) = entry.as_inline_table().cloned() {
            *entry = Item::Table(inline.into_table());
        } else if !entry.is_table() {
            let mut t = Table::new();
            t.set_implicit(true);
            *entry = Item::Table(t);
        }
        let Some(next) = entry.as_table_mut() else { return };
        table = next;
    }
    table.insert(last, Item::Value(value));
}

/// Assembles the layers. `profile` is the selected Codex profile (`--profile` or, for legacy versions,
/// the `profile =` key), `profiles_v2` says which mechanism the version uses.
pub fn assemble(
    codex_home: &Path,
    base_path: &Path,
    profile: Option<&str>,
    profiles_v2: bool,
    overrides: &[String],
) -> CodexConfig {
    let base = ConfigFile::load(base_path);
    let mut config = CodexConfig { files: vec![base], ..Default::default() };
    if let Some(root) = config.files[0].table().cloned() {
        config.layers.push(Layer { source: LayerSource::Base, file: Some(0), root });
    }
    let (override_table, errors) = parse_overrides(overrides);
    config.override_errors = errors;

    // Legacy selection may come from `profile = "x"` in config.toml or `-c profile=x`.
    let legacy_selector = || -> Option<String> {
        let from_override = override_table.as_ref().and_then(|t| t.get("profile")).and_then(|i| i.as_str());
        let from_base = config.files[0].table().and_then(|t| t.get("profile")).and_then(|i| i.as_str());
        from_override.or(from_base).map(str::to_owned)
    };
    if profiles_v2 {
        if let Some(name) = profile.filter(|n| is_profile_name(n)) {
            let file = ConfigFile::load(&profile_file_path(codex_home, name));
            config.files.push(file);
            let idx = config.files.len() - 1;
            if let Some(root) = config.files[idx].table().cloned() {
                config.layers.push(Layer { source: LayerSource::ProfileFile(name.to_owned()), file: Some(idx), root });
            }
        }
    } else if let Some(name) = profile.map(str::to_owned).or_else(legacy_selector)
        && let Some(root) = config.files[0].table().cloned()
    {
        config.layers.push(Layer { source: LayerSource::LegacyProfile(name), file: Some(0), root });
    }
    if let Some(root) = override_table {
        config.layers.push(Layer { source: LayerSource::Override, file: None, root });
    }
    config
}

/// Whether `name` can name a profile file: one path component, so `NAME.config.toml` stays inside
/// `$CODEX_HOME` (an absolute or `../` name would point anywhere).
pub fn is_profile_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(['/', '\\']) && !name.contains("..")
}

/// `$CODEX_HOME/NAME.config.toml`.
pub fn profile_file_path(codex_home: &Path, name: &str) -> PathBuf {
    codex_home.join(format!("{name}.config.toml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_with(text: &str, overrides: &[&str]) -> (tempfile::TempDir, CodexConfig) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), text).unwrap();
        let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
        let config = assemble(dir.path(), &dir.path().join("config.toml"), None, true, &overrides);
        (dir, config)
    }

    #[test]
    fn dotted_inline_and_table_forms_all_resolve() {
        for text in [
            "[model_providers.amazon-bedrock.aws]\nregion = \"eu-west-1\"\n",
            "model_providers.amazon-bedrock.aws.region = \"eu-west-1\"\n",
            "[model_providers]\namazon-bedrock = { aws = { region = \"eu-west-1\" } }\n",
            "[model_providers.\"amazon-bedrock\".aws]\nregion = \"eu-west-1\"\n",
        ] {
            let (_d, config) = config_with(text, &[]);
            let (value, _) = config.get_str(&["model_providers", "amazon-bedrock", "aws", "region"]).unwrap().unwrap();
            assert_eq!(value, "eu-west-1", "{text}");
        }
    }

    #[test]
    fn overrides_win_and_parse_like_codex() {
        let (_d, config) = config_with(
            "model = \"openai.gpt-5.5\"\n",
            &[
                "model_providers.amazon-bedrock.aws.region=sa-east-1",
                "model = \"openai.gpt-5.4\"",
                "web_search=disabled",
            ],
        );
        assert_eq!(config.get_str(&["model"]).unwrap().unwrap().0, "openai.gpt-5.4");
        assert_eq!(
            config.get_str(&["model_providers", "amazon-bedrock", "aws", "region"]).unwrap().unwrap().0,
            "sa-east-1"
        );
        assert_eq!(config.get_str(&["web_search"]).unwrap().unwrap().0, "disabled");
        let (_t, errors) = parse_overrides(&["noequals".into(), " =x".into()]);
        assert_eq!(errors.len(), 2);
    }

    #[test]
    fn locations_point_at_the_key() {
        let (_d, config) = config_with("# c\nmodel = \"x\"\n[model_providers.amazon-bedrock.aws]\nregion = 123\n", &[]);
        let found = config.get(&["model_providers", "amazon-bedrock", "aws", "region"]).unwrap();
        let loc = config.location(&found).unwrap();
        assert_eq!((loc.line, loc.column), (4, 1));
        assert_eq!(found.serde_unexpected(), "integer `123`");
    }

    #[test]
    fn syntax_error_has_line_and_column() {
        let (_d, config) = config_with("model = \"x\"\n[model_providers.amazon-bedrock\nregion = 1\n", &[]);
        let err = config.files[0].parse_error().unwrap();
        assert_eq!(err.location.line, 2);
        assert!(config.layers.is_empty());
    }

    #[test]
    fn bom_is_accepted_like_codex() {
        let (_d, config) = config_with("\u{feff}model = \"x\"\n", &[]);
        assert_eq!(config.get_str(&["model"]).unwrap().unwrap().0, "x");
    }

    #[test]
    fn legacy_profile_covers_top_level_keys_only() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.toml"),
            "profile = \"bed\"\nmodel = \"a\"\n[profiles.bed]\nmodel = \"b\"\nmodel_provider = \"amazon-bedrock\"\n",
        )
        .unwrap();
        let config = assemble(dir.path(), &dir.path().join("config.toml"), None, false, &[]);
        assert_eq!(config.get_str(&["model"]).unwrap().unwrap().0, "b");
        let v2 = assemble(dir.path(), &dir.path().join("config.toml"), None, true, &[]);
        assert_eq!(v2.get_str(&["model"]).unwrap().unwrap().0, "a");
    }

    #[test]
    fn keys_merge_over_layers() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), "[model_providers.amazon-bedrock.aws]\nprofile = \"p\"\n")
            .unwrap();
        std::fs::write(
            dir.path().join("bed.config.toml"),
            "[model_providers.amazon-bedrock.aws]\nregion = \"us-east-2\"\n",
        )
        .unwrap();
        let config = assemble(dir.path(), &dir.path().join("config.toml"), Some("bed"), true, &[]);
        let keys: Vec<String> =
            config.keys(&["model_providers", "amazon-bedrock", "aws"]).into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, vec!["region".to_string(), "profile".to_string()]);
    }
}
