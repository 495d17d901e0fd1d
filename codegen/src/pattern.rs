//! Reads a spec `pattern` into a [`Pattern`] the SDK can match without a regex engine.
//!
//! The spec uses two shapes, and codegen accepts only those: a run of one ASCII character
//! class (`^[A-Za-z0-9]+$`, `^[0-9]{12,19}$`), matched as a length check and a class test per
//! byte; and the documented pattern of an `x-certcentral-date` format, which that format's
//! check already enforces (calendar included). Anything else is refused with what to do:
//! a new shape is a new variant of `certcentral_rules::Pattern`, not a regex engine in users'
//! builds. regex-syntax runs here, at generation time only.

use certcentral_rules::{Format, Pattern};
use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// Reads `source`, the pattern of a parameter whose date format (if any) is `format`, into
/// the table's `arena`.
pub fn compile<'a>(
    source: &str,
    format: Option<Format>,
    arena: &'a bumpalo::Bump,
) -> Result<Pattern<'a>, String> {
    if let Some(format) = format.filter(|f| f.pattern() == Some(source)) {
        return Ok(Pattern::Date(format));
    }
    let hir = regex_syntax::parse(source).map_err(|e| e.to_string())?;
    if let Some(ranges) = excluding(&hir) {
        return Ok(Pattern::Excluding {
            source: arena.alloc_str(source),
            ranges: arena.alloc_slice_copy(&ranges),
        });
    }
    run(&hir)
        .map(|(ranges, min, max)| Pattern::Run {
            source: arena.alloc_str(source),
            ranges: arena.alloc_slice_copy(&ranges),
            min,
            max,
        })
        .ok_or_else(|| {
            "only `^[class]{min,max}$` over ASCII, `^[^class]*$`, or the documented pattern of the parameter's \
             `x-certcentral-date` format, can be checked without a regex engine (extend \
             certcentral_rules::Pattern for another shape)"
                .to_string()
        })
}

/// `^[^class]*$`: the characters of the negated class (what the text must not hold).
fn excluding(hir: &Hir) -> Option<Vec<(char, char)>> {
    let (start, rep, end) = anchored_repetition(hir)?;
    let HirKind::Class(Class::Unicode(class)) = rep.sub.kind() else {
        return None;
    };
    if !(start && end) || rep.min != 0 || rep.max.is_some() {
        return None;
    }
    // The class as parsed is what is allowed; negated, what is excluded. A class that allows
    // most characters is written negated in the spec: take this shape only then.
    let mut excluded = class.clone();
    excluded.negate();
    let excluded: Vec<(char, char)> = excluded
        .ranges()
        .iter()
        .map(|r| (r.start(), r.end()))
        .collect();
    let few = excluded
        .iter()
        .map(|(lo, hi)| *hi as u32 - *lo as u32 + 1)
        .sum::<u32>()
        < 0x1000;
    (few && !excluded.is_empty()).then_some(excluded)
}

/// `^` and `$` around one repetition: whether each anchor is there, and the repetition.
fn anchored_repetition(hir: &Hir) -> Option<(bool, &regex_syntax::hir::Repetition, bool)> {
    let HirKind::Concat(parts) = hir.kind() else {
        return None;
    };
    let [start, repeated, end] = parts.as_slice() else {
        return None;
    };
    let HirKind::Repetition(rep) = repeated.kind() else {
        return None;
    };
    Some((
        matches!(start.kind(), HirKind::Look(Look::Start)),
        rep,
        matches!(end.kind(), HirKind::Look(Look::End)),
    ))
}

/// A class's inclusive byte ranges, and the fewest and most bytes of the run.
type Run = (Vec<(u8, u8)>, u32, u32);

/// `^[class]{min,max}$` over ASCII.
fn run(hir: &Hir) -> Option<Run> {
    let (start, rep, end) = anchored_repetition(hir)?;
    let anchored = start && end;
    let ranges = match rep.sub.kind() {
        HirKind::Class(Class::Unicode(class)) => class
            .ranges()
            .iter()
            .map(|r| Some((u8::try_from(r.start()).ok()?, u8::try_from(r.end()).ok()?)))
            .collect::<Option<Vec<_>>>()?,
        HirKind::Class(Class::Bytes(class)) => class
            .ranges()
            .iter()
            .map(|r| (r.start(), r.end()))
            .collect(),
        _ => return None,
    };
    let ascii = ranges.iter().all(|(_, hi)| hi.is_ascii());
    (anchored && ascii).then(|| (ranges, rep.min, rep.max.unwrap_or(u32::MAX)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_one_class() {
        let arena = bumpalo::Bump::new();
        let p = compile("^[A-Za-z0-9]+$", None, &arena).unwrap();
        assert!(p.is_match("abcXYZ019"));
        assert!(!p.is_match(""));
        assert!(!p.is_match("a-b"));
        assert!(!p.is_match("é"));
        let p = compile("^[0-9]{12,19}$", None, &arena).unwrap();
        assert!(p.is_match("411111111111"));
        assert!(!p.is_match("41111111111"));
        assert!(!p.is_match("41111111111111111111"));
    }

    #[test]
    fn date_patterns_only_on_their_format() {
        let arena = bumpalo::Bump::new();
        let ymd = Format::DateYyyyMmDd.pattern().unwrap();
        assert_eq!(
            compile(ymd, Some(Format::DateYyyyMmDd), &arena),
            Ok(Pattern::Date(Format::DateYyyyMmDd))
        );
        assert!(
            compile(ymd, None, &arena).is_err(),
            "a date shape without its format"
        );
        assert!(compile(ymd, Some(Format::DateDdMmmYyyy), &arena).is_err());
    }

    #[test]
    fn text_without_a_class() {
        let arena = bumpalo::Bump::new();
        let p = compile("^[^\\x00-\\x1F\\x7F-\\x9F]*$", None, &arena).unwrap();
        assert!(p.is_match(""));
        assert!(p.is_match("Zoë O'Brien-Łukasz, 3rd floor"));
        for bad in ["a\nb", "tab\there", "\u{7f}", "c1\u{85}", "\r"] {
            assert!(!p.is_match(bad), "{bad:?}");
        }
        assert_eq!(p.excluded("ab\tc"), Some((3, '\t')));
    }

    #[test]
    fn other_shapes_are_refused() {
        let arena = bumpalo::Bump::new();
        for source in [
            "^a|b$",
            "[0-9]+",
            "^[0-9]+",
            "^[^a]+$",
            "^[^a]*",
            "^[a-z]*$x",
            "^[é]+$",
            "^(ab)+$",
            "^[0-9]+[a-z]+$",
        ] {
            assert!(compile(source, None, &arena).is_err(), "{source}");
        }
    }
}
