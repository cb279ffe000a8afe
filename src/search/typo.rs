//! Typo correction against the terms that are actually in the index.

use anyhow::Result;
use std::collections::HashMap;
use tantivy::schema::Field;
use tantivy::IndexReader;

/// Analyzed terms of the index with their document frequency, bucketed by length.
pub struct Vocab {
    df: HashMap<String, u32>,
    by_len: Vec<Vec<(String, u32)>>,
}

impl Vocab {
    pub fn from_reader(reader: &IndexReader, fields: &[Field]) -> Result<Vocab> {
        let mut df: HashMap<String, u32> = HashMap::new();
        let searcher = reader.searcher();
        for seg in searcher.segment_readers() {
            for &f in fields {
                let inv = seg.inverted_index(f)?;
                let mut stream = inv.terms().stream()?;
                while stream.advance() {
                    if let Ok(s) = std::str::from_utf8(stream.key()) {
                        *df.entry(s.to_string()).or_default() += stream.value().doc_freq;
                    }
                }
            }
        }
        Ok(Self::from_counts(df))
    }

    pub fn from_counts(df: HashMap<String, u32>) -> Vocab {
        let mut by_len: Vec<Vec<(String, u32)>> = Vec::new();
        for (t, n) in &df {
            let l = t.chars().count();
            if by_len.len() <= l {
                by_len.resize(l + 1, Vec::new());
            }
            by_len[l].push((t.clone(), *n));
        }
        for b in &mut by_len {
            b.sort();
        }
        Vocab { df, by_len }
    }

    /// Every term of one field (no counts).
    pub fn terms_of(
        reader: &IndexReader,
        field: Field,
    ) -> Result<std::collections::HashSet<String>> {
        let mut out = std::collections::HashSet::new();
        for seg in reader.searcher().segment_readers() {
            let inv = seg.inverted_index(field)?;
            let mut stream = inv.terms().stream()?;
            while stream.advance() {
                if let Ok(s) = std::str::from_utf8(stream.key()) {
                    out.insert(s.to_string());
                }
            }
        }
        Ok(out)
    }

    /// Documents that contain `t` (0 when the index does not have it).
    pub fn df(&self, t: &str) -> u32 {
        self.df.get(t).copied().unwrap_or(0)
    }

    pub fn contains(&self, t: &str) -> bool {
        self.df.contains_key(t)
    }

    /// Terms of the index closest to `t` (Damerau–Levenshtein distance 1 for 4–7 characters,
    /// 2 from 8 up; none for shorter words), the most frequent first, at most three.
    /// Empty when nothing is close enough.
    pub fn correct(&self, t: &str) -> Vec<String> {
        let chars: Vec<char> = t.chars().collect();
        let n = chars.len();
        let max = match n {
            0..=3 => return Vec::new(),
            4..=7 => 1,
            _ => 2,
        };
        let mut best: Vec<(usize, u32, &str)> = Vec::new();
        let lo = n.saturating_sub(max);
        let hi = (n + max).min(self.by_len.len().saturating_sub(1));
        let mut buf = Vec::new();
        for len in lo..=hi {
            for (cand, df) in self.by_len.get(len).into_iter().flatten() {
                buf.clear();
                buf.extend(cand.chars());
                if let Some(d) = bounded_dl(&chars, &buf, max) {
                    best.push((d, *df, cand));
                }
            }
        }
        best.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(b.2)));
        let Some(d0) = best.first().map(|b| b.0) else {
            return Vec::new();
        };
        best.iter()
            .filter(|b| b.0 == d0)
            .take(3)
            .map(|b| b.2.to_string())
            .collect()
    }
}

/// Optimal-string-alignment distance between `a` and `b`, or `None` when it exceeds `max`.
fn bounded_dl(a: &[char], b: &[char], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let (n, m) = (a.len(), b.len());
    let mut prev2 = vec![0usize; m + 1];
    let mut prev: Vec<usize> = (0..=m).collect();
    let mut cur = vec![0usize; m + 1];
    for i in 1..=n {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    (prev[m] <= max).then_some(prev[m])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(a: &str, b: &str, max: usize) -> Option<usize> {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        bounded_dl(&a, &b, max)
    }

    #[test]
    fn distances() {
        assert_eq!(d("chrod", "chord", 1), Some(1));
        assert_eq!(d("chord", "chord", 1), Some(0));
        assert_eq!(d("rabbitqm", "rabbitmq", 2), Some(1));
        assert_eq!(d("brokr", "broker", 1), Some(1));
        assert_eq!(d("abc", "xyz", 1), None);
    }

    #[test]
    fn correction_prefers_frequent_terms() {
        let v = Vocab::from_counts(
            [
                ("chord".to_string(), 5),
                ("chore".to_string(), 1),
                ("group".to_string(), 9),
            ]
            .into_iter()
            .collect(),
        );
        assert_eq!(v.correct("chrod"), vec!["chord".to_string()]);
        assert_eq!(
            v.correct("chor"),
            vec!["chord".to_string(), "chore".to_string()]
        );
        assert!(v.correct("xyzzy").is_empty());
        assert!(v.correct("abc").is_empty());
    }
}
