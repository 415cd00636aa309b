//! Laying out the human output: the width to wrap to, word wrapping with a hanging indent, and the
//! ASCII spelling of the few non-ASCII characters the report uses (`--ascii`).
//!
//! Widths are counted in characters, not bytes: every character the report prints is one column wide
//! (there is no display-width table in the stack, and the texts are English and code). Colour is
//! applied after wrapping, so escape sequences never count.

use std::collections::BTreeMap;

/// The width when stdout is not a terminal and `COLUMNS` does not say otherwise.
pub const DEFAULT_WIDTH: usize = 80;

/// Narrower than this, a hanging indent leaves no room for text: the layout keeps this width.
pub const MIN_WIDTH: usize = 40;

/// The environment variable that sets the width (as `ls` and most CLIs read it).
pub const COLUMNS: &str = crate::env_vars::COLUMNS;

/// How the human output is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Columns per line.
    pub width: usize,
    /// ASCII only.
    pub ascii: bool,
}

impl Default for Layout {
    fn default() -> Layout {
        Layout { width: DEFAULT_WIDTH, ascii: false }
    }
}

/// The width to wrap to: `COLUMNS` when it is a number (the user's explicit choice, also for a pipe),
/// else the terminal's width when stdout is one, else 80 (a file or a pipe gets the same text on every
/// machine). Never below [`MIN_WIDTH`].
pub fn width(env: &BTreeMap<String, String>) -> usize {
    let chosen = env
        .get(COLUMNS)
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|w| *w > 0)
        .or_else(terminal_width)
        .unwrap_or(DEFAULT_WIDTH);
    chosen.max(MIN_WIDTH)
}

/// The width of the terminal on stdout, when stdout is one.
#[cfg(unix)]
fn terminal_width() -> Option<usize> {
    let stdout = std::io::stdout();
    if !rustix::termios::isatty(&stdout) {
        return None;
    }
    rustix::termios::tcgetwinsize(&stdout).ok().map(|w| usize::from(w.ws_col)).filter(|w| *w > 0)
}

/// No terminal size query without `unsafe` here: the default width.
#[cfg(not(unix))]
fn terminal_width() -> Option<usize> {
    None
}

/// The ASCII spelling of `text` (`--ascii`): the typographic characters the report uses get their
/// usual ASCII forms, anything else is escaped as `\u{…}`, so no byte ≥ 0x80 is printed.
pub fn to_ascii(text: &str) -> String {
    if text.is_ascii() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            c if c.is_ascii() => out.push(c),
            '·' | '•' | '–' => out.push('-'),
            '—' => out.push_str("--"),
            '…' => out.push_str("..."),
            '→' => out.push_str("->"),
            '←' => out.push_str("<-"),
            '≥' => out.push_str(">="),
            '≤' => out.push_str("<="),
            '≠' => out.push_str("!="),
            '×' => out.push('x'),
            '‘' | '’' => out.push('\''),
            '“' | '”' => out.push('"'),
            '✓' => out.push_str("ok"),
            '✗' => out.push('x'),
            '§' => out.push_str("sec."),
            '\u{a0}' => out.push(' '),
            other => out.push_str(&format!("\\u{{{:x}}}", u32::from(other))),
        }
    }
    out
}

/// Number of columns `text` takes (characters, not bytes).
pub fn columns(text: &str) -> usize {
    text.chars().count()
}

impl Layout {
    /// `text` as this layout spells it (ASCII or not), unwrapped.
    pub fn spell(&self, text: &str) -> String {
        if self.ascii { to_ascii(text) } else { text.to_owned() }
    }

    /// `text` laid out from column `col` (where the caller has already written its prefix) to the
    /// width: the first line without indent, every further line indented by `col` spaces so that the
    /// text stays in one column. Lines of `text` stay lines. Returns no trailing newline.
    pub fn hanging(&self, col: usize, text: &str) -> String {
        let text = self.spell(text);
        let room = self.width.saturating_sub(col).max(MIN_WIDTH / 2);
        let mut out = String::new();
        for (p, paragraph) in text.split('\n').enumerate() {
            // A line's own indent is kept, and its continuation lines go two further (a list entry).
            let lead = paragraph.len() - paragraph.trim_start_matches(' ').len();
            let more = if lead > 0 { lead + 2 } else { 0 };
            for (i, line) in fill(paragraph, room.saturating_sub(more).max(1)).into_iter().enumerate() {
                let pad = if i == 0 { lead } else { more };
                if p == 0 && i == 0 {
                    out.push_str(&format!("{:pad$}{line}", ""));
                    continue;
                }
                // A word too long for the text column (a URL) but not for the line starts further
                // left, so that it ends at the width instead of past it.
                let cols = col + pad + columns(&line);
                let indent = if cols > self.width { (col + pad).saturating_sub(cols - self.width) } else { col + pad };
                out.push_str(&format!("\n{:indent$}{line}", ""));
            }
        }
        out
    }
}

/// Greedy fill of one line of text into lines of at most `room` columns. Breaks only at spaces; a
/// backticked code span is kept on one line when it fits on one; a single word longer than `room` is
/// left whole.
pub fn fill(text: &str, room: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_cols = 0;
    for unit in units(text, room) {
        let cols = columns(&unit);
        if line_cols > 0 && line_cols + 1 + cols > room {
            lines.push(std::mem::take(&mut line));
            line_cols = 0;
        }
        if line_cols > 0 {
            line.push(' ');
            line_cols += 1;
        }
        line.push_str(&unit);
        line_cols += cols;
    }
    lines.push(line);
    lines
}

/// The unbreakable pieces of `text`: words, except that the words of a backticked code span that fits
/// in `room` are one piece. A line breaks at one space of a run; the others stay in front of the next
/// word, so a value with two spaces is shown with two (the text at either end is the caller's indent).
fn units(text: &str, room: usize) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut extra = 0;
    for piece in text.trim_matches(' ').split(' ') {
        if piece.is_empty() {
            extra += 1;
        } else {
            words.push(format!("{:extra$}{piece}", ""));
            extra = 0;
        }
    }
    let mut out = Vec::new();
    let mut span: Vec<&str> = Vec::new();
    for word in words.iter().map(String::as_str) {
        let odd = word.matches('`').count() % 2 == 1;
        if span.is_empty() {
            if odd {
                span.push(word);
            } else {
                out.push(word.to_owned());
            }
            continue;
        }
        span.push(word);
        if odd {
            flush_span(&mut span, room, &mut out);
        }
    }
    // An unclosed backtick: its words as they are.
    out.extend(span.drain(..).map(str::to_owned));
    out
}

fn flush_span(span: &mut Vec<&str>, room: usize, out: &mut Vec<String>) {
    let joined = span.join(" ");
    if columns(&joined) <= room {
        out.push(joined);
    } else {
        out.extend(span.iter().map(|w| (*w).to_owned()));
    }
    span.clear();
}

/// Wraps text that was laid out without a width (the output of `fix`), line by line. A line that fits
/// is kept; a longer one is filled with a hanging indent under its text column: after the last gap of
/// two or more spaces in its first half (the end of a table's label columns, and past a leading
/// arrow), else two past its own indent. A unified diff is never touched: its lines are the file's.
pub fn reflow(text: &str, layout: Layout) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_diff = false;
    let mut previous = "";
    for line in text.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        if body.starts_with("+++ ") && previous.starts_with("--- ") {
            in_diff = true;
        } else if in_diff && !body.starts_with([' ', '+', '-', '@', '\\']) {
            in_diff = false;
        }
        let diff_head = body.starts_with("--- ");
        previous = body;
        if in_diff || diff_head {
            out.push_str(body);
        } else {
            let body = layout.spell(body);
            if columns(&body) <= layout.width {
                out.push_str(&body);
            } else {
                let (start, col) = text_column(&body, layout.width / 2);
                let (head, rest): (String, String) =
                    (body.chars().take(start).collect(), body.chars().skip(start).collect());
                out.push_str(&head);
                out.push_str(&Layout { ascii: false, ..layout }.hanging(col, &rest));
            }
        }
        out.push_str(newline);
    }
    out
}

/// Where the text of a table line starts, and the column its continuation lines go to (see
/// [`reflow`]). A line without label columns keeps its indent, and continues two further.
fn text_column(line: &str, limit: usize) -> (usize, usize) {
    let chars: Vec<char> = line.chars().collect();
    let indent = chars.iter().take_while(|c| **c == ' ').count();
    let mut col = None;
    let mut i = indent;
    while i + 1 < chars.len().min(limit) {
        if chars[i] == ' ' && chars[i + 1] == ' ' {
            let mut j = i;
            while j < chars.len() && chars[j] == ' ' {
                j += 1;
            }
            col = Some(j);
            i = j;
        } else {
            i += 1;
        }
    }
    // A leading arrow marks the line as a continuation: the text starts after it, whether the arrow
    // follows label columns or only the indent (`fix`'s notes), and in either spelling of the arrow.
    let after_arrow = |at: usize| {
        let rest: String = chars[at..].iter().collect();
        ["→ ", "-> "].into_iter().find(|a| rest.starts_with(a)).map(|a| at + columns(a))
    };
    match col {
        Some(col) => {
            let text = after_arrow(col).unwrap_or(col);
            (text, text)
        }
        None => (indent, after_arrow(indent).unwrap_or(indent + 2)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_indented_arrow_line_continues_under_its_text_in_both_spellings() {
        for arrow in ["→", "->"] {
            let line = format!("      {arrow} one two three four five six seven");
            let (_, cont) = text_column(&line, 80);
            assert_eq!(cont, 6 + columns(arrow) + 1, "{arrow}");
        }
    }

    #[test]
    fn runs_of_spaces_inside_the_text_are_kept() {
        let layout = Layout { width: 80, ascii: false };
        assert_eq!(layout.hanging(4, "model `openai.gpt-5.5  x` is unknown"), "model `openai.gpt-5.5  x` is unknown");
        assert_eq!(fill("a   b", 80), vec!["a   b"]);
    }

    #[test]
    fn fills_on_words_with_a_hanging_indent() {
        let layout = Layout { width: 20, ascii: false };
        assert_eq!(layout.hanging(4, "one two three four five six"), "one two three four\n    five six");
    }

    #[test]
    fn a_word_too_long_for_the_column_starts_further_left() {
        let layout = Layout { width: 30, ascii: false };
        assert_eq!(layout.hanging(10, "POST https://example.com/a/b/c/d"), "POST\n   https://example.com/a/b/c/d");
    }

    #[test]
    fn code_spans_stay_whole_when_they_fit_and_long_words_stay_whole() {
        assert_eq!(fill("set `model = \"x\"` now", 14), vec!["set", "`model = \"x\"`", "now"]);
        // Too long for a line: broken at its spaces like any text.
        assert_eq!(fill("`a b c d e f`", 5), vec!["`a b", "c d e", "f`"]);
        assert_eq!(
            fill("a https://example.com/very/long/path b", 10),
            vec!["a", "https://example.com/very/long/path", "b"]
        );
    }

    #[test]
    fn widths_count_characters_not_bytes() {
        // 10 characters, 30 bytes: fits in 10 columns.
        assert_eq!(fill("→→→→ ……… ·", 10), vec!["→→→→ ……… ·"]);
    }

    #[test]
    fn ascii_leaves_nothing_above_0x7f() {
        let text = to_ascii("a · b … c → d — e ≥ f é 🦀");
        assert!(text.is_ascii(), "{text}");
        assert_eq!(text, "a - b ... c -> d -- e >= f \\u{e9} \\u{1f980}");
    }

    #[test]
    fn reflow_keeps_a_plain_line_whole_words_and_its_indent() {
        let layout = Layout { width: 40, ascii: false };
        assert_eq!(
            reflow("  fail region: Codex stops: ERROR: Fatal error: Amazon Bedrock does not support it\n", layout),
            "  fail region: Codex stops: ERROR:\n    Fatal error: Amazon Bedrock does not\n    support it\n"
        );
        let layout = Layout { width: 50, ascii: false };
        assert_eq!(
            reflow("      note               → one two three four five six seven eight nine\n", layout),
            "      note               → one two three four five\n                           six seven eight nine\n"
        );
    }

    #[test]
    fn reflow_wraps_table_lines_and_leaves_diffs() {
        let layout = Layout { width: 40, ascii: true };
        let text = "fix   model-id   Set `model = \"openai.gpt-5.5\"` because the id is a Runtime id\n\n\
                    --- a\n+++ a\n@@ -1 +1 @@\n-model = \"a very long line that is much longer than forty columns\"\n\
                    +model = \"é\"\n\nwrote a\n";
        let out = reflow(text, layout);
        assert_eq!(
            out,
            "fix   model-id   Set `model =\n                 \"openai.gpt-5.5\"`\n                 because the id is a\n                 Runtime id\n\n\
             --- a\n+++ a\n@@ -1 +1 @@\n-model = \"a very long line that is much longer than forty columns\"\n\
             +model = \"é\"\n\nwrote a\n"
        );
    }
}
