//! Fitting text to a terminal: columns laid out to a width (shrunk, switched to a compact
//! form, or left out, in a fixed order), cells cut with an ellipsis, prose wrapped at spaces,
//! all measured in display cells (`unicode-width`: CJK and emoji take two).
//!
//! Written here rather than with a table crate: `comfy-table` (the best kept of them) fits a
//! table by wrapping cells onto several lines, while on-call tables must stay one line per
//! event so they can be scanned and grepped. What keydeny needs, and comfy-table does not do,
//! is cutting ARNs and e-mails in the middle (the end tells actors apart), leaving out whole
//! columns by priority, and switching a column to a compact form (`05-02 10:00:00` for a full
//! RFC 3339 time) before cutting the reason to nothing. That takes one small file.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Display width of `text` in terminal cells.
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// One column: header, cells, and how it may give way.
pub struct Column {
    pub header: String,
    pub cells: Vec<String>,
    /// A shorter header and cells, used (in `compact` order) before columns are cut to their
    /// minimum.
    pub compact: Option<(u8, String, Vec<String>)>,
    /// Never narrower than this when fitting.
    pub min: usize,
    /// Shrunk to this before any column is dropped.
    pub soft: usize,
    /// Shrunk in this order (lower first); `None` never shrinks.
    pub shrink: Option<u8>,
    /// Cut in the middle (ARNs, e-mails) rather than at the end.
    pub middle: bool,
    pub right: bool,
    /// Left out, in this order (lower first), when the table cannot fit otherwise.
    pub drop: Option<u8>,
}

impl Column {
    pub fn new(header: impl Into<String>, cells: Vec<String>) -> Column {
        let header = header.into();
        let w = width(&header);
        Column {
            header,
            cells,
            compact: None,
            min: w,
            soft: w,
            shrink: None,
            middle: false,
            right: false,
            drop: None,
        }
    }

    pub fn soft(mut self, soft: usize) -> Column {
        self.soft = soft.max(self.min);
        self
    }

    pub fn drops(mut self, order: u8) -> Column {
        self.drop = Some(order);
        self
    }

    pub fn shrinks(mut self, order: u8, min: usize, middle: bool) -> Column {
        self.shrink = Some(order);
        self.min = min.max(width(&self.header));
        self.soft = self.soft.max(self.min);
        self.middle = middle;
        self
    }

    pub fn compacts(mut self, order: u8, header: impl Into<String>, cells: Vec<String>) -> Column {
        self.compact = Some((order, header.into(), cells));
        self
    }

    pub fn right(mut self) -> Column {
        self.right = true;
        self
    }

    fn natural(&self, compact: bool) -> usize {
        let (header, cells) = self.shown(compact);
        cells
            .iter()
            .map(|c| width(c))
            .max()
            .unwrap_or(0)
            .max(width(header))
    }

    fn shown(&self, compact: bool) -> (&str, &[String]) {
        match (&self.compact, compact) {
            (Some((_, header, cells)), true) => (header, cells),
            _ => (&self.header, &self.cells),
        }
    }
}

/// The widths chosen for a table (`None`: left out) and which columns are compact.
#[derive(Debug, PartialEq, Eq)]
pub struct Layout {
    pub widths: Vec<Option<usize>>,
    pub compact: Vec<bool>,
}

/// Fit `columns` into `width` (when given): shrinkable columns shrink in order down to a
/// comfortable width, then droppable columns are left out in order, then columns switch to
/// their compact form in order, then everything shrinks to its minimum; room left over goes
/// back to the shrinkable columns.
pub fn fit(columns: &[Column], width: Option<usize>) -> Layout {
    let mut layout = Layout {
        widths: columns.iter().map(|c| Some(c.natural(false))).collect(),
        compact: vec![false; columns.len()],
    };
    let Some(width) = width else { return layout };
    let order = ordered(columns, |c| c.shrink);
    shrink(columns, &mut layout.widths, &order, width, |c| c.soft);
    for i in ordered(columns, |c| c.drop) {
        if total(&layout.widths) <= width {
            break;
        }
        layout.widths[i] = None;
    }
    for i in ordered(columns, |c| c.compact.as_ref().map(|(o, _, _)| *o)) {
        if total(&layout.widths) <= width {
            break;
        }
        if layout.widths[i].is_some() {
            layout.compact[i] = true;
            layout.widths[i] = Some(columns[i].natural(true));
        }
    }
    shrink(columns, &mut layout.widths, &order, width, |c| c.min);
    for &i in &order {
        let room = width.saturating_sub(total(&layout.widths));
        let natural = columns[i].natural(layout.compact[i]);
        layout.widths[i] = layout.widths[i].map(|w| (w + room).min(natural.max(w)));
    }
    layout
}

fn ordered(columns: &[Column], key: impl Fn(&Column) -> Option<u8>) -> Vec<usize> {
    let mut order: Vec<usize> = (0..columns.len())
        .filter(|&i| key(&columns[i]).is_some())
        .collect();
    order.sort_by_key(|&i| key(&columns[i]));
    order
}

fn shrink(
    columns: &[Column],
    widths: &mut [Option<usize>],
    order: &[usize],
    width: usize,
    floor: impl Fn(&Column) -> usize,
) {
    for &i in order {
        let excess = total(widths).saturating_sub(width);
        if excess == 0 {
            return;
        }
        widths[i] = widths[i].map(|w| w.saturating_sub(excess).max(floor(&columns[i]).min(w)));
    }
}

/// The width of the shown columns with their two-space gaps.
fn total(widths: &[Option<usize>]) -> usize {
    let shown: Vec<usize> = widths.iter().flatten().copied().collect();
    shown.iter().sum::<usize>() + 2 * shown.len().saturating_sub(1)
}

/// Render columns laid out by `layout` as aligned text; `paint(row, column, text)` may colour
/// a cell (colour codes take no width); `bold` styles the header line.
pub fn render(
    columns: &[Column],
    layout: &Layout,
    bold: impl Fn(&str) -> String,
    paint: impl Fn(usize, usize, &str) -> String,
) -> String {
    let rows = columns.first().map_or(0, |c| c.cells.len());
    let shown = || {
        columns
            .iter()
            .zip(&layout.widths)
            .enumerate()
            .filter_map(|(i, (c, w))| w.map(|w| (i, c, w, c.shown(layout.compact[i]))))
    };
    let header: Vec<String> = shown()
        .map(|(_, c, w, (header, _))| pad(&cell(header, w), w, c.right))
        .collect();
    let mut text = bold(header.join("  ").trim_end());
    text.push('\n');
    for row in 0..rows {
        let line: Vec<String> = shown()
            .map(|(col, column, w, (_, cells))| {
                let cut = if column.middle {
                    middle_cell(&cells[row], w)
                } else {
                    cell(&cells[row], w)
                };
                paint(row, col, &pad(&cut, w, column.right))
            })
            .collect();
        text.push_str(line.join("  ").trim_end());
        text.push('\n');
    }
    text
}

fn pad(text: &str, cells: usize, right: bool) -> String {
    let fill = " ".repeat(cells.saturating_sub(width(text)));
    if right {
        format!("{fill}{text}")
    } else {
        format!("{text}{fill}")
    }
}

/// The longest prefix of `chars` that fits in `cells`.
fn take_cells(chars: impl Iterator<Item = char>, cells: usize) -> Vec<char> {
    let mut used = 0;
    chars
        .take_while(|c| {
            used += c.width().unwrap_or(0);
            used <= cells
        })
        .collect()
}

/// Log text made safe and short for a terminal cell of `cells` columns.
pub fn cell(text: &str, cells: usize) -> String {
    let clean = sanitize(text);
    if width(&clean) <= cells {
        return clean;
    }
    if cells == 0 {
        return String::new();
    }
    let mut cut: String = take_cells(clean.chars(), cells - 1).into_iter().collect();
    cut.push('…');
    cut
}

/// Like [`cell`], but cut in the middle: the end of an ARN or e-mail tells actors apart.
pub fn middle_cell(text: &str, cells: usize) -> String {
    let clean = sanitize(text);
    if width(&clean) <= cells || cells < 5 {
        return cell(&clean, cells);
    }
    let head = (cells - 1) / 3;
    let tail = cells - 1 - head;
    let mut cut: String = take_cells(clean.chars(), head).into_iter().collect();
    cut.push('…');
    let mut end = take_cells(clean.chars().rev(), tail);
    end.reverse();
    cut.extend(end);
    cut
}

/// Control characters (ESC, BEL, CR, ...) from logs are shown as `?`: they never reach the
/// terminal, so log content cannot move the cursor, recolour or retitle it.
pub fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// Joins words that must stay on one line in [`wrap`] (`bob (3)`); printed as a space.
pub const GLUE: char = '\u{a0}';

/// Prose for the terminal, wrapped at spaces to `cells` (never inside a word or at a hyphen,
/// never cut: a word longer than the line stands alone), lines after the first indented by
/// `rest`. One line when the width is unknown (piped). Words joined with [`GLUE`] stay
/// together. Colour codes in `text` take no width. Callers [`sanitize`] what came from logs.
pub fn wrap(text: &str, cells: Option<usize>, first: &str, rest: &str) -> String {
    let filled = match cells {
        None => format!("{first}{text}"),
        Some(cells) => {
            let options = textwrap::Options::new(cells.max(20))
                .initial_indent(first)
                .subsequent_indent(rest)
                .break_words(false)
                .word_separator(textwrap::WordSeparator::AsciiSpace)
                .word_splitter(textwrap::WordSplitter::NoHyphenation);
            textwrap::fill(text, options)
        }
    };
    filled.replace(GLUE, " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_never_reach_the_terminal() {
        assert_eq!(sanitize("\u{1b}]0;pwned\u{7}bob"), "?]0;pwned?bob");
        assert_eq!(sanitize("a\u{9b}31mb\r\n"), "a?31mb??");
        assert_eq!(cell("abcdefgh", 5), "abcd…");
        assert_eq!(middle_cell("arn:aws:iam::1:user/alice", 12), "arn…er/alice");
        assert_eq!(middle_cell("bob", 12), "bob");
    }

    #[test]
    fn wide_characters_take_two_cells() {
        assert_eq!(width("田中太郎"), 8);
        assert_eq!(width("deploy🚀"), 8);
        assert_eq!(cell("田中太郎さん", 7), "田中太…");
        assert_eq!(width(&cell("田中太郎さん", 6)), 5);
        assert_eq!(middle_cell("管理者@例え.jp", 9), "管…え.jp");
        assert_eq!(pad("田中", 6, false), "田中  ");
    }

    #[test]
    fn prose_wraps_at_spaces_and_keeps_long_words() {
        let text = "Ask the owner of iam.disableServiceAccountKeyCreation for an exception";
        assert_eq!(
            wrap(text, Some(30), "  ", "    "),
            "  Ask the owner of\n    iam.disableServiceAccountKeyCreation\n    for an exception"
        );
        assert_eq!(wrap(text, None, "- ", "  "), format!("- {text}"));
        assert_eq!(
            wrap(
                "top: ci-deployer@acme (1), bob\u{a0}(2)",
                Some(22),
                "",
                "  "
            ),
            "top: ci-deployer@acme\n  (1), bob (2)"
        );
    }

    #[test]
    fn columns_shrink_in_order_to_fit() {
        let widths = |columns: &[Column], width| fit(columns, width).widths;
        let columns = [
            Column::new("A", vec!["aaaaaaaaaa".into()]),
            Column::new("B", vec!["bbbbbbbbbbbbbbbbbbbb".into()]).shrinks(1, 5, false),
            Column::new("C", vec!["cccccccccccccccccccc".into()]).shrinks(0, 8, false),
        ];
        assert_eq!(widths(&columns, None), [Some(10), Some(20), Some(20)]);
        assert_eq!(widths(&columns, Some(44)), [Some(10), Some(20), Some(10)]);
        assert_eq!(widths(&columns, Some(30)), [Some(10), Some(8), Some(8)]);
        let droppable = [
            Column::new("A", vec!["aaaaaaaaaa".into()]).drops(0),
            Column::new("B", vec!["bbbbbbbbbbbbbbbbbbbb".into()]).shrinks(0, 10, false),
        ];
        assert_eq!(widths(&droppable, Some(15)), [None, Some(15)]);
    }

    #[test]
    fn compact_forms_come_before_cutting_to_the_minimum() {
        let columns = [
            Column::new("TIME", vec!["2024-05-02T10:00:00Z".into()]).compacts(
                0,
                "TIME UTC",
                vec!["05-02 10:00:00".into()],
            ),
            Column::new("REASON", vec!["r".repeat(40)])
                .shrinks(0, 20, false)
                .soft(40),
        ];
        let wide = fit(&columns, Some(62));
        assert_eq!(wide.compact, [false, false]);
        assert_eq!(wide.widths, [Some(20), Some(40)]);
        let narrow = fit(&columns, Some(50));
        assert_eq!(narrow.compact, [true, false]);
        assert_eq!(narrow.widths, [Some(14), Some(34)]);
    }
}
