//! Tables as spreadsheets give them (a CSV as exported, or a workbook's sheet read by
//! `workbook.rs`): the CSV's delimiter sniffed (`,`, `;` or tab) or given, an unclosed quote
//! found at its line; headers matched to parameter paths (exactly, or but for case and
//! spaces, or through `--map`, or left out with `--ignore-column`), every bad header reported
//! at once with its column letter; rows with every cell empty, and comment rows (a first cell
//! starting with `#`, as in `certcentral template`), skipped; each row's line as an editor (or
//! the spreadsheet) shows it.

use super::decode::{Encoding, Lines};
use super::{Row, problem_row};
use certcentral_table::{Kind, Param, TABLE, excerpt};
use serde_json::{Map, Value};

/// How to read a table.
#[derive(Debug, Default, Clone)]
pub struct Options {
    /// Headers to leave out.
    pub ignore: Vec<String>,
    /// Header → parameter path (or `product`).
    pub map: Vec<(String, String)>,
    /// The CSV delimiter, when not sniffed.
    pub delimiter: Option<u8>,
    /// The workbook's sheet (default: the first).
    pub sheet: Option<String>,
    /// A text file's encoding.
    pub encoding: Encoding,
}

/// A CSV column: the product, a parameter, or left out.
enum Column {
    Product,
    Param(&'static Param<'static>),
    Ignored,
}

/// A table's header and records, each record with its line (or what keeps it from being read).
pub struct Grid {
    pub headers: Vec<String>,
    pub records: Vec<(usize, Result<Vec<String>, String>)>,
}

/// A CSV as a grid, with notes for the user.
pub fn csv_grid(text: &str, options: &Options, notes: &mut Vec<String>) -> Result<Grid, String> {
    let delimiter = match options.delimiter {
        Some(d) => d,
        None => {
            let d = sniff(text);
            if d != b',' {
                notes.push(format!(
                    "the file is separated by {} (pass --delimiter to say otherwise)",
                    if d == b'\t' { "tabs" } else { "semicolons" }
                ));
            }
            d
        }
    };
    let lines = Lines::new(text);
    if let Some(open) = unclosed_quote(text, delimiter) {
        return Err(format!(
            "line {}: a quote is opened and never closed (every row after it would be read as \
             one cell): close it, or remove it",
            lines.line_of(open)
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("the CSV header cannot be read: {e}"))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut records = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = |r: &csv::StringRecord| {
            // The reader's position is where it started reading: before the line breaks of
            // the blank lines it skipped. The record starts after them.
            let at = r.position().map_or(0, |p| p.byte() as usize);
            let skipped = text.as_bytes()[at.min(text.len())..]
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count();
            lines.line_of(at + skipped)
        };
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let cells: Vec<String> = record.iter().map(str::to_string).collect();
                let swallowed = cells.iter().any(|c| {
                    c.lines().skip(1).any(|l| {
                        l.matches(char::from(delimiter)).count() + 1 >= headers.len().max(2)
                    })
                });
                let cells = if swallowed {
                    Err(
                        "a cell of this row spans lines that look like rows of their own: a \
                         quote left open? (close it, or quote the whole cell)"
                            .to_string(),
                    )
                } else {
                    Ok(cells)
                };
                records.push((line(&record), cells));
            }
            Err(e) => {
                let at = e.position().map_or(0, |p| lines.line_of(p.byte() as usize));
                records.push((at, Err(format!("the row cannot be read: {e}"))));
                if !matches!(e.kind(), csv::ErrorKind::UnequalLengths { .. }) {
                    break;
                }
            }
        }
    }
    Ok(Grid { headers, records })
}

/// The byte offset of a quote that opens a CSV field and is never closed, if there is one. A
/// quote opens a field only at its start (a quote inside an unquoted cell is a character).
fn unclosed_quote(text: &str, delimiter: u8) -> Option<usize> {
    let mut open: Option<usize> = None;
    let mut field_start = true;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match open {
            // `""` inside a quoted field is a quote character.
            Some(_) if b == b'"' && bytes.get(i + 1) == Some(&b'"') => i += 1,
            Some(_) if b == b'"' => open = None,
            Some(_) => {}
            None if b == b'"' && field_start => open = Some(i),
            None if b == delimiter || b == b'\n' || b == b'\r' => field_start = true,
            None if b == b' ' || b == b'\t' => {}
            None => field_start = false,
        }
        i += 1;
    }
    open
}

/// The rows of a grid, the number of rows skipped as empty, and notes for the user.
pub fn rows(
    grid: Grid,
    options: &Options,
    notes: &mut Vec<String>,
) -> Result<(Vec<Row>, usize), String> {
    let columns = columns(&grid.headers, options, notes)?;
    let mut rows = Vec::new();
    let mut empty = 0;
    for (line, cells) in grid.records {
        match cells {
            Err(problem) => rows.push(problem_row(line, problem)),
            Ok(cells) if cells.iter().all(|c| c.trim().is_empty()) => empty += 1,
            // A comment row (the template's explanation, a note): never an order.
            Ok(cells)
                if cells
                    .first()
                    .is_some_and(|c| c.trim_start().starts_with('#')) => {}
            Ok(cells) if cells.len() != grid.headers.len() => rows.push(problem_row(
                line,
                format!(
                    "this row has {} cells and the header {}: a delimiter inside a cell needs \
                     quotes",
                    cells.len(),
                    grid.headers.len()
                ),
            )),
            Ok(cells) => rows.push(row(line, &columns, &cells)),
        }
    }
    Ok((rows, empty))
}

fn row(line: usize, columns: &[Column], cells: &[String]) -> Row {
    let mut row = Row {
        line,
        product: String::new(),
        body: Value::Object(Map::new()),
        problems: Vec::new(),
    };
    for (column, cell) in columns.iter().zip(cells) {
        let cell = cell.trim();
        match column {
            Column::Product => row.product = cell.to_string(),
            // An empty cell leaves the parameter out: one file holds every product.
            Column::Param(_) | Column::Ignored if cell.is_empty() => {}
            Column::Ignored => {}
            Column::Param(p) => set(&mut row.body, p.path, cell_value(p, cell)),
        }
    }
    row
}

/// A column's letters, as a spreadsheet names it (`A`, …, `Z`, `AA`, …).
pub fn column_letters(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// The delimiter of the header line: the most frequent of `,`, `;` and tab outside quotes.
fn sniff(text: &str) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for b in text.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            _ if !quoted => {
                if let Some(c) = counts.iter_mut().find(|(d, _)| *d == b) {
                    c.1 += 1;
                }
            }
            _ => {}
        }
    }
    counts
        .iter()
        .max_by_key(|(d, n)| (*n, *d == b','))
        .map_or(b',', |(d, _)| *d)
}

/// A header as compared loosely: lower case, no white space nor `_`, no template marker.
fn loose(name: &str) -> String {
    name.trim_end_matches('*')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// What a header (or a `--map` target) names, exactly or but for case and spaces.
fn lookup(name: &str) -> Option<(Column, &'static str)> {
    let exact = name.trim_end_matches('*').trim();
    let by_path = |path: &str| match path {
        "product" => Some((Column::Product, "product")),
        _ => TABLE.param(path).map(|p| (Column::Param(p), p.path)),
    };
    by_path(exact).or_else(|| {
        let wanted = loose(name);
        TABLE
            .params
            .iter()
            .map(|p| p.path)
            .chain(["product"])
            .find(|path| loose(path) == wanted)
            .and_then(by_path)
    })
}

/// Refuses a parameter that cannot be a column.
fn settable(column: Column, shown: &str) -> Result<Column, String> {
    match column {
        Column::Param(p) if p.in_list_item() => Err(format!(
            "column `{shown}` is a field of a list item: give the whole list as JSON in a `{}` \
             column",
            p.parent().unwrap_or("")
        )),
        Column::Param(p) if p.kind == Kind::Object => Err(format!(
            "column `{shown}` is an object: give each of its fields a column (`{}.…`)",
            p.path
        )),
        other => Ok(other),
    }
}

/// Every header's column, or every header that is wrong. One pass, on purpose: every header
/// is read against the same `--map`, `--ignore-column` and seen-before state, and every error
/// is collected so that a file with five bad headers is fixed in one go.
fn columns(
    headers: &[String],
    options: &Options,
    notes: &mut Vec<String>,
) -> Result<Vec<Column>, String> {
    if headers.iter().all(|h| h.trim().is_empty()) {
        return Err("the file is empty: it has no header row and no order".into());
    }
    let mut errors = Vec::new();
    let mut columns = Vec::new();
    let mut taken: Vec<(&'static str, String)> = Vec::new();
    for (index, header) in headers.iter().enumerate() {
        let header = header.as_str();
        let shown = excerpt(header);
        let letter = column_letters(index);
        let ignored = options.ignore.iter().any(|i| loose(i) == loose(header));
        let mapped = options
            .map
            .iter()
            .find(|(from, _)| loose(from) == loose(header));
        let found = if ignored {
            Ok(Column::Ignored)
        } else if let Some((from, to)) = mapped {
            match lookup(to) {
                Some((c, _)) => settable(c, &shown),
                None => Err(format!(
                    "--map '{from}={to}': `{}` is not `product` nor a parameter of the order{}",
                    excerpt(to),
                    hint(to)
                )),
            }
        } else {
            match lookup(header) {
                Some((c, path)) => {
                    if header.trim_end_matches('*').trim() != path {
                        notes.push(format!("column `{shown}` read as `{path}`"));
                    }
                    settable(c, &shown)
                }
                None if header.is_empty() => {
                    Err("a column has no header: name it, or remove the column".to_string())
                }
                None => Err(format!(
                    "column `{shown}` is not `product` nor a parameter of the order{}: \
                     map it with --map '{shown}=PARAMETER' or leave it out with \
                     --ignore-column '{shown}'",
                    hint(header)
                )),
            }
        };
        match found {
            Ok(column) => {
                let path = match &column {
                    Column::Product => Some("product"),
                    Column::Param(p) => Some(p.path),
                    Column::Ignored => None,
                };
                if let Some(path) = path {
                    match taken.iter().find(|(p, _)| *p == path) {
                        Some((_, first)) => errors.push(format!(
                            "columns {first} and {letter} (`{shown}`) both set `{path}`: keep one"
                        )),
                        None => taken.push((path, format!("{letter} (`{shown}`)"))),
                    }
                }
                columns.push(column);
            }
            Err(e) => errors.push(e),
        }
    }
    if !taken.iter().any(|(p, _)| *p == "product") {
        errors.push("the table has no `product` column".into());
    }
    for name in &options.ignore {
        if !headers.iter().any(|h| loose(h) == loose(name)) {
            notes.push(format!(
                "--ignore-column `{}` names no column",
                excerpt(name)
            ));
        }
    }
    if errors.is_empty() {
        Ok(columns)
    } else {
        Err(errors.join("\n"))
    }
}

/// " (did you mean `x`?)" for a near miss.
fn hint(name: &str) -> String {
    let known = TABLE.params.iter().map(|p| p.path).chain(["product"]);
    certcentral_table::nearest(name.trim(), known)
        .map(|n| format!(" (did you mean `{n}`?)"))
        .unwrap_or_default()
}

/// A cell as the parameter's JSON type; text that is not of that type stays a string, for
/// the validator to report with the parameter's name and rule.
fn cell_value(param: &Param, cell: &str) -> Value {
    let text = || Value::String(cell.to_string());
    match param.kind {
        Kind::Integer => cell.parse::<i64>().map_or_else(|_| text(), Value::from),
        Kind::Boolean => match cell.to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => text(),
        },
        Kind::StringList => Value::Array(
            cell.split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_string()))
                .collect(),
        ),
        Kind::ObjectList => serde_json::from_str(cell).unwrap_or_else(|_| text()),
        _ => text(),
    }
}

/// Sets the parameter at a dotted path, creating the objects around it.
fn set(body: &mut Value, path: &str, value: Value) {
    let mut here = body;
    let mut segments = path.split('.').peekable();
    while let Some(segment) = segments.next() {
        let Value::Object(map) = here else {
            return;
        };
        if segments.peek().is_none() {
            map.insert(segment.to_string(), value);
            return;
        }
        here = map
            .entry(segment.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
}
