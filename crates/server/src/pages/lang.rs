//! The payer's language on the gateway's own pages (Russian by default, English, Kazakh): chosen
//! from a payment's `CultureName`, from a page's `lang` query, or from the browser's
//! `Accept-Language`; and amounts written the way each language writes money.

use axum::http::{HeaderMap, header};
use oblako_core::money::Money;

/// A language the pages speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ru,
    En,
    Kk,
}

impl Lang {
    /// The language of a `CultureName` or `lang` value (`en-US`, `kk`, …); Russian otherwise.
    pub fn from_culture(culture: &str) -> Lang {
        Lang::known(culture).unwrap_or(Lang::Ru)
    }

    fn known(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next().unwrap_or("").trim();
        match primary.to_ascii_lowercase().as_str() {
            "ru" => Some(Lang::Ru),
            "en" => Some(Lang::En),
            "kk" => Some(Lang::Kk),
            _ => None,
        }
    }

    /// The browser's most preferred language among ours (`Accept-Language` with its q-values);
    /// Russian when it names none of them.
    pub fn from_headers(headers: &HeaderMap) -> Lang {
        let Some(value) = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
        else {
            return Lang::Ru;
        };
        let mut best: Option<(u16, Lang)> = None;
        for item in value.split(',').take(32) {
            let mut parts = item.split(';');
            let Some(lang) = Lang::known(parts.next().unwrap_or("")) else {
                continue;
            };
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            // Thousandths, so the comparison is exact; the first of equal weights wins.
            let weight = (q.clamp(0.0, 1.0) * 1000.0) as u16;
            if weight > 0 && best.is_none_or(|(w, _)| weight > w) {
                best = Some((weight, lang));
            }
        }
        best.map_or(Lang::Ru, |(_, lang)| lang)
    }

    /// A page's `lang` query value if it names one of ours, else the browser's choice.
    pub fn from_query_or_headers(query: Option<&str>, headers: &HeaderMap) -> Lang {
        query
            .and_then(Lang::known)
            .unwrap_or_else(|| Lang::from_headers(headers))
    }

    /// The `lang` attribute.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::En => "en",
            Lang::Kk => "kk",
        }
    }

    /// `money` as this language writes it: `1 234,50 ₽` (ru, kk), `RUB 1,234.50` (en).
    pub fn money(self, money: Money) -> String {
        let units = u32::from(money.currency.minor_units());
        let scale = 10_i64.pow(units);
        let minor = money.minor.unsigned_abs();
        let (whole, fraction) = (minor / scale.unsigned_abs(), minor % scale.unsigned_abs());
        let (group, point) = match self {
            Lang::En => (',', '.'),
            Lang::Ru | Lang::Kk => ('\u{a0}', ','),
        };
        let digits = whole.to_string();
        let mut number = String::new();
        if money.minor < 0 {
            number.push('-');
        }
        for (i, digit) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                number.push(group);
            }
            number.push(digit);
        }
        if units > 0 {
            number.push(point);
            number.push_str(&format!("{fraction:0width$}", width = units as usize));
        }
        let code = money.currency.code();
        match (self, symbol(code, self)) {
            (Lang::En, Some(sign)) => format!("{sign}{number}"),
            (Lang::En, None) => format!("{code}\u{a0}{number}"),
            (_, sign) => format!("{number}\u{a0}{}", sign.unwrap_or(code)),
        }
    }
}

/// The currency signs each language uses (as CLDR has them); other codes are written as codes.
fn symbol(code: &str, lang: Lang) -> Option<&'static str> {
    Some(match (code, lang) {
        ("USD", _) => "$",
        ("EUR", _) => "€",
        ("GBP", _) => "£",
        ("RUB", Lang::Ru | Lang::Kk) => "₽",
        ("KZT", Lang::Ru | Lang::Kk) => "₸",
        ("UAH", Lang::Ru | Lang::Kk) => "₴",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use oblako_core::money::Currency;

    fn accept(value: &str) -> Lang {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_str(value).unwrap(),
        );
        Lang::from_headers(&headers)
    }

    #[test]
    fn accept_language_picks_the_most_wanted_of_ours() {
        assert_eq!(Lang::from_headers(&HeaderMap::new()), Lang::Ru);
        assert_eq!(accept("en-US,en;q=0.9"), Lang::En);
        assert_eq!(accept("de-DE, kk;q=0.8, ru;q=0.7"), Lang::Kk);
        assert_eq!(accept("ru;q=0.5, en;q=0.9"), Lang::En);
        assert_eq!(accept("fr, de"), Lang::Ru);
        assert_eq!(accept("en;q=0, kk"), Lang::Kk);
        assert_eq!(Lang::from_culture("kk-KZ"), Lang::Kk);
        assert_eq!(Lang::from_culture("EN"), Lang::En);
        assert_eq!(Lang::from_culture("uk-UA"), Lang::Ru);
    }

    #[test]
    fn money_is_written_the_way_each_language_does() {
        let rub = |minor| Money::new(minor, Currency::RUB);
        assert_eq!(Lang::Ru.money(rub(123_450)), "1\u{a0}234,50\u{a0}₽");
        assert_eq!(Lang::En.money(rub(123_450)), "RUB\u{a0}1,234.50");
        assert_eq!(Lang::Kk.money(rub(1_050)), "10,50\u{a0}₽");
        assert_eq!(Lang::Ru.money(rub(5)), "0,05\u{a0}₽");
        assert_eq!(Lang::En.money(rub(100_000_000)), "RUB\u{a0}1,000,000.00");
        let kzt = Currency::from_code("KZT").unwrap();
        assert_eq!(
            Lang::Kk.money(Money::new(990_000, kzt)),
            "9\u{a0}900,00\u{a0}₸"
        );
        let usd = Currency::from_code("USD").unwrap();
        assert_eq!(Lang::En.money(Money::new(1_999, usd)), "$19.99");
        let byr = Currency::from_code("BYR").unwrap();
        assert_eq!(Lang::Ru.money(Money::new(1500, byr)), "1\u{a0}500\u{a0}BYR");
    }
}
