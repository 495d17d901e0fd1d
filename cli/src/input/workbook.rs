//! Workbooks as HR exports them (.xlsx, .xls, .ods), read with calamine: the first sheet, or
//! the one `--sheet` names; each cell as text, as the sheet shows it (a whole number without
//! `.0`, a date as `yyyy-MM-dd`); each row's line as the spreadsheet numbers it.

use super::sheet::{Grid, Options};
use calamine::{Data, Reader};
use std::path::Path;

/// The sheet's cells as a grid.
pub fn grid(path: &Path, options: &Options, notes: &mut Vec<String>) -> Result<Grid, String> {
    let mut workbook = calamine::open_workbook_auto(path)
        .map_err(|e| format!("the workbook cannot be read: {e}"))?;
    let names = workbook.sheet_names();
    let name = match &options.sheet {
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted || n.eq_ignore_ascii_case(wanted))
            .cloned()
            .ok_or_else(|| {
                format!(
                    "the workbook has no sheet `{}`: its sheets are {}",
                    certcentral_table::excerpt(wanted),
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?,
        None => {
            let first = names
                .first()
                .cloned()
                .ok_or_else(|| "the workbook has no sheet".to_string())?;
            if names.len() > 1 {
                notes.push(format!(
                    "read the first sheet, `{first}`, of {} (pass --sheet NAME for another)",
                    names.len()
                ));
            }
            first
        }
    };
    let range = workbook
        .worksheet_range(&name)
        .map_err(|e| format!("the sheet `{name}` cannot be read: {e}"))?;
    let first_row = range.start().map_or(0, |(row, _)| row as usize);
    let first_col = range.start().map_or(0, |(_, col)| col as usize);
    let mut rows = range.rows().enumerate();
    let headers = match rows.next() {
        Some((_, header)) => header.iter().map(text).collect(),
        None => return Err("the sheet is empty: it has no header row and no order".into()),
    };
    if first_col > 0 {
        notes.push(format!(
            "the sheet's table starts at column {}",
            super::sheet::column_letters(first_col)
        ));
    }
    let records = rows
        .map(|(i, cells)| (first_row + i + 1, Ok(cells.iter().map(text).collect())))
        .collect();
    Ok(Grid { headers, records })
}

/// A cell as the sheet shows it.
fn text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::DateTime(d) => {
            let (y, m, day, h, min, s, _) = d.to_ymd_hms_milli();
            if (h, min, s) == (0, 0, 0) {
                format!("{y:04}-{m:02}-{day:02}")
            } else {
                format!("{y:04}-{m:02}-{day:02} {h:02}:{min:02}:{s:02}")
            }
        }
        other => other.to_string().trim().to_string(),
    }
}
