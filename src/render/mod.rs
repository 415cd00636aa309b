//! Renderers: pure functions from the report (and the prediction) to text. They compute nothing and
//! decide nothing; the caller scrubs secrets from what they return before it is written.

pub mod human;
pub mod json;

use crate::context::Context;
use crate::report::Report;

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people: one line per check, then a remediation table.
    Human,
    /// The JSON report of PRODUCT.md.
    Json,
}

/// Presentation choices for the human format.
#[derive(Clone, Copy, Debug, Default)]
pub struct Style {
    /// ANSI colours.
    pub color: bool,
    /// ASCII symbols only.
    pub ascii: bool,
    /// Details and every finding under each check.
    pub verbose: bool,
}

/// Renders the report.
pub fn render(format: Format, ctx: &Context, report: &Report, style: Style) -> String {
    match format {
        Format::Human => human::render(ctx, report, style),
        Format::Json => json::render(ctx, report),
    }
}
