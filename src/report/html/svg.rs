//! Inline SVG charts: a bar in a table cell, a horizontal bar chart, a
//! stacked bar. Plain shapes and text, styled by the page's CSS classes; no
//! script, no link, nothing loaded. Labels arrive escaped.

use std::fmt::Write as _;

/// A fraction as a width in 0..=100, finite.
fn percent_width(frac: f64) -> f64 {
    if frac.is_finite() {
        (frac * 100.0).clamp(0.0, 100.0)
    } else {
        0.0
    }
}

/// A small bar filling `frac` (0..=1) of its width, for a table cell.
pub(crate) fn cell_bar(out: &mut String, frac: f64) {
    let w = percent_width(frac);
    let _ = write!(
        out,
        "<svg class=\"cellbar\" viewBox=\"0 0 100 10\" preserveAspectRatio=\"none\" aria-hidden=\"true\">\
<rect class=\"track\" width=\"100\" height=\"10\"/><rect class=\"fill\" width=\"{w:.2}\" height=\"10\"/></svg>"
    );
}

/// One bar of [`bar_chart`]: an escaped label, the value the bar is scaled
/// by, and the escaped text written after it.
pub(crate) struct Bar {
    pub label: String,
    pub value: f64,
    pub shown: String,
}

/// A horizontal bar chart, one row per bar, scaled to `max` (or to the
/// largest value when `max` is `None`). `title` (escaped) names it for
/// screen readers.
pub(crate) fn bar_chart(out: &mut String, title: &str, bars: &[Bar], max: Option<f64>) {
    const ROW: usize = 22;
    const LABEL: f64 = 250.0;
    const BARS: f64 = 330.0;
    let largest = bars
        .iter()
        .map(|b| b.value)
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    let scale = max.unwrap_or(largest);
    let height = ROW * bars.len().max(1) + 4;
    let _ = write!(
        out,
        "<svg class=\"chart\" viewBox=\"0 0 680 {height}\" role=\"img\" aria-label=\"{title}\">"
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = i * ROW + 2;
        let frac = if scale > 0.0 { bar.value / scale } else { 0.0 };
        let w = BARS * percent_width(frac) / 100.0;
        let _ = write!(
            out,
            "<text class=\"label\" x=\"{x}\" y=\"{ty}\" text-anchor=\"end\">{label}</text>\
<rect class=\"track\" x=\"{bx}\" y=\"{y}\" width=\"{BARS}\" height=\"16\"/>\
<rect class=\"fill\" x=\"{bx}\" y=\"{y}\" width=\"{w:.2}\" height=\"16\"/>\
<text class=\"value\" x=\"{vx}\" y=\"{ty}\">{shown}</text>",
            x = LABEL - 6.0,
            ty = y + 12,
            label = bar.label,
            bx = LABEL,
            vx = LABEL + BARS + 6.0,
            shown = bar.shown,
        );
    }
    out.push_str("</svg>");
}

/// A stacked bar of parts `(value, css class)` across its whole width
/// (scaled to their sum), with `title` (escaped) for screen readers.
pub(crate) fn stacked(out: &mut String, title: &str, parts: &[(f64, &str)]) {
    let total: f64 = parts.iter().map(|p| p.0).filter(|v| v.is_finite()).sum();
    let _ = write!(
        out,
        "<svg class=\"stacked\" viewBox=\"0 0 100 8\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{title}\">"
    );
    let mut x = 0.0;
    for &(value, class) in parts {
        let w = if total > 0.0 {
            percent_width(value / total)
        } else {
            0.0
        };
        let _ = write!(
            out,
            "<rect class=\"{class}\" x=\"{x:.3}\" width=\"{w:.3}\" height=\"8\"/>"
        );
        x += w;
    }
    out.push_str("</svg>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_stay_in_their_box() {
        let mut out = String::new();
        cell_bar(&mut out, 2.0);
        cell_bar(&mut out, f64::NAN);
        cell_bar(&mut out, -1.0);
        assert!(out.contains("width=\"100.00\""));
        assert_eq!(out.matches("width=\"0.00\"").count(), 2);
        let mut chart = String::new();
        let bar = |label: &str, value| Bar {
            label: label.into(),
            value,
            shown: format!("{value}"),
        };
        bar_chart(&mut chart, "t", &[bar("a", 50.0), bar("b", 25.0)], None);
        assert!(chart.contains("width=\"330.00\"") && chart.contains("width=\"165.00\""));
        let mut s = String::new();
        stacked(&mut s, "t", &[(1.0, "a"), (3.0, "b")]);
        assert!(s.contains("width=\"25.000\"") && s.contains("x=\"25.000\""));
    }
}
