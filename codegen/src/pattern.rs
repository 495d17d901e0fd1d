//! Compiles a spec `pattern` to a small table, emitted into `spec/src/table.rs` and run by
//! `certcentral_spec::Pattern::is_match`: the SDK matches patterns without a regex engine at
//! run time, in one pass over the bytes, and the table is checked in beside its source.
//!
//! The common shape `^[set]{m,n}$` over an ASCII set becomes a *run*: a length check and one
//! class lookup per byte, with no state to carry from byte to byte. Anything else becomes a
//! DFA: regex-automata determinizes here (at generation time only); the states reachable from
//! the start are numbered breadth-first, states that can no longer lead to a match collapse
//! into one dead state (0), and bytes that every state treats alike share a class.

use regex_automata::dfa::{Automaton, dense};
use regex_automata::util::primitives::StateID;
use regex_automata::util::start;
use regex_automata::{Anchored, MatchKind};
use std::collections::{HashMap, VecDeque};

/// The most states a compiled pattern may have (state ids are bytes).
pub const MAX_STATES: usize = 255;

/// A compiled pattern, in the layout `certcentral_spec::Pattern` reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compiled {
    /// The regular expression as written in the spec.
    pub source: String,
    /// The class of every byte value.
    pub classes: Vec<u8>,
    pub machine: Machine,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Machine {
    /// `^[set]{min,max}$`: between `min` and `max` bytes, each of class 1.
    Run { min: u32, max: u32 },
    Dfa {
        /// The start state.
        start: u8,
        /// log2 of the width of a row of `next` (classes rounded up to a power of two).
        shift: u8,
        /// `next[state << shift | class]`: the state after a byte; 0 is dead.
        next: Vec<u8>,
        /// Per state: bit 0 set when a match ended before the next byte, bit 1 when the text
        /// matches if it ends here.
        accept: Vec<u8>,
        /// Whether any state has bit 0 (a match can end before the text does).
        early: bool,
    },
}

/// Bit of [`Compiled::accept`]: a match has been seen.
pub const MATCHED: u8 = 1;
/// Bit of [`Compiled::accept`]: the text matches if it ends in this state.
pub const MATCH_AT_END: u8 = 2;

/// Compiles `pattern` (regex crate syntax, searched anywhere in the text as `regex::is_match`
/// does; the spec's patterns are anchored with `^` and `$`).
pub fn compile(pattern: &str) -> Result<Compiled, String> {
    let hir = regex_syntax::parse(pattern).map_err(|e| e.to_string())?;
    if let Some(run) = ascii_run(pattern, &hir) {
        return Ok(run);
    }
    let dfa = dense::Builder::new()
        .configure(
            dense::Config::new()
                .match_kind(MatchKind::All)
                .minimize(true),
        )
        .build(pattern)
        .map_err(|e| e.to_string())?;
    let start = dfa
        .start_state(&start::Config::new().anchored(Anchored::No))
        .map_err(|e| e.to_string())?;

    // Every state reachable from the start, breadth first.
    let mut index: HashMap<StateID, usize> = HashMap::from([(start, 0)]);
    let mut order = vec![start];
    let mut queue = VecDeque::from([start]);
    let mut rows: Vec<[usize; 256]> = Vec::new();
    while let Some(state) = queue.pop_front() {
        if dfa.is_quit_state(state) {
            return Err("the pattern needs look-around a DFA cannot decide".into());
        }
        let mut row = [0; 256];
        for (byte, slot) in (0..=255u8).zip(row.iter_mut()) {
            let next = dfa.next_state(state, byte);
            *slot = *index.entry(next).or_insert_with(|| {
                order.push(next);
                queue.push_back(next);
                order.len() - 1
            });
        }
        rows.push(row);
    }
    let flags: Vec<u8> = order
        .iter()
        .map(|&s| {
            let now = dfa.is_match_state(s);
            let end = now || dfa.is_match_state(dfa.next_eoi_state(s));
            (u8::from(now) * MATCHED) | (u8::from(end) * MATCH_AT_END)
        })
        .collect();

    // Live states: those from which some text still matches.
    let mut live: Vec<bool> = flags.iter().map(|&f| f != 0).collect();
    loop {
        let grew = (0..rows.len())
            .filter(|&s| !live[s] && rows[s].iter().any(|&t| live[t]))
            .collect::<Vec<_>>();
        if grew.is_empty() {
            break;
        }
        for s in grew {
            live[s] = true;
        }
    }
    // Renumber: 0 is dead, live states keep their breadth-first order from 1.
    let mut number = vec![0usize; rows.len()];
    let mut kept = Vec::new();
    for s in (0..rows.len()).filter(|&s| live[s]) {
        kept.push(s);
        number[s] = kept.len();
    }
    if kept.len() + 1 > MAX_STATES {
        return Err(format!(
            "the pattern compiles to {} states; the compiled matcher takes at most {MAX_STATES}",
            kept.len() + 1
        ));
    }
    // A byte's column: where it leads from every state. Equal columns share a class.
    let column =
        |byte: usize| -> Vec<usize> { kept.iter().map(|&s| number[rows[s][byte]]).collect() };
    let mut columns: Vec<Vec<usize>> = Vec::new();
    let mut classes = Vec::with_capacity(256);
    for byte in 0..256 {
        let col = column(byte);
        let class = match columns.iter().position(|c| *c == col) {
            Some(i) => i,
            None => {
                columns.push(col);
                columns.len() - 1
            }
        };
        classes.push(class as u8);
    }
    // Rows as wide as a power of two: a shift instead of a multiplication per byte.
    let shift = columns.len().next_power_of_two().trailing_zeros();
    let stride = 1usize << shift;
    let mut next = vec![0u8; (kept.len() + 1) * stride];
    let mut accept = vec![0u8; kept.len() + 1];
    for (i, &s) in kept.iter().enumerate() {
        for (class, col) in columns.iter().enumerate() {
            next[(i + 1) * stride + class] = col[i] as u8;
        }
        accept[i + 1] = flags[s];
    }
    Ok(Compiled {
        source: pattern.to_string(),
        classes,
        machine: Machine::Dfa {
            start: number[0] as u8,
            shift: shift as u8,
            early: accept.iter().any(|&f| f & MATCHED != 0),
            next,
            accept,
        },
    })
}

/// `^[set]{min,max}$` (or `+`, `*`, `?`) with a set of ASCII characters only, so that bytes
/// are characters: a run, its set as class 1.
fn ascii_run(pattern: &str, hir: &regex_syntax::hir::Hir) -> Option<Compiled> {
    use regex_syntax::hir::{Class, HirKind, Look};
    let HirKind::Concat(parts) = hir.kind() else {
        return None;
    };
    let [start, repetition, end] = parts.as_slice() else {
        return None;
    };
    if start.kind() != &HirKind::Look(Look::Start) || end.kind() != &HirKind::Look(Look::End) {
        return None;
    }
    let HirKind::Repetition(r) = repetition.kind() else {
        return None;
    };
    let HirKind::Class(class) = r.sub.kind() else {
        return None;
    };
    let set: Vec<(u32, u32)> = match class {
        Class::Unicode(c) => c
            .ranges()
            .iter()
            .map(|r| (u32::from(r.start()), u32::from(r.end())))
            .collect(),
        Class::Bytes(c) => c
            .ranges()
            .iter()
            .map(|r| (u32::from(r.start()), u32::from(r.end())))
            .collect(),
    };
    let ascii = set
        .iter()
        .map(|&(lo, hi)| Some((u8::try_from(lo).ok()?, u8::try_from(hi).ok()?)))
        .collect::<Option<Vec<_>>>()
        .filter(|set| set.iter().all(|&(_, hi)| hi.is_ascii()))?;
    let mut classes = vec![0u8; 256];
    for (lo, hi) in ascii {
        for b in lo..=hi {
            classes[usize::from(b)] = 1;
        }
    }
    Some(Compiled {
        source: pattern.to_string(),
        classes,
        machine: Machine::Run {
            min: r.min,
            max: r.max.unwrap_or(u32::MAX),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The matcher `certcentral_spec::Pattern::is_match` runs, over the compiled layout.
    fn is_match(c: &Compiled, text: &str) -> bool {
        let class = |b: u8| c.classes[usize::from(b)];
        match &c.machine {
            Machine::Run { min, max } => {
                (*min as usize..=*max as usize).contains(&text.len())
                    && text.bytes().all(|b| class(b) == 1)
            }
            Machine::Dfa {
                start,
                shift,
                next,
                accept,
                ..
            } => {
                let mut state = usize::from(*start);
                for b in text.bytes() {
                    if accept[state] & MATCHED != 0 {
                        return true;
                    }
                    state = usize::from(next[(state << shift) | usize::from(class(b))]);
                    if state == 0 {
                        return false;
                    }
                }
                accept[state] & MATCH_AT_END != 0
            }
        }
    }

    #[test]
    fn anchored_patterns_match_whole_texts_only() {
        for pattern in ["^[A-Za-z0-9]+$", "^([A-Za-z0-9])+$"] {
            let c = compile(pattern).unwrap();
            assert!(is_match(&c, "order42"));
            for bad in ["", "order-42", "order42\n", " order42", "ordér"] {
                assert!(!is_match(&c, bad), "{pattern} on {bad:?}");
            }
        }
        // A class repeated is a run; the same in a group is a DFA (and agrees with it).
        assert_eq!(
            compile("^[A-Za-z0-9]+$").unwrap().machine,
            Machine::Run {
                min: 1,
                max: u32::MAX
            }
        );
        assert!(matches!(
            compile("^([A-Za-z0-9])+$").unwrap().machine,
            Machine::Dfa { .. }
        ));
    }

    #[test]
    fn runs_need_ascii_sets() {
        assert_eq!(
            compile("^[0-9]{12,19}$").unwrap().machine,
            Machine::Run { min: 12, max: 19 }
        );
        // `é` is two bytes: a byte count is not a character count, so this one is a DFA.
        let c = compile("^[a-zé]{2,3}$").unwrap();
        assert!(matches!(c.machine, Machine::Dfa { .. }));
        assert!(is_match(&c, "éé"));
        assert!(!is_match(&c, "éééé"));
    }

    #[test]
    fn unanchored_patterns_search_anywhere() {
        let c = compile("[0-9]{2}").unwrap();
        assert!(is_match(&c, "ab12cd"));
        assert!(!is_match(&c, "a1b2"));
    }

    #[test]
    fn alternations_and_counted_repetitions() {
        let c = compile("^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$").unwrap();
        assert!(is_match(&c, "2026-11-30"));
        for bad in ["2026-13-01", "2026-1-01", "2026-11-32", "12026-11-30"] {
            assert!(!is_match(&c, bad), "{bad:?}");
        }
    }

    #[test]
    fn oversized_and_invalid_patterns_are_refused() {
        assert!(compile("^(").is_err());
        assert!(compile("^([a-z]){1,300}$").unwrap_err().contains("states"));
    }
}
