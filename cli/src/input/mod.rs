//! Reading orders from files: order bodies (one JSON document, or JSON Lines) for `validate`
//! and `order`, and bulk rows (CSV, a workbook, or JSON Lines of `{"product": …, "order":
//! {…}}`) for `bulk`. What a file is comes from its first bytes, not its name: a workbook is
//! read by `workbook`, text is decoded (`decode`) and its table read by `sheet`, and a file that
//! is neither says what it is.

mod decode;
pub mod sheet;
mod workbook;

use certcentral::Violation;
pub use decode::Encoding;
use serde_json::{Map, Value};
use std::path::Path;

/// An order body read from a file, or why it could not be read.
pub struct Body {
    /// The line it starts on (1-based).
    pub line: usize,
    /// The body, or what is wrong with the text.
    pub value: Result<Value, String>,
}

/// A file that cannot be used at all: a usage error.
pub type FileError = String;

/// A file's text, decoded (see [`Encoding`]); a note says which encoding was assumed, if one
/// was.
pub fn read(path: &Path, encoding: Encoding) -> Result<(String, Option<String>), FileError> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let decoded = decode::decode(&bytes, encoding, &path.display().to_string())?;
    Ok((decoded.text, decoded.note))
}

/// The order bodies of a file: the whole file when it is one JSON document, else one per
/// non-blank line (JSON Lines).
pub fn bodies(text: &str) -> Vec<Body> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((first, first_text)) = lines.next() else {
        return vec![Body {
            line: 1,
            value: Err("the file holds no order".into()),
        }];
    };
    match serde_json::from_str::<Value>(text) {
        Ok(value) => vec![Body {
            line: first + 1,
            value: Ok(value),
        }],
        // JSON Lines when the first line is a document of its own; else one broken document.
        Err(e) if serde_json::from_str::<Value>(first_text).is_err() => vec![Body {
            line: e.line(),
            value: Err(not_json(&e)),
        }],
        Err(_) => std::iter::once((first, first_text))
            .chain(lines)
            .map(|(n, l)| Body {
                line: n + 1,
                value: serde_json::from_str(l).map_err(|e| not_json(&e)),
            })
            .collect(),
    }
}

/// serde_json's syntax errors name a place, never the text there.
fn not_json(e: &serde_json::Error) -> String {
    format!("not JSON: {e}")
}

/// One row of a bulk file.
pub struct Row {
    /// The line it is on (1-based; a CSV record's first line).
    pub line: usize,
    /// The product column or key, as written.
    pub product: String,
    /// The order body, with its `alternative_order_id` (the row's own, or one derived from
    /// its content: see [`identity::stable_id`]).
    pub body: Value,
    /// What is wrong with the row before any rule is checked (an unreadable line).
    pub problems: Vec<Violation>,
}

/// The rows of a bulk file.
pub struct Sheet {
    pub rows: Vec<Row>,
    /// Rows whose every cell is empty (a spreadsheet's trailing `,,,,`), skipped.
    pub empty_rows: usize,
    /// What the reader assumed, for the user.
    pub notes: Vec<String>,
}

/// What a file is, from its first bytes.
enum Kind {
    /// A workbook calamine reads (a ZIP container: .xlsx, .ods; an OLE container: .xls).
    Workbook,
    /// Text (CSV or JSON Lines).
    Text,
}

/// What a file is, or what it is when it is neither text nor a workbook.
fn kind_of(bytes: &[u8], path: &Path) -> Result<Kind, FileError> {
    let shown = path.display();
    let is = |what: &str| {
        Err(format!(
            "{shown} is {what}, not a table: export the sheet as CSV or .xlsx"
        ))
    };
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match bytes {
        [0x50, 0x4b, 0x03, 0x04, ..] => match ext.as_deref() {
            Some("xlsx" | "xlsm" | "ods") => Ok(Kind::Workbook),
            // A ZIP whose name does not say: a workbook if calamine can open it.
            _ if calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).is_ok() => {
                Ok(Kind::Workbook)
            }
            _ => is("a ZIP archive"),
        },
        [0xd0, 0xcf, 0x11, 0xe0, ..] => Ok(Kind::Workbook),
        [b'%', b'P', b'D', b'F', ..] => is("a PDF document"),
        [0x89, b'P', b'N', b'G', ..] | [0xff, 0xd8, 0xff, ..] | [b'G', b'I', b'F', b'8', ..] => {
            is("an image")
        }
        [0x1f, 0x8b, ..] => is("a gzip archive"),
        _ => Ok(Kind::Text),
    }
}

/// The rows of a bulk file: a workbook's sheet; else, once decoded, JSON Lines when its first
/// non-blank character is `{`, CSV otherwise.
pub fn rows(path: &Path, options: &sheet::Options) -> Result<Sheet, FileError> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read it: {e}"))?;
    let mut notes = Vec::new();
    let (rows, empty_rows) = match kind_of(&bytes, path)? {
        Kind::Workbook => {
            let grid = workbook::grid(path, options, &mut notes)?;
            sheet::rows(grid, options, &mut notes)?
        }
        Kind::Text => {
            let decoded = decode::decode(&bytes, options.encoding, &path.display().to_string())?;
            notes.extend(decoded.note);
            rows_of_text(&decoded.text, options, &mut notes)?
        }
    };
    Ok(Sheet {
        rows,
        empty_rows,
        notes,
    })
}

/// The rows of a text file: JSON Lines or CSV.
fn rows_of_text(
    text: &str,
    options: &sheet::Options,
    notes: &mut Vec<String>,
) -> Result<(Vec<Row>, usize), FileError> {
    if text.trim().is_empty() {
        return Err("the file is empty: it has no header row and no order".into());
    }
    if text.trim_start().starts_with('{') {
        return Ok((json_lines(text), 0));
    }
    let grid = sheet::csv_grid(text, options, notes)?;
    sheet::rows(grid, options, notes)
}

/// A row that cannot be read, with what is wrong.
pub(crate) fn problem_row(line: usize, message: String) -> Row {
    Row {
        line,
        product: String::new(),
        body: Value::Object(Map::new()),
        problems: vec![Violation::new("bulk.line", "(line)", message)],
    }
}

fn json_lines(text: &str) -> Vec<Row> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| {
            let mut row = Row {
                line: n + 1,
                product: String::new(),
                body: Value::Object(Map::new()),
                problems: Vec::new(),
            };
            let mut problem = |message: String| {
                row.problems
                    .push(Violation::new("bulk.line", "(line)", message))
            };
            match serde_json::from_str::<Value>(l) {
                Ok(Value::Object(mut line)) => {
                    match line.remove("product") {
                        Some(Value::String(p)) => row.product = p,
                        _ => problem("`product` is missing or not a string".into()),
                    }
                    match line.remove("order") {
                        Some(body @ Value::Object(_)) => row.body = body,
                        _ => problem("`order` is missing or not an object".into()),
                    }
                    if let Some(other) = line.keys().next() {
                        problem(format!(
                            "unknown key `{}`: a line is {{\"product\": …, \"order\": {{…}}}}",
                            certcentral_table::excerpt(other)
                        ));
                    }
                }
                Ok(_) => problem("a line is {\"product\": …, \"order\": {…}}".into()),
                Err(e) => problem(not_json(&e)),
            }
            row
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows of a text file, as `rows` reads them.
    fn text_rows(text: &str, options: &sheet::Options) -> Result<Sheet, FileError> {
        let mut notes = Vec::new();
        let (rows, empty_rows) = rows_of_text(text, options, &mut notes)?;
        Ok(Sheet {
            rows,
            empty_rows,
            notes,
        })
    }

    fn csv(text: &str) -> Sheet {
        text_rows(text, &sheet::Options::default()).unwrap()
    }

    fn refused(text: &str, options: &sheet::Options) -> String {
        match text_rows(text, options) {
            Ok(_) => panic!("accepted:\n{text}"),
            Err(e) => e,
        }
    }

    #[test]
    fn a_csv_row_becomes_typed_parameters() {
        let rows = csv(
            "product,certificate.emails,order_validity.years,skip_approval,organization.id\n\
             client_premium,a@example.com; b@example.com,2,true,\n",
        )
        .rows;
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].product, "client_premium");
        let body = &rows[0].body;
        assert_eq!(
            body["certificate"]["emails"],
            serde_json::json!(["a@example.com", "b@example.com"])
        );
        assert_eq!(body["order_validity"]["years"], 2);
        assert_eq!(body["skip_approval"], true);
        assert!(
            body.get("organization").is_none(),
            "an empty cell is left out"
        );
    }

    #[test]
    fn line_numbers_are_an_editors_with_crlf_blank_lines_and_multi_line_cells() {
        let sheet = csv(
            "product,certificate.common_name\r\n\r\nx,\"two\r\nlines\"\r\n\r\n\r\nx,B\r\n,\r\n, \r\n",
        );
        let lines: Vec<usize> = sheet.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [3, 7]);
        assert_eq!(
            sheet.rows[0].body["certificate"]["common_name"],
            "two\r\nlines"
        );
        assert_eq!(
            sheet.empty_rows, 2,
            "rows of empty cells are skipped and counted"
        );
    }

    #[test]
    fn every_bad_header_is_named_at_once_with_the_nearest_name_and_the_way_out() {
        let e = refused(
            "product,certificate.email,department,,Certificate.Common Name,certificate.cn\n",
            &sheet::Options::default(),
        );
        assert!(e.contains("`certificate.emails`"), "{e}");
        assert!(e.contains("column `department`"), "{e}");
        assert!(e.contains("--ignore-column 'department'"), "{e}");
        assert!(e.contains("a column has no header"), "{e}");
        assert!(
            !e.contains("Common Name"),
            "matched but for case and spaces: {e}"
        );
        assert_eq!(e.lines().count(), 4, "{e}");
    }

    #[test]
    fn columns_are_ignored_mapped_and_matched_but_for_case_and_spaces() {
        let options = sheet::Options {
            ignore: vec!["Department".into()],
            map: vec![("E-Mail".into(), "certificate.emails".into())],
            ..Default::default()
        };
        let sheet = text_rows(
            "Product;E-Mail;department;Order_Validity.Years *\nclass1_smime;a@x.example;HR;1\n",
            &options,
        )
        .unwrap();
        let body = &sheet.rows[0].body;
        assert_eq!(
            body["certificate"]["emails"],
            serde_json::json!(["a@x.example"])
        );
        assert_eq!(body["order_validity"]["years"], 1);
        assert!(body.get("department").is_none());
        let notes = sheet.notes.join("\n");
        assert!(notes.contains("semicolons"), "{notes}");
        assert!(
            notes.contains("`Order_Validity.Years *` read as `order_validity.years`"),
            "{notes}"
        );
        let e = refused(
            "product,Mail\n",
            &sheet::Options {
                map: vec![("Mail".into(), "certificate.mails".into())],
                ..Default::default()
            },
        );
        assert!(
            e.contains("--map 'Mail=certificate.mails'") && e.contains("did you mean"),
            "{e}"
        );
        let e = refused("product,certificate.emails,E-Mail\n", &options);
        assert!(
            e.contains(
                "columns B (`certificate.emails`) and C (`E-Mail`) both set `certificate.emails`"
            ),
            "{e}"
        );
    }

    #[test]
    fn an_empty_file_says_so_and_a_huge_header_is_quoted_short() {
        for empty in ["", "\n\r\n", "   "] {
            assert!(refused(empty, &Default::default()).contains("the file is empty"));
        }
        let huge = "x".repeat(5_000_000);
        let e = refused(&format!("product,{huge}\n"), &Default::default());
        assert!(
            e.len() < 400 && e.contains("(5000000 bytes)"),
            "{}",
            e.len()
        );
    }

    #[test]
    fn an_unclosed_quote_is_an_error_at_its_line_and_comment_rows_are_skipped() {
        let e = refused(
            "product,certificate.common_name\nx,A\nx,\"B\nx,C\nx,D\n",
            &Default::default(),
        );
        assert!(
            e.starts_with("line 3: a quote is opened and never closed"),
            "{e}"
        );
        // A quote inside an unquoted cell is a character; a closed multi-line cell is fine.
        let sheet = csv(
            "product,certificate.common_name\nx,say \"hi\"\nx,\"two\nlines\"\n# x,not an order\n",
        );
        assert_eq!(sheet.rows.len(), 2);
        assert_eq!(
            sheet.rows[0].body["certificate"]["common_name"],
            "say \"hi\""
        );
        // A closed quote that swallowed rows of their own is said at its row.
        let sheet =
            csv("product,certificate.common_name,order_validity.years\nx,\"A,1\nx,B,1\nx,C\",1\n");
        assert!(
            sheet.rows[0].problems[0]
                .message
                .contains("a quote left open")
        );
        assert_eq!(sheet::column_letters(0), "A");
        assert_eq!(sheet::column_letters(27), "AB");
    }

    #[test]
    fn a_broken_document_is_one_error_and_json_lines_are_many_bodies() {
        let broken = bodies("{\n  \"certificate\": \n}\n");
        assert_eq!(broken.len(), 1);
        assert!(broken[0].value.is_err());
        let lines = bodies("{\"a\":1}\n\n{\"b\":2}\nnope\n");
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[1].line, 3);
        assert!(lines[2].value.is_err());
    }
}
