//! Writing e-mails out: HTML with every inserted value escaped (`"`, `&`, `'`, `<`, `>` as
//! numeric references), and plain text as it is. The e-mails are short and fixed, so they are
//! written here in Rust rather than through a template engine.

use std::fmt::Write;

/// `text` safe inside HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("&#34;"),
            '&' => out.push_str("&#38;"),
            '\'' => out.push_str("&#39;"),
            '<' => out.push_str("&#60;"),
            '>' => out.push_str("&#62;"),
            c => out.push(c),
        }
    }
    out
}

/// The head every e-mail's HTML part opens with, up to `<body …>` and its newline.
pub fn html_head(lang: &str, title: &str) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"{}\">\n<head><meta charset=\"utf-8\"><title>{}</title></head>\n\
         <body style=\"font: 16px/1.5 Arial, sans-serif; color: #222;\">\n",
        escape(lang),
        escape(title)
    );
    out
}

/// The green button to `url` labelled `label`.
pub fn button(url: &str, label: &str) -> String {
    format!(
        "<p><a href=\"{}\" style=\"display:inline-block;padding:12px 24px;background:#1a7f37;color:#fff;text-decoration:none;border-radius:6px;\">{}</a></p>",
        escape(url),
        escape(label)
    )
}

/// A small grey paragraph.
pub fn small_grey(text: &str) -> String {
    format!(
        "<p style=\"font-size:13px;color:#666;\">{}</p>",
        escape(text)
    )
}

/// A small paragraph holding one link.
pub fn small_link(url: &str, label: &str) -> String {
    format!(
        "<p style=\"font-size:13px;\"><a href=\"{}\">{}</a></p>",
        escape(url),
        escape(label)
    )
}

/// The end of every e-mail's HTML part.
pub const HTML_TAIL: &str = "</body>\n</html>";
