//! Suggestions for misspelt names (products, parameters), for the validator, the mock and
//! codegen's messages.

/// The candidate closest to `input` by edit distance, if any is reasonably close.
///
/// ```
/// let names = ["client_premium", "class1_smime"];
/// assert_eq!(certcentral_rules::nearest("client_premum", names), Some("client_premium"));
/// assert_eq!(certcentral_rules::nearest("zzzzzzzz", names), None);
/// ```
pub fn nearest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let n = input.chars().count();
    candidates
        .into_iter()
        .filter_map(|c| {
            let m = c.chars().count();
            let bound = (c.len().max(input.len()) / 3).max(1);
            // The distance is at least the difference in length: a far longer input (a 50 MB
            // "column name") is no near miss, and is not compared character by character.
            (n.abs_diff(m) <= bound).then(|| (edit_distance(input, c), c, bound))
        })
        .filter(|(d, _, bound)| d <= bound)
        .map(|(d, c, _)| (d, c))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}
