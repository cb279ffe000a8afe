//! Lesson markdown as plain text for excerpts: parsed with pulldown-cmark, emphasis and links
//! reduced to their words, inline code kept in backticks, code blocks kept as indented lines.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

/// `md` as readable plain text (paragraphs separated by a blank line).
pub fn to_plain(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    let mut in_code_block = false;
    let mut list_depth: usize = 0;
    let new_block = |out: &mut String| {
        let trimmed = out.trim_end_matches([' ', '\n']).len();
        out.truncate(trimmed);
        if !out.is_empty() {
            out.push_str("\n\n");
        }
    };
    for ev in Parser::new(md) {
        match ev {
            Event::Start(Tag::Paragraph) | Event::Start(Tag::Heading { .. }) if list_depth == 0 => {
                new_block(&mut out);
            }
            Event::Start(Tag::CodeBlock(_)) => {
                new_block(&mut out);
                in_code_block = true;
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code_block = false;
                new_block(&mut out);
            }
            Event::Start(Tag::List(_)) => {
                if list_depth == 0 {
                    new_block(&mut out);
                }
                list_depth += 1;
            }
            Event::End(TagEnd::List(_)) => {
                list_depth = list_depth.saturating_sub(1);
                if list_depth == 0 {
                    new_block(&mut out);
                }
            }
            Event::Start(Tag::Item) => {
                let trimmed = out.trim_end_matches([' ', '\n']).len();
                out.truncate(trimmed);
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(&"  ".repeat(list_depth.saturating_sub(1)));
                out.push_str("- ");
            }
            Event::Start(Tag::TableRow) | Event::Start(Tag::TableHead)
                if !out.ends_with('\n') && !out.is_empty() =>
            {
                out.push('\n');
            }
            Event::End(TagEnd::TableCell) => out.push_str(" | "),
            Event::Start(Tag::Table(_)) => new_block(&mut out),
            Event::Text(t) => {
                if in_code_block {
                    for line in t.lines() {
                        out.push_str("    ");
                        out.push_str(line);
                        out.push('\n');
                    }
                } else {
                    out.push_str(&t);
                }
            }
            Event::Code(c) => {
                out.push('`');
                out.push_str(&c);
                out.push('`');
            }
            Event::SoftBreak => out.push(' '),
            Event::HardBreak => out.push('\n'),
            Event::Rule => new_block(&mut out),
            _ => {}
        }
    }
    out.trim().to_string()
}

/// Whether `c` continues an identifier (so a highlight must not stop there).
fn ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Widen byte `ranges` of `text` to whole identifiers (`retry` in `retry_backoff_max` becomes
/// the whole name) and merge the ones that then overlap or touch.
pub fn widen_to_identifiers(
    text: &str,
    ranges: &[std::ops::Range<usize>],
) -> Vec<std::ops::Range<usize>> {
    let mut out: Vec<std::ops::Range<usize>> = Vec::new();
    for r in ranges {
        if r.start > r.end
            || r.end > text.len()
            || !text.is_char_boundary(r.start)
            || !text.is_char_boundary(r.end)
        {
            continue;
        }
        let mut s = r.start;
        while let Some(c) = text[..s].chars().next_back().filter(|&c| ident_char(c)) {
            s -= c.len_utf8();
        }
        let mut e = r.end;
        while let Some(c) = text[e..].chars().next().filter(|&c| ident_char(c)) {
            e += c.len_utf8();
        }
        match out.last_mut() {
            Some(last) if s <= last.end => last.end = last.end.max(e),
            _ => out.push(s..e),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_text_and_code_stays_code() {
        let md = "Use **retry** with `retry_backoff_max`, see [docs](http://x).\n\n```python\n@app.task\ndef f(): pass\n```\n\n- one\n- *two*\n";
        let p = to_plain(md);
        assert!(
            p.contains("Use retry with `retry_backoff_max`, see docs."),
            "{p}"
        );
        assert!(p.contains("    @app.task\n    def f(): pass"), "{p}");
        assert!(p.contains("- one\n- two"), "{p}");
        assert!(
            !p.contains("**") && !p.contains("```") && !p.contains("]("),
            "{p}"
        );
    }

    #[test]
    fn highlights_cover_whole_identifiers() {
        let t = "set retry_backoff_max and retry";
        let r = widen_to_identifiers(t, &[4..9, 26..31]);
        assert_eq!(&t[r[0].clone()], "retry_backoff_max");
        assert_eq!(&t[r[1].clone()], "retry");
    }
}
