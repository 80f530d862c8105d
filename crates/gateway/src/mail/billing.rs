//! The payer notices of recurring billing: an upcoming charge, a failed charge
//! with a link to pay with another card, and a cancelled subscription; Russian or English by the
//! subscription's `CultureName`, HTML and text. They take plain facts, not a stored
//! subscription, so the billing worker (another branch) builds them from whatever it holds and
//! queues them with [`super::queue_email`].

use oblako_core::money::Money;
use oblako_protocol::amount::amount_fixed;

use crate::mail::letter;
use crate::mail::order_link::{Email, is_english};

/// Which notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BillingNotice {
    /// The next charge is coming; `date` as the payer should read it (`2026-10-01`).
    Upcoming {
        /// When.
        date: String,
    },
    /// A charge failed; `pay_url` lets the payer pay with another card.
    Failed {
        /// Where to pay.
        pay_url: String,
    },
    /// The subscription ended; nothing more will be charged.
    Cancelled,
}

/// The subscription a notice is about.
#[derive(Debug, Clone, Copy)]
pub struct Subscription<'a> {
    /// The site's name.
    pub merchant: &'a str,
    /// The subscription's `Description`.
    pub description: &'a str,
    /// The amount of each charge.
    pub amount: Money,
    /// Its `CultureName`.
    pub culture: &'a str,
    /// The payer's self-service page ([`crate::mail::manage_link`]), if there is one.
    pub manage_url: Option<&'a str>,
}

struct Html<'a> {
    lang: &'a str,
    subject: &'a str,
    greeting: &'a str,
    lead: &'a str,
    button: Option<(&'a str, &'a str)>,
    manage: Option<(&'a str, &'a str)>,
    ignore: &'a str,
}

struct Text<'a> {
    greeting: &'a str,
    lead: &'a str,
    button: Option<(&'a str, &'a str)>,
    manage: Option<(&'a str, &'a str)>,
    ignore: &'a str,
}

impl Html<'_> {
    fn render(&self) -> anyhow::Result<String> {
        let mut out = letter::html_head(self.lang, self.subject);
        out.push_str(&format!("<p>{}</p>\n", letter::escape(self.greeting)));
        out.push_str(&format!("<p>{}</p>\n", letter::escape(self.lead)));
        if let Some((label, url)) = self.button {
            out.push_str(&letter::button(url, label));
            out.push('\n');
            out.push_str(&letter::small_grey(url));
        }
        out.push('\n');
        if let Some((label, url)) = self.manage {
            out.push_str(&letter::small_link(url, label));
        }
        out.push('\n');
        out.push_str(&letter::small_grey(self.ignore));
        out.push('\n');
        out.push_str(letter::HTML_TAIL);
        Ok(out)
    }
}

impl Text<'_> {
    fn render(&self) -> anyhow::Result<String> {
        let mut out = format!("{}\n\n{}\n", self.greeting, self.lead);
        for (label, url) in [self.button, self.manage].into_iter().flatten() {
            out.push_str(&format!("\n{label}: {url}\n"));
        }
        out.push('\n');
        out.push_str(self.ignore);
        Ok(out)
    }
}

/// The e-mail of `notice` about `subscription`.
pub fn billing_email(notice: &BillingNotice, s: Subscription<'_>) -> anyhow::Result<Email> {
    let english = is_english(s.culture);
    let amount = format!("{} {}", amount_fixed(s.amount), s.amount.currency.code());
    let (merchant, what) = (s.merchant, s.description);
    let (subject, lead, button) = match (notice, english) {
        (BillingNotice::Upcoming { date }, false) => (
            "Скоро списание по подписке",
            format!(
                "{date} с вашей карты будет списано {amount} по подписке «{what}» ({merchant})."
            ),
            None,
        ),
        (BillingNotice::Upcoming { date }, true) => (
            "Upcoming subscription charge",
            format!("On {date} your card will be charged {amount} for “{what}” ({merchant})."),
            None,
        ),
        (BillingNotice::Failed { pay_url }, false) => (
            "Не удалось списать оплату по подписке",
            format!(
                "Не удалось списать {amount} по подписке «{what}» ({merchant}). Оплатите другой картой, чтобы подписка продолжилась."
            ),
            Some(("Оплатить другой картой", pay_url.as_str())),
        ),
        (BillingNotice::Failed { pay_url }, true) => (
            "Subscription payment failed",
            format!(
                "We could not charge {amount} for “{what}” ({merchant}). Pay with another card to keep your subscription."
            ),
            Some(("Pay with another card", pay_url.as_str())),
        ),
        (BillingNotice::Cancelled, false) => (
            "Подписка отменена",
            format!("Подписка «{what}» ({merchant}) отменена. Списаний больше не будет."),
            None,
        ),
        (BillingNotice::Cancelled, true) => (
            "Subscription cancelled",
            format!(
                "Your subscription to “{what}” ({merchant}) is cancelled. You will not be charged again."
            ),
            None,
        ),
    };
    let manage_label = if english {
        "Manage your subscription"
    } else {
        "Управление подпиской"
    };
    let manage = s.manage_url.map(|url| (manage_label, url));
    let (greeting, ignore) = if english {
        (
            "Hello,",
            "If you did not expect this message, simply ignore it.",
        )
    } else {
        (
            "Здравствуйте!",
            "Если вы не ждали этого письма, просто не отвечайте на него.",
        )
    };
    let html = Html {
        lang: if english { "en" } else { "ru" },
        subject,
        greeting,
        lead: &lead,
        button,
        manage,
        ignore,
    }
    .render()?;
    let text = Text {
        greeting,
        lead: &lead,
        button,
        manage,
        ignore,
    }
    .render()?;
    Ok(Email {
        subject: format!("{subject}: {merchant}"),
        html,
        text,
    })
}

#[cfg(test)]
mod tests {
    use oblako_core::money::Currency;

    use super::*;

    fn subscription(culture: &str) -> Subscription<'_> {
        Subscription {
            merchant: "Клуб <Йога>",
            description: "Абонемент",
            amount: Money::new(39900, Currency::RUB),
            culture,
            manage_url: None,
        }
    }

    #[test]
    fn each_notice_speaks_the_payers_language() {
        let upcoming = BillingNotice::Upcoming {
            date: "2026-10-01".into(),
        };
        let ru = billing_email(&upcoming, subscription("ru-RU")).unwrap();
        assert_eq!(ru.subject, "Скоро списание по подписке: Клуб <Йога>");
        assert!(
            ru.text
                .contains("2026-10-01 с вашей карты будет списано 399.00 RUB")
        );
        assert!(ru.html.contains("lang=\"ru\"") && ru.html.contains("Клуб &#60;Йога&#62;"));
        let en = billing_email(&BillingNotice::Cancelled, subscription("en-US")).unwrap();
        assert_eq!(en.subject, "Subscription cancelled: Клуб <Йога>");
        assert!(
            en.text.contains("You will not be charged again"),
            "{}",
            en.text
        );
        assert!(!en.html.contains("<a "), "no button for a cancellation");
        let managed = Subscription {
            manage_url: Some("http://h/my/abc.def"),
            ..subscription("ru")
        };
        let ru = billing_email(&upcoming, managed).unwrap();
        assert!(
            ru.text
                .contains("Управление подпиской: http://h/my/abc.def"),
            "{}",
            ru.text
        );
        assert!(ru.html.contains("href=\"http://h/my/abc.def\""));
    }

    #[test]
    fn a_failed_charge_links_to_paying_with_another_card() {
        let failed = BillingNotice::Failed {
            pay_url: "http://127.0.0.1:8080/d/gASGZVgUN21hcpPF".into(),
        };
        let ru = billing_email(&failed, subscription("ru")).unwrap();
        assert!(
            ru.text
                .contains("Оплатить другой картой: http://127.0.0.1:8080/d/gASGZVgUN21hcpPF")
        );
        assert!(
            ru.html
                .contains("href=\"http://127.0.0.1:8080/d/gASGZVgUN21hcpPF\"")
        );
        let en = billing_email(&failed, subscription("en")).unwrap();
        assert!(
            en.text
                .contains("Pay with another card: http://127.0.0.1:8080/d/")
        );
    }
}
