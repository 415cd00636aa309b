//! Editing a TOML document in place without losing what the user wrote: comments, spacing, key order,
//! quoting, dotted keys and inline tables, line endings and a byte-order mark.
//!
//! toml_edit keeps formatting for untouched items, with three pitfalls (measured on toml_edit 0.25, and
//! pinned by the tests below): assigning a value drops its decor (the trailing comment),
//! missing tables created by indexing come out inline, and output always uses `\n` and no BOM.
//! Removing a key also removes the comment lines above it and its trailing comment, so those are moved
//! to the next item instead.

use toml_edit::{DocumentMut, Item, Table, TableLike, Value};

/// One typed edit of a TOML file.
#[derive(Clone, Debug)]
pub enum Edit {
    /// Set the value at a key path, creating missing tables.
    Set {
        /// Key path from the document root.
        path: Vec<String>,
        /// The new value.
        value: Value,
    },
    /// Remove the key at a path (its comments are kept).
    Remove {
        /// Key path from the document root.
        path: Vec<String>,
    },
    /// Rename the last key of a path in place: its value, comments, place among its siblings and every
    /// table header under it stay as they were. Refused when the new name is taken.
    Rename {
        /// Key path from the document root.
        path: Vec<String>,
        /// The new last key.
        to: String,
    },
}

impl Edit {
    /// The key path.
    pub fn path(&self) -> &[String] {
        match self {
            Edit::Set { path, .. } | Edit::Remove { path } | Edit::Rename { path, .. } => path,
        }
    }
}

/// How a file's text is framed, restored after editing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Framing {
    /// Starts with a UTF-8 byte-order mark.
    pub bom: bool,
    /// Uses `\r\n` line endings (the majority of its line breaks).
    pub crlf: bool,
}

impl Framing {
    /// Detects the framing of `text`.
    pub fn of(text: &str) -> Framing {
        let crlf = text.matches("\r\n").count();
        let lf = text.matches('\n').count();
        Framing { bom: text.starts_with('\u{feff}'), crlf: crlf > 0 && crlf * 2 >= lf }
    }

    /// Re-applies the framing to toml_edit's output (which uses `\n` throughout): lines that did not
    /// change keep their own ending, new lines get the file's majority ending, and the BOM comes back.
    pub fn restore(self, original: &str, edited: &str) -> String {
        let original = original.trim_start_matches('\u{feff}');
        let plain = original.replace("\r\n", "\n");
        let endings: Vec<&str> =
            original.split_inclusive('\n').map(|l| if l.ends_with("\r\n") { "\r\n" } else { "\n" }).collect();
        let default = if self.crlf { "\r\n" } else { "\n" };
        let mut out = String::with_capacity(edited.len() + edited.len() / 20);
        if self.bom {
            out.push('\u{feff}');
        }
        let diff = similar::TextDiff::from_lines(plain.as_str(), edited);
        for change in diff.iter_all_changes() {
            if change.tag() == similar::ChangeTag::Delete {
                continue;
            }
            let line = change.value();
            let ending = match (change.tag(), change.old_index()) {
                (similar::ChangeTag::Equal, Some(i)) => endings.get(i).copied().unwrap_or(default),
                _ => default,
            };
            match line.strip_suffix('\n') {
                Some(body) => {
                    out.push_str(body);
                    out.push_str(ending);
                }
                None => out.push_str(line),
            }
        }
        out
    }
}

/// Why an edit could not be applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EditError {
    /// The text is not valid TOML.
    Parse(String),
    /// A key on the path holds a value where a table is needed, or a table where a value is.
    Shape {
        /// The dotted key path.
        path: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// An edit with no key.
    EmptyPath,
}

impl std::fmt::Display for EditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EditError::Parse(e) => f.write_str(e),
            EditError::Shape { path, problem } => write!(f, "`{path}` {problem}"),
            EditError::EmptyPath => f.write_str("empty key path"),
        }
    }
}

impl std::error::Error for EditError {}

/// Applies `edits` to `text`. `Err` when the text does not parse or an edit meets a non-table.
pub fn apply(text: &str, edits: &[Edit]) -> Result<String, EditError> {
    let framing = Framing::of(text);
    let mut doc: DocumentMut = text
        .trim_start_matches('\u{feff}')
        .parse()
        .map_err(|e: toml_edit::TomlError| EditError::Parse(e.to_string()))?;
    for edit in edits {
        match edit {
            Edit::Set { path, value } => set(&mut doc, path, value.clone())?,
            Edit::Remove { path } => remove(&mut doc, path),
            Edit::Rename { path, to } => rename(&mut doc, path, to)?,
        }
    }
    Ok(framing.restore(text, &doc.to_string()))
}

fn set(doc: &mut DocumentMut, path: &[String], value: Value) -> Result<(), EditError> {
    let (last, parents) = path.split_last().ok_or(EditError::EmptyPath)?;
    let shape = |problem| EditError::Shape { path: path.join("."), problem };
    let mut table: &mut dyn TableLike = doc.as_table_mut();
    let mut inline = false;
    for key in parents {
        if table.get(key).is_none() {
            // A new table under an inline table must be inline; elsewhere an implicit standard table,
            // so no empty `[a]` / `[a.b]` headers appear above the one that holds the value.
            let fresh = if inline {
                Item::Value(Value::InlineTable(Default::default()))
            } else {
                let mut t = Table::new();
                t.set_implicit(true);
                Item::Table(t)
            };
            table.insert(key, fresh);
        }
        let item = table.get_mut(key).ok_or_else(|| shape("is not a table"))?;
        inline = inline || item.is_inline_table();
        table = item.as_table_like_mut().ok_or_else(|| shape("is not a table"))?;
    }
    match table.get_mut(last) {
        Some(item) if item.is_value() => {
            let mut value = value;
            if let Some(old) = item.as_value() {
                // Keep the spacing and the trailing comment of the value being replaced.
                *value.decor_mut() = old.decor().clone();
            }
            *item = Item::Value(value);
        }
        Some(_) => return Err(shape("is a table, not a value")),
        None => {
            if parents.is_empty() {
                keep_file_header_first(doc);
                doc.insert(last, Item::Value(value));
            } else {
                table.insert(last, Item::Value(value));
            }
        }
    }
    Ok(())
}

/// A new top-level key prints before every table, so in a file of tables only it would land above the
/// file's header comment (which is the first table's prefix). The comment block up to the last blank
/// line before the first table moves to the top of the document, before the new key; the lines right
/// above the header stay with it.
fn keep_file_header_first(doc: &mut DocumentMut) {
    if doc.as_table().iter().any(|(_, item)| item.is_value() || item.is_array_of_tables()) {
        return;
    }
    let mut first: Option<(isize, String)> = None;
    collect_first_table(doc.as_table(), &mut Vec::new(), &mut first);
    let Some((_, path)) = first else { return };
    let mut table: &mut Table = doc.as_table_mut();
    for key in path.split('\u{0}').filter(|k| !k.is_empty()) {
        let Some(next) = table.get_mut(key).and_then(Item::as_table_mut) else { return };
        table = next;
    }
    let prefix = table.decor().prefix().and_then(|p| p.as_str()).unwrap_or("").to_owned();
    let Some(cut) = prefix.rfind("\n\n").map(|i| i + 2) else { return };
    table.decor_mut().set_prefix(prefix[cut..].to_owned());
    let root = doc.as_table_mut().decor_mut();
    let old = root.prefix().and_then(|p| p.as_str()).unwrap_or("").to_owned();
    root.set_prefix(format!("{old}{}", &prefix[..cut]));
}

/// The printed (not implicit, not dotted) table with the lowest position, as a NUL-joined key path.
fn collect_first_table(table: &Table, path: &mut Vec<String>, first: &mut Option<(isize, String)>) {
    for (key, item) in table.iter() {
        let Some(child) = item.as_table() else { continue };
        path.push(key.to_owned());
        if !child.is_implicit()
            && !child.is_dotted()
            && let Some(pos) = child.position()
            && first.as_ref().is_none_or(|(p, _)| pos < *p)
        {
            *first = Some((pos, path.join("\u{0}")));
        }
        collect_first_table(child, path, first);
        path.pop();
    }
}

fn rename(doc: &mut DocumentMut, path: &[String], to: &str) -> Result<(), EditError> {
    let (last, parents) = path.split_last().ok_or(EditError::EmptyPath)?;
    let shape = |problem| EditError::Shape { path: path.join("."), problem };
    // Standard and dotted tables only: an inline table's keys are one value, edited by hand.
    let mut table: &mut Table = doc.as_table_mut();
    for key in parents {
        table = table.get_mut(key).and_then(Item::as_table_mut).ok_or_else(|| shape("is not under a [table]"))?;
    }
    if !table.contains_key(last) || last == to {
        return Ok(());
    }
    if table.contains_key(to) {
        return Err(shape("cannot be renamed: the new name is taken"));
    }
    // Every entry is taken out and put back in order, so the renamed one keeps its place.
    let keys: Vec<String> = table.iter().map(|(k, _)| k.to_owned()).collect();
    for k in keys {
        let Some((key, item)) = table.remove_entry(&k) else { continue };
        let key = if k == *last {
            toml_edit::Key::new(to)
                .with_leaf_decor(key.leaf_decor().clone())
                .with_dotted_decor(key.dotted_decor().clone())
        } else {
            key
        };
        table.insert_formatted(&key, item);
    }
    Ok(())
}

/// The `# …` lines of a decor string.
fn comment_lines(decor: Option<&toml_edit::RawString>) -> String {
    let text = decor.and_then(|d| d.as_str()).unwrap_or("");
    text.lines().filter(|l| l.trim_start().starts_with('#')).map(|l| format!("{}\n", l.trim())).collect()
}

/// What a removed key carried that must survive: its comment lines, its trailing comment, and for a
/// table, the comments around its header and those of everything inside it.
fn comments_of(key: &toml_edit::Key, item: &Item) -> String {
    let mut kept = comment_lines(key.leaf_decor().prefix());
    if let Item::Table(table) = item {
        kept.push_str(&comment_lines(table.decor().prefix()));
        kept.push_str(&comment_lines(table.decor().suffix()));
        for (k, v) in table.iter() {
            if let Some(inner) = table.key(k) {
                kept.push_str(&comments_of(inner, v));
            }
        }
        return kept;
    }
    if let Some(suffix) = item.as_value().and_then(|v| v.decor().suffix()).and_then(|s| s.as_str())
        && let Some(comment) = suffix.find('#').map(|i| &suffix[i..])
    {
        kept.push_str(comment.trim_end());
        kept.push('\n');
    }
    kept
}

fn remove(doc: &mut DocumentMut, path: &[String]) {
    let Some((last, parents)) = path.split_last() else { return };
    let mut table: &mut dyn TableLike = doc.as_table_mut();
    for key in parents {
        let Some(next) = table.get_mut(key).and_then(Item::as_table_like_mut) else { return };
        table = next;
    }
    let Some((key, item)) = table.get_key_value(last) else { return };
    let comments = comments_of(key, item);
    // A dotted sibling (`aws.region = …`) or an implicit table (`model_providers` above
    // `[model_providers.amazon-bedrock.aws]`) does not print its key's leaf decor, so comments moved
    // there would vanish: they go to a value or a `[table]` sibling; else, at the top level, to the top
    // of the document (the root table's prefix: a file's header comment stays first); else to the end
    // of the document.
    let next_key = table
        .iter()
        .skip_while(|(k, _)| *k != last.as_str())
        .nth(1)
        .filter(|(_, item)| item.as_table().is_none_or(|t| !t.is_dotted() && !t.is_implicit()))
        .map(|(k, _)| k.to_owned());
    table.remove(last);
    if comments.is_empty() {
        return;
    }
    match next_key.and_then(|k| table.key_mut(&k)) {
        Some(mut next) => {
            let decor = next.leaf_decor_mut();
            let old = decor.prefix().and_then(|p| p.as_str()).unwrap_or("").to_owned();
            decor.set_prefix(format!("{comments}{old}"));
        }
        None if parents.is_empty() => {
            let root = doc.as_table_mut().decor_mut();
            let old = root.prefix().and_then(|p| p.as_str()).unwrap_or("").to_owned();
            // A blank line after: the moved lines are the file's header, not the next table's comment.
            root.set_prefix(format!("{old}{comments}\n"));
        }
        None => {
            // The last key of its table: its comments go to the end of the document, the one place
            // toml_edit renders text after every table.
            let trailing = doc.trailing().as_str().unwrap_or("").to_owned();
            let sep = if trailing.is_empty() || trailing.ends_with('\n') { "" } else { "\n" };
            doc.set_trailing(format!("{trailing}{sep}{comments}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set_edit(path: &str, v: &str) -> Edit {
        Edit::Set { path: path.split('.').map(str::to_owned).collect(), value: Value::from(v) }
    }

    fn remove_edit(path: &str) -> Edit {
        Edit::Remove { path: path.split('.').map(str::to_owned).collect() }
    }

    #[test]
    fn set_keeps_trailing_comment_and_creates_a_section() {
        let text = "# top\nmodel = \"gpt-5\"   # mine\n\n[tui]\nx = 1\n";
        let out = apply(
            text,
            &[set_edit("model", "openai.gpt-5.5"), set_edit("model_providers.amazon-bedrock.aws.region", "us-east-1")],
        )
        .unwrap();
        assert_eq!(
            out,
            "# top\nmodel = \"openai.gpt-5.5\"   # mine\n\n[tui]\nx = 1\n\n[model_providers.amazon-bedrock.aws]\nregion = \"us-east-1\"\n"
        );
    }

    #[test]
    fn dotted_and_inline_forms_are_edited_in_their_own_form() {
        let dotted = apply(
            "model_providers.amazon-bedrock.aws.region = \"us-west-1\"\n",
            &[set_edit("model_providers.amazon-bedrock.aws.region", "us-west-2")],
        )
        .unwrap();
        assert_eq!(dotted, "model_providers.amazon-bedrock.aws.region = \"us-west-2\"\n");
        let inline = apply(
            "[model_providers]\namazon-bedrock = { aws = { region = \"us-west-1\" } }\n",
            &[set_edit("model_providers.amazon-bedrock.aws.region", "us-west-2")],
        )
        .unwrap();
        assert_eq!(inline, "[model_providers]\namazon-bedrock = { aws = { region = \"us-west-2\" } }\n");
        let quoted = apply(
            "[model_providers.\"amazon-bedrock\".aws]\nregion = \"x\"\n",
            &[set_edit("model_providers.amazon-bedrock.aws.profile", "dev")],
        )
        .unwrap();
        assert_eq!(quoted, "[model_providers.\"amazon-bedrock\".aws]\nregion = \"x\"\nprofile = \"dev\"\n");
    }

    #[test]
    fn remove_moves_comments_to_the_next_key_or_the_end() {
        let text = "[model_providers.amazon-bedrock]\n# why\nname = \"Amazon Bedrock\" # built-in name\nbase_url = \"x\"\n\n[tui]\nn = 1\n";
        let out = apply(text, &[remove_edit("model_providers.amazon-bedrock.name")]).unwrap();
        assert_eq!(out, "[model_providers.amazon-bedrock]\n# why\n# built-in name\nbase_url = \"x\"\n\n[tui]\nn = 1\n");
        let last = apply("[a]\n# keep me\nk = 1 # and me\n", &[remove_edit("a.k")]).unwrap();
        assert!(last.contains("# keep me") && last.contains("# and me"), "{last}");
        // The file's header comment, attached to a removed first key followed by tables only, stays on
        // top (it once moved to an implicit table's key, which is never printed).
        let top = "# header\nprofile = \"x\"  # why\n[model_providers.amazon-bedrock.aws]\nregion = \"us-east-1\"\n";
        assert_eq!(
            apply(top, &[remove_edit("profile")]).unwrap(),
            "# header\n# why\n\n[model_providers.amazon-bedrock.aws]\nregion = \"us-east-1\"\n"
        );
        // A key added to a file of tables only goes after the file's header block, not above it.
        let tables = "# header\n\n# ours\n[model_providers.amazon-bedrock.aws]\nregion = \"us-east-1\"\n";
        assert_eq!(
            apply(tables, &[set_edit("model_provider", "amazon-bedrock")]).unwrap(),
            "# header\n\nmodel_provider = \"amazon-bedrock\"\n# ours\n[model_providers.amazon-bedrock.aws]\nregion = \"us-east-1\"\n"
        );
    }

    #[test]
    fn rename_keeps_comments_order_and_headers() {
        let rename = |text: &str| {
            let path = vec!["model_providers".to_owned(), "amazon_bedrock".to_owned()];
            apply(text, &[Edit::Rename { path, to: "amazon-bedrock".into() }])
        };
        let text = "model_provider = \"x\"\n\n# ours\n[model_providers.amazon_bedrock.aws]  # header\nprofile = \"dev\" # sso\nregion = \"us-east-1\"\n\n[model_providers.other]\nname = \"o\"\n\n[tui]\nn = 1\n";
        assert_eq!(rename(text).unwrap(), text.replace("amazon_bedrock", "amazon-bedrock"));
        let dotted = "model_providers.amazon_bedrock.aws.region = \"us-east-1\" # r\nmodel = \"m\"\n";
        assert_eq!(rename(dotted).unwrap(), dotted.replace("amazon_bedrock", "amazon-bedrock"));
        let taken = "[model_providers.amazon_bedrock]\nx = 1\n[model_providers.amazon-bedrock]\ny = 2\n";
        assert!(matches!(rename(taken), Err(EditError::Shape { .. })));
    }

    #[test]
    fn crlf_and_bom_survive() {
        let text = "\u{feff}# c\r\nmodel = \"a\"\r\n";
        let out = apply(text, &[set_edit("model", "b")]).unwrap();
        assert_eq!(out, "\u{feff}# c\r\nmodel = \"b\"\r\n");
    }

    #[test]
    fn mixed_line_endings_are_kept_line_by_line() {
        let text = "a = 1\r\nmodel = \"x\"\nb = 2\r\n";
        assert_eq!(apply(text, &[set_edit("model", "y")]).unwrap(), "a = 1\r\nmodel = \"y\"\r\nb = 2\r\n");
        let lf = "a = 1\nb = 2\n";
        assert_eq!(apply(lf, &[set_edit("c", "z")]).unwrap(), "a = 1\nb = 2\nc = \"z\"\n");
    }

    #[test]
    fn untouched_documents_round_trip() {
        let text = "# c\n\nmodel = \"a\" # x\n[t]\n  indented = { a = 1 , b = 2 }\n";
        assert_eq!(apply(text, &[]).unwrap(), text);
    }
}
