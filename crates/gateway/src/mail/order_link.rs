//! The order link message: an e-mail (HTML and text, Russian or English by the order's
//! `CultureName`) and the short text for SMS, Viber and WhatsApp.

use oblako_protocol::amount::amount_fixed;
use oblako_store::orders::OrderRow;

use crate::mail::letter;
use crate::orders::money_of;

/// The words of the message in one language.
pub struct Texts {
    subject: &'static str,
    greeting: &'static str,
    asks: &'static str,
    order: &'static str,
    amount: &'static str,
    pay: &'static str,
    offer: &'static str,
    ignore: &'static str,
    short: &'static str,
}

const RU: Texts = Texts {
    subject: "Счёт на оплату",
    greeting: "Здравствуйте!",
    asks: "выставил вам счёт.",
    order: "Заказ №",
    amount: "Сумма",
    pay: "Оплатить",
    offer: "Условия оферты",
    ignore: "Если вы не ждали этого письма, просто не отвечайте на него.",
    short: "Оплатите заказ №",
};

const EN: Texts = Texts {
    subject: "Payment request",
    greeting: "Hello,",
    asks: "has sent you a payment request.",
    order: "Order #",
    amount: "Amount",
    pay: "Pay now",
    offer: "Terms of the offer",
    ignore: "If you did not expect this message, simply ignore it.",
    short: "Pay order #",
};

/// Whether texts for `culture` are English (anything else is Russian, CloudPayments' default).
pub fn is_english(culture: &str) -> bool {
    culture.to_ascii_lowercase().starts_with("en")
}

struct Html<'a> {
    t: &'a Texts,
    lang: &'a str,
    merchant: &'a str,
    number: i64,
    description: &'a str,
    amount: &'a str,
    url: &'a str,
    offer_uri: Option<&'a str>,
}

struct Text<'a> {
    t: &'a Texts,
    merchant: &'a str,
    number: i64,
    description: &'a str,
    amount: &'a str,
    url: &'a str,
    offer_uri: Option<&'a str>,
}

impl Html<'_> {
    fn render(&self) -> anyhow::Result<String> {
        let t = self.t;
        let e = letter::escape;
        let mut out = letter::html_head(self.lang, t.subject);
        out.push_str(&format!("<p>{}</p>\n", e(t.greeting)));
        out.push_str(&format!(
            "<p><b>{}</b> {}</p>\n",
            e(self.merchant),
            e(t.asks)
        ));
        out.push_str("<table cellpadding=\"4\">\n");
        out.push_str(&format!(
            "<tr><td style=\"color:#666\">{}</td><td>{}</td></tr>\n",
            e(t.order),
            self.number
        ));
        out.push_str(&format!(
            "<tr><td colspan=\"2\">{}</td></tr>\n",
            e(self.description)
        ));
        out.push_str(&format!(
            "<tr><td style=\"color:#666\">{}</td><td><b>{}</b></td></tr>\n",
            e(t.amount),
            e(self.amount)
        ));
        out.push_str("</table>\n");
        out.push_str(&letter::button(self.url, t.pay));
        out.push('\n');
        out.push_str(&letter::small_grey(self.url));
        out.push('\n');
        if let Some(offer) = self.offer_uri {
            out.push_str(&letter::small_link(offer, t.offer));
        }
        out.push('\n');
        out.push_str(&letter::small_grey(t.ignore));
        out.push('\n');
        out.push_str(letter::HTML_TAIL);
        Ok(out)
    }
}

impl Text<'_> {
    fn render(&self) -> anyhow::Result<String> {
        let t = self.t;
        let mut out = format!(
            "{}\n\n{} {}\n\n{}{}\n{}\n{}: {}\n\n{}: {}\n",
            t.greeting,
            self.merchant,
            t.asks,
            t.order,
            self.number,
            self.description,
            t.amount,
            self.amount,
            t.pay,
            self.url
        );
        if let Some(offer) = self.offer_uri {
            out.push_str(&format!("{}: {offer}\n", t.offer));
        }
        out.push('\n');
        out.push_str(t.ignore);
        Ok(out)
    }
}

/// An e-mail ready for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// Subject line.
    pub subject: String,
    /// The HTML part.
    pub html: String,
    /// The plain-text part.
    pub text: String,
}

/// What the message says.
pub struct OrderLink<'a> {
    /// The site's name.
    pub merchant: &'a str,
    /// The order.
    pub row: &'a OrderRow,
    /// Its page.
    pub url: &'a str,
}

impl OrderLink<'_> {
    fn texts(&self) -> &'static Texts {
        if is_english(&self.row.culture) {
            &EN
        } else {
            &RU
        }
    }

    fn amount(&self) -> String {
        let money = money_of(self.row);
        format!("{} {}", amount_fixed(money), money.currency.code())
    }

    /// The e-mail.
    pub fn email(&self) -> anyhow::Result<Email> {
        let t = self.texts();
        let amount = self.amount();
        let html = Html {
            t,
            lang: if is_english(&self.row.culture) {
                "en"
            } else {
                "ru"
            },
            merchant: self.merchant,
            number: self.row.number,
            description: &self.row.description,
            amount: &amount,
            url: self.url,
            offer_uri: self.row.offer_uri.as_deref(),
        }
        .render()?;
        let text = Text {
            t,
            merchant: self.merchant,
            number: self.row.number,
            description: &self.row.description,
            amount: &amount,
            url: self.url,
            offer_uri: self.row.offer_uri.as_deref(),
        }
        .render()?;
        Ok(Email {
            subject: format!("{}: {} — {}", t.subject, self.merchant, amount),
            html,
            text,
        })
    }

    /// The text for SMS, Viber and WhatsApp.
    pub fn short_text(&self) -> String {
        let t = self.texts();
        format!(
            "{}{} ({}, {}): {}",
            t.short,
            self.row.number,
            self.merchant,
            self.amount(),
            self.url
        )
    }
}
