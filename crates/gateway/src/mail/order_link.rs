//! The order link message: an e-mail (HTML and text, Russian or English by the order's
//! `CultureName`) and the short text for SMS, Viber and WhatsApp.

use askama::Template;
use oblako_protocol::amount::amount_fixed;
use oblako_store::orders::OrderRow;

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

#[derive(Template)]
#[template(path = "mail/order_link.html")]
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

#[derive(Template)]
#[template(path = "mail/order_link.txt")]
struct Text<'a> {
    t: &'a Texts,
    merchant: &'a str,
    number: i64,
    description: &'a str,
    amount: &'a str,
    url: &'a str,
    offer_uri: Option<&'a str>,
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
