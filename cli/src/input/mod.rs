//! Reading orders from files: order bodies (one JSON document, or JSON Lines) for `validate`
//! and `order`, and bulk rows (CSV, or JSON Lines of `{"product": …, "order": {…}}`) for `bulk`.
//! Files are decoded first (`decode`); CSV headers and rows are read by `sheet`; an order
//! without its own alternative id gets one from its content (`identity`).

mod decode;
pub mod identity;
pub mod sheet;

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
    /// The id an older release derived for the row (before ids were normalised), to find the
    /// row in a journal it wrote.
    pub legacy_id: Option<String>,
}

impl Row {
    /// Takes the id an older release derived when `history` knows the row only by that id,
    /// so that an upgrade never orders a journaled row again.
    pub fn adopt_legacy_id(&mut self, history: &crate::journal::History) {
        let known = history.last.contains_key(self.alternative_order_id());
        if let (Some(legacy), Value::Object(body)) = (&self.legacy_id, &mut self.body)
            && !known
            && history.last.contains_key(legacy)
        {
            body.insert("alternative_order_id".into(), Value::String(legacy.clone()));
        }
    }

    /// The row's alternative order id.
    pub fn alternative_order_id(&self) -> &str {
        self.body
            .get("alternative_order_id")
            .and_then(Value::as_str)
            .unwrap_or("")
    }
}

/// The rows of a bulk file.
pub struct Sheet {
    pub rows: Vec<Row>,
    /// Rows whose every cell is empty (a spreadsheet's trailing `,,,,`), skipped.
    pub empty_rows: usize,
    /// What the reader assumed, for the user.
    pub notes: Vec<String>,
}

/// The rows of a bulk file: JSON Lines when its first non-blank character is `{`, else CSV.
pub fn rows(text: &str, options: &sheet::Options) -> Result<Sheet, FileError> {
    if text.trim().is_empty() {
        return Err("the file is empty: it has no header row and no order".into());
    }
    let (mut rows, empty_rows, notes) = if text.trim_start().starts_with('{') {
        (json_lines(text), 0, Vec::new())
    } else {
        sheet::rows(text, options)?
    };
    for row in &mut rows {
        if let Value::Object(body) = &mut row.body
            && !body.contains_key("alternative_order_id")
        {
            let id = identity::stable_id(&row.product, body);
            row.legacy_id = Some(identity::legacy_id(&row.product, body));
            body.insert("alternative_order_id".into(), Value::String(id));
        }
    }
    Ok(Sheet {
        rows,
        empty_rows,
        notes,
    })
}

/// A row that cannot be read, with what is wrong.
pub(crate) fn problem_row(line: usize, message: String) -> Row {
    Row {
        line,
        product: String::new(),
        body: Value::Object(Map::new()),
        problems: vec![Violation::new("bulk.line", "(line)", message)],
        legacy_id: None,
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
                legacy_id: None,
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

    fn csv(text: &str) -> Sheet {
        rows(text, &sheet::Options::default()).unwrap()
    }

    fn refused(text: &str, options: &sheet::Options) -> String {
        match rows(text, options) {
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
        assert!(rows[0].alternative_order_id().starts_with("bulk"));
    }

    #[test]
    fn the_derived_id_follows_the_content_not_the_line_nor_the_key_order() {
        let a = csv("product,certificate.common_name,order_validity.years\nx,A,1\nx,B,1\n").rows;
        let b = csv("order_validity.years,certificate.common_name,product\n1,B,x\n").rows;
        assert_eq!(a[1].alternative_order_id(), b[0].alternative_order_id());
        assert_ne!(a[0].alternative_order_id(), a[1].alternative_order_id());
        assert_eq!(a[0].alternative_order_id().len(), 36);
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
            delimiter: None,
        };
        let sheet = rows(
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
        assert!(e.contains("both set `certificate.emails`"), "{e}");
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
