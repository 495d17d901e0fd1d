//! Reading orders from files: order bodies (one JSON document, or JSON Lines) for `validate`
//! and `order`, and bulk rows (CSV, or JSON Lines of `{"product": …, "order": {…}}`) for `bulk`.

use certcentral::Violation;
use certcentral_table::{Kind, Param, TABLE};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
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

/// A file's text, without the byte-order mark spreadsheet programs put before a CSV header.
pub fn read(path: &Path) -> Result<String, FileError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
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
    /// its content: see [`stable_id`]).
    pub body: Value,
    /// What is wrong with the row before any rule is checked (an unreadable line).
    pub problems: Vec<Violation>,
}

impl Row {
    /// The row's alternative order id.
    pub fn alternative_order_id(&self) -> &str {
        self.body
            .get("alternative_order_id")
            .and_then(Value::as_str)
            .unwrap_or("")
    }
}

/// The rows of a bulk file: JSON Lines when its first non-blank character is `{`, else CSV.
pub fn rows(text: &str) -> Result<Vec<Row>, FileError> {
    let mut rows = if text.trim_start().starts_with('{') {
        json_lines(text)
    } else {
        csv_rows(text)?
    };
    for row in &mut rows {
        if let Value::Object(body) = &mut row.body
            && !body.contains_key("alternative_order_id")
        {
            let id = stable_id(&row.product, body);
            body.insert("alternative_order_id".into(), Value::String(id));
        }
    }
    Ok(rows)
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
                            "unknown key `{other}`: a line is {{\"product\": …, \"order\": {{…}}}}"
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

/// A CSV column: the product, or the parameter it sets.
enum Column {
    Product,
    Param(&'static Param),
}

fn column(name: &str) -> Result<Column, FileError> {
    if name == "product" {
        return Ok(Column::Product);
    }
    match TABLE.param(name) {
        Some(p) if p.in_list_item() => Err(format!(
            "column `{name}` is a field of a list item: give the whole list as JSON in a `{}` column",
            p.parent().unwrap_or("")
        )),
        Some(p) if p.kind == Kind::Object => Err(format!(
            "column `{name}` is an object: give each of its fields a column (`{name}.…`)"
        )),
        Some(p) => Ok(Column::Param(p)),
        None => {
            let known = TABLE.params.iter().map(|p| p.path).chain(["product"]);
            let hint = certcentral_table::nearest(name, known)
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default();
            Err(format!(
                "column `{name}` is not `product` nor a parameter of the order{hint}"
            ))
        }
    }
}

fn csv_rows(text: &str) -> Result<Vec<Row>, FileError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| format!("the CSV header cannot be read: {e}"))?
        .clone();
    let columns = headers.iter().map(column).collect::<Result<Vec<_>, _>>()?;
    if !columns.iter().any(|c| matches!(c, Column::Product)) {
        return Err("the CSV has no `product` column".into());
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            // A record with the wrong number of fields: reported on its line.
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                rows.push(Row {
                    line,
                    product: String::new(),
                    body: Value::Object(Map::new()),
                    problems: vec![Violation::new("bulk.line", "(line)", format!("{e}"))],
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        let mut row = Row {
            line,
            product: String::new(),
            body: Value::Object(Map::new()),
            problems: Vec::new(),
        };
        for (column, cell) in columns.iter().zip(record.iter()) {
            match column {
                Column::Product => row.product = cell.to_string(),
                // An empty cell leaves the parameter out: one file holds every product.
                Column::Param(_) if cell.is_empty() => {}
                Column::Param(p) => set(&mut row.body, p.path, cell_value(p, cell)),
            }
        }
        rows.push(row);
    }
    Ok(rows)
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

/// A row's alternative order id when it has none: `bulk` and 32 hex digits of the SHA-256 of
/// its product and parameters (keys sorted), so that the same row gets the same id in every
/// run, whatever its line, and whichever journal is used.
pub fn stable_id(product: &str, body: &Map<String, Value>) -> String {
    let mut digest = Sha256::new();
    digest.update(product.as_bytes());
    digest.update([0]);
    canonical(&Value::Object(body.clone()), &mut |bytes| {
        digest.update(bytes)
    });
    let hash = digest.finalize();
    let hex: String = hash[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("bulk{hex}")
}

/// JSON with object keys sorted, whatever order the map keeps them in.
fn canonical(value: &Value, out: &mut dyn FnMut(&[u8])) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out(b"{");
            for key in keys {
                out(Value::String(key.clone()).to_string().as_bytes());
                out(b":");
                canonical(&map[key], out);
                out(b",");
            }
            out(b"}");
        }
        Value::Array(items) => {
            out(b"[");
            for item in items {
                canonical(item, out);
                out(b",");
            }
            out(b"]");
        }
        scalar => out(scalar.to_string().as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_row_becomes_typed_parameters() {
        let rows = rows(
            "product,certificate.emails,order_validity.years,skip_approval,organization.id\n\
             client_premium,a@example.com; b@example.com,2,true,\n",
        )
        .unwrap();
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
        let a =
            rows("product,certificate.common_name,order_validity.years\nx,A,1\nx,B,1\n").unwrap();
        let b = rows("order_validity.years,certificate.common_name,product\n1,B,x\n").unwrap();
        assert_eq!(a[1].alternative_order_id(), b[0].alternative_order_id());
        assert_ne!(a[0].alternative_order_id(), a[1].alternative_order_id());
        assert_eq!(a[0].alternative_order_id().len(), 36);
    }

    #[test]
    fn a_spreadsheet_export_with_a_byte_order_mark_and_crlf_reads() {
        let path = std::env::temp_dir().join(format!("certcentral-bom-{}.csv", std::process::id()));
        std::fs::write(
            &path,
            "\u{feff}product,order_validity.years\r\nclass1_smime,1\r\n",
        )
        .unwrap();
        let rows = rows(&read(&path).unwrap()).unwrap();
        let _ = std::fs::remove_file(&path);
        assert_eq!(rows[0].product, "class1_smime");
        assert_eq!(rows[0].body["order_validity"]["years"], 1);
    }

    #[test]
    fn an_unknown_column_is_refused_with_the_nearest_name() {
        let Err(e) = rows("product,certificate.email\n") else {
            panic!("accepted")
        };
        assert!(e.contains("`certificate.emails`"), "{e}");
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
