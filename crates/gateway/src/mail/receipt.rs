//! The fiscal receipt e-mailed to the buyer (spec §9.1), in Russian: the goods, the total, the
//! fiscal data, the receipt's QR code (drawn as an HTML table, which every mail client shows,
//! unlike inline SVG or data URLs), and links to the public receipt page and the OFD's page.

use std::fmt::Write;

use oblako_store::Tx;

use crate::mail::letter::{self, escape};
use crate::mail::order_link::Email;
use crate::mail::queue_email;
use crate::receipts::printed::{Line, Printed};

/// What both parts of the e-mail show.
struct Parts<'a> {
    merchant: &'a str,
    kind: &'a str,
    lines: &'a [Line],
    total: &'a str,
    fiscal: &'a [(&'static str, String)],
    url: &'a str,
    ofd_url: &'a str,
}

/// The HTML part: `qr` is the code's table, already HTML.
fn html(p: &Parts<'_>, subject: &str, qr: &str) -> String {
    let mut out = letter::html_head("ru", subject);
    // Writing into a String cannot fail.
    let _ = write!(
        out,
        "<p>Здравствуйте!</p>\n<p>Кассовый чек по вашей покупке у продавца «{}».</p>\n\
         <table style=\"border-collapse:collapse;min-width:320px;\">\n\
         <tr><td colspan=\"3\" style=\"font-weight:bold;padding:4px 0;\">Кассовый чек. {}</td></tr>\n",
        escape(p.merchant),
        escape(p.kind)
    );
    for line in p.lines {
        let _ = writeln!(
            out,
            "<tr><td style=\"padding:2px 8px 2px 0;\">{}<br><span style=\"color:#666;font-size:13px;\">{}, {}</span></td><td></td><td style=\"text-align:right;vertical-align:top;\">{}</td></tr>",
            escape(&line.label),
            escape(&line.quantity_price),
            escape(&line.vat),
            escape(&line.amount)
        );
    }
    let _ = writeln!(
        out,
        "<tr><td style=\"font-weight:bold;padding-top:6px;\">ИТОГ</td><td></td><td style=\"font-weight:bold;text-align:right;padding-top:6px;\">{}</td></tr>",
        escape(p.total)
    );
    for (name, value) in p.fiscal {
        let _ = writeln!(
            out,
            "<tr><td style=\"color:#666;font-size:13px;\">{}</td><td></td><td style=\"text-align:right;font-size:13px;\">{}</td></tr>",
            escape(name),
            escape(value)
        );
    }
    let _ = writeln!(
        out,
        "</table>\n<div style=\"margin:16px 0;\">{qr}</div>\n\
         <p><a href=\"{}\">Открыть чек</a> · <a href=\"{}\">Проверить чек на сайте ОФД</a></p>",
        escape(p.url),
        escape(p.ofd_url)
    );
    out.push_str(&letter::small_grey(
        "Это письмо отправлено автоматически, отвечать на него не нужно.",
    ));
    out.push('\n');
    out.push_str(letter::HTML_TAIL);
    out
}

/// The plain-text part.
fn text(p: &Parts<'_>) -> String {
    let mut out = format!(
        "Здравствуйте!\n\nКассовый чек по вашей покупке у продавца «{}».\n\nКассовый чек. {}\n",
        p.merchant, p.kind
    );
    for line in p.lines {
        let _ = writeln!(
            out,
            "{}: {} = {} ({})",
            line.label, line.quantity_price, line.amount, line.vat
        );
    }
    let _ = writeln!(out, "ИТОГ: {}", p.total);
    for (name, value) in p.fiscal {
        let _ = writeln!(out, "{name}: {value}");
    }
    let _ = write!(
        out,
        "\nОткрыть чек: {}\nПроверить чек на сайте ОФД: {}\n\n\
         Это письмо отправлено автоматически, отвечать на него не нужно.",
        p.url, p.ofd_url
    );
    out
}

/// The e-mail of `printed`, sold by `merchant`.
pub fn receipt_email(printed: &Printed, merchant: &str) -> anyhow::Result<Email> {
    let subject = format!("Кассовый чек: {merchant} — {} ₽", printed.total());
    let lines = printed.lines();
    let fiscal = printed.fiscal_lines();
    let total = printed.total();
    let ofd_url = printed.ofd_receipt_url().unwrap_or_default();
    let qr = qr_table(printed.row.qr_string.as_deref().unwrap_or_default());
    let kind = printed.receipt_type.russian();
    let parts = Parts {
        merchant,
        kind,
        lines: &lines,
        total: &total,
        fiscal: &fiscal,
        url: &printed.url,
        ofd_url: &ofd_url,
    };
    let html = html(&parts, &subject, &qr);
    let text = text(&parts);
    Ok(Email {
        subject,
        html,
        text,
    })
}

/// `text` as a QR code drawn with table cells, 3 px a module, with a 4-module quiet zone; a run
/// of modules of one colour is one cell, which keeps the e-mail small.
pub fn qr_table(text: &str) -> String {
    let Ok(code) = qrcode::QrCode::new(text.as_bytes()) else {
        return String::new();
    };
    let width = code.width();
    let colors = code.to_colors();
    let quiet = 4;
    let side = width + 2 * quiet;
    let dark = |x: usize, y: usize| {
        (quiet..width + quiet).contains(&x)
            && (quiet..width + quiet).contains(&y)
            && colors[(y - quiet) * width + (x - quiet)] == qrcode::Color::Dark
    };
    let mut html = String::from(
        "<table cellpadding=\"0\" cellspacing=\"0\" style=\"border-collapse:collapse;\">",
    );
    for y in 0..side {
        html.push_str("<tr>");
        let mut x = 0;
        while x < side {
            let colour = dark(x, y);
            let run = (x..side).take_while(|&i| dark(i, y) == colour).count();
            let background = if colour { "#000" } else { "#fff" };
            html.push_str(&format!(
                "<td colspan=\"{run}\" style=\"width:{}px;height:3px;padding:0;background:{background};\"></td>",
                3 * run
            ));
            x += run;
        }
        html.push_str("</tr>");
    }
    html.push_str("</table>");
    html
}

/// Queues the e-mail of `printed` inside `tx` when it has an address; returns whether it did.
pub async fn queue_in(
    tx: &mut Tx,
    printed: &Printed,
    merchant: &str,
    now_ms: i64,
) -> anyhow::Result<bool> {
    let Some(to) = printed
        .row
        .email
        .as_deref()
        .filter(|e| !e.trim().is_empty())
    else {
        return Ok(false);
    };
    let email = receipt_email(printed, merchant)?;
    let reference = format!("receipt:{}", printed.row.id);
    let site = Some(printed.row.site_id);
    queue_email(tx, site, to, &email, &reference, now_ms).await?;
    Ok(true)
}
