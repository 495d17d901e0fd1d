//! A file's bytes as text, in the encodings spreadsheet programs export: UTF-8 (with or
//! without a byte-order mark), UTF-16 with a byte-order mark, and Windows-1252 (Excel's "CSV"
//! on Western-European Windows). Decoding is `encoding_rs`'s; only the choice is made here.

use clap::ValueEnum;

/// The encoding to read a file in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Encoding {
    /// UTF-8 or, by its byte-order mark, UTF-16; a file that is neither is read as
    /// Windows-1252, with a note saying so.
    #[default]
    Auto,
    /// UTF-8 only: anything else is refused with its line and byte.
    Utf8,
    /// UTF-16, little-endian (a byte-order mark may precede).
    Utf16le,
    /// UTF-16, big-endian (a byte-order mark may precede).
    Utf16be,
    /// Windows-1252 (Western European), also for ISO-8859-1 files.
    Windows1252,
}

/// Decoded text, and a note for the user when an encoding was assumed.
pub struct Decoded {
    pub text: String,
    pub note: Option<String>,
}

/// Decodes `bytes` (the file `shown`) as `encoding` says.
pub fn decode(bytes: &[u8], encoding: Encoding, shown: &str) -> Result<Decoded, String> {
    let plain = |text: String| Decoded { text, note: None };
    let bom = encoding_rs::Encoding::for_bom(bytes);
    match encoding {
        Encoding::Auto => match bom {
            Some((e, len)) if e == encoding_rs::UTF_8 => utf8(&bytes[len..], shown).map(plain),
            Some((e, len)) => utf16(e, &bytes[len..], shown).map(|text| Decoded {
                text,
                note: Some(format!("{shown}: read as {} (byte-order mark)", e.name())),
            }),
            None if bytes.contains(&0) => Err(format!(
                "{shown} holds NUL bytes: UTF-16 without a byte-order mark? Name it with \
                 --encoding utf16le (or utf16be)"
            )),
            None => match std::str::from_utf8(bytes) {
                Ok(text) => Ok(plain(text.to_string())),
                Err(e) => {
                    let at = position(bytes, e.valid_up_to());
                    let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
                    Ok(Decoded {
                        text: text.into_owned(),
                        note: Some(format!(
                            "{shown} is not UTF-8 ({at}): read as Windows-1252; \
                             pass --encoding to name its encoding (utf8 refuses such a file)"
                        )),
                    })
                }
            },
        },
        Encoding::Utf8 => {
            let skip = bom
                .filter(|(e, _)| *e == encoding_rs::UTF_8)
                .map_or(0, |b| b.1);
            utf8(&bytes[skip..], shown).map(plain)
        }
        Encoding::Utf16le | Encoding::Utf16be => {
            let e = if encoding == Encoding::Utf16le {
                encoding_rs::UTF_16LE
            } else {
                encoding_rs::UTF_16BE
            };
            let skip = bom.filter(|(b, _)| *b == e).map_or(0, |b| b.1);
            utf16(e, &bytes[skip..], shown).map(plain)
        }
        Encoding::Windows1252 => Ok(plain(
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
                .into_owned(),
        )),
    }
}

fn utf8(bytes: &[u8], shown: &str) -> Result<String, String> {
    std::str::from_utf8(bytes).map(str::to_string).map_err(|e| {
        format!(
            "{shown} is not valid UTF-8 ({}); pass --encoding windows1252 if it is a \
                 Windows export",
            position(bytes, e.valid_up_to())
        )
    })
}

fn utf16(e: &'static encoding_rs::Encoding, bytes: &[u8], shown: &str) -> Result<String, String> {
    e.decode_without_bom_handling_and_without_replacement(bytes)
        .map(|t| t.into_owned())
        .ok_or_else(|| format!("{shown} is not valid {}", e.name()))
}

/// "line 12, byte 5 (0xE9)": where a byte sits, as an editor counts lines.
fn position(bytes: &[u8], offset: usize) -> String {
    let lines = Lines::new_bytes(&bytes[..offset]);
    let line = lines.line_of(offset);
    let start = lines.starts.last().copied().unwrap_or(0);
    let byte = bytes.get(offset).copied().unwrap_or(0);
    format!("line {line}, byte {}: 0x{byte:02X}", offset - start + 1)
}

/// Where lines start, counting `\n`, `\r\n` and a lone `\r` as one break each (as editors do).
pub struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    /// The line starts of a text.
    pub fn new(text: &str) -> Lines {
        Lines::new_bytes(text.as_bytes())
    }

    fn new_bytes(bytes: &[u8]) -> Lines {
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    starts.push(i + 2);
                    i += 1;
                }
                b'\r' => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        Lines { starts }
    }

    /// The 1-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|s| *s <= offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_counted_as_an_editor_counts_them() {
        let text = "a\r\nb\n\nc\rd";
        let lines = Lines::new(text);
        let line = |needle: &str| lines.line_of(text.find(needle).unwrap());
        assert_eq!((line("a"), line("b"), line("c"), line("d")), (1, 2, 4, 5));
    }

    #[test]
    fn utf16_and_windows_1252_are_decoded_and_bad_utf8_is_placed() {
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "product,é\n".encode_utf16() {
            utf16.extend(unit.to_le_bytes());
        }
        let d = decode(&utf16, Encoding::Auto, "f.csv").unwrap();
        assert_eq!(d.text, "product,é\n");
        assert!(d.note.unwrap().contains("UTF-16LE"));

        let cp1252 = b"product,name\nx,Jos\xE9\n";
        let d = decode(cp1252, Encoding::Auto, "f.csv").unwrap();
        assert_eq!(d.text, "product,name\nx,José\n");
        let note = d.note.unwrap();
        assert!(
            note.contains("line 2, byte 6: 0xE9") && note.contains("Windows-1252"),
            "{note}"
        );

        let e = decode(cp1252, Encoding::Utf8, "f.csv").err().unwrap();
        assert!(e.contains("line 2, byte 6: 0xE9"), "{e}");
        let d = decode(b"\xEF\xBB\xBFproduct\n", Encoding::Auto, "f.csv").unwrap();
        assert_eq!((d.text.as_str(), d.note), ("product\n", None));
        assert!(decode(&utf16[2..], Encoding::Auto, "f.csv").is_err());
        let d = decode(&utf16[2..], Encoding::Utf16le, "f.csv").unwrap();
        assert_eq!(d.text, "product,é\n");
    }
}
