//! The payment form's texts in the widget's languages (spec §6.4): ru-RU (default), en-US and
//! kk-KZ. The page renders the labels; the form script gets the whole set as JSON for field
//! errors and result screens.

use serde::Serialize;

/// Every text the form shows.
#[derive(Debug, Serialize)]
pub struct Texts {
    /// `lang` attribute.
    pub lang: &'static str,
    pub title: &'static str,
    pub amount: &'static str,
    pub card_number: &'static str,
    pub expiry: &'static str,
    pub cvv: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    pub pay: &'static str,
    pub processing: &'static str,
    pub success: &'static str,
    pub fail: &'static str,
    pub retry: &'static str,
    pub close: &'static str,
    pub secure: &'static str,
    pub card_empty: &'static str,
    pub card_invalid: &'static str,
    pub expiry_empty: &'static str,
    pub expiry_invalid: &'static str,
    pub expired: &'static str,
    pub cvv_empty: &'static str,
    pub cvv_invalid: &'static str,
    pub name_invalid: &'static str,
    pub email_invalid: &'static str,
    pub network: &'static str,
    /// Marks the optional cardholder name.
    pub optional: &'static str,
    /// The CVV field's placeholder: a hint, never something that looks typed.
    pub cvv_hint: &'static str,
    /// Shown while a closed form settles its attempt.
    pub closing: &'static str,
    /// Result screen: the shop's order number.
    pub order: &'static str,
    /// Result screen: the transaction number.
    pub transaction: &'static str,
    /// The label of the accepted card brands.
    pub brands: &'static str,
    /// The shop the payment goes to.
    pub shop: &'static str,
    /// Result screen: the amount paid or tried.
    pub sum: &'static str,
}

const RU: Texts = Texts {
    lang: "ru",
    title: "Оплата картой",
    amount: "К оплате",
    card_number: "Номер карты",
    expiry: "ММ/ГГ",
    cvv: "CVV",
    name: "Имя держателя карты",
    email: "E-mail для чека",
    pay: "Оплатить",
    processing: "Платёж обрабатывается…",
    success: "Оплата прошла успешно",
    fail: "Оплата не прошла",
    retry: "Повторить",
    close: "Закрыть",
    secure: "Данные карты передаются зашифрованными",
    card_empty: "Укажите номер карты",
    card_invalid: "Неправильный номер карты",
    expiry_empty: "Укажите срок действия",
    expiry_invalid: "Неправильный срок действия",
    expired: "Срок действия карты истёк",
    cvv_empty: "Укажите CVV",
    cvv_invalid: "Неправильный CVV",
    name_invalid: "Имя латиницей, как на карте",
    email_invalid: "Неправильный e-mail",
    network: "Нет связи с платёжным шлюзом, попробуйте ещё раз",
    optional: "необязательно",
    cvv_hint: "3 цифры",
    closing: "Завершаем платёж, не закрывайте страницу…",
    order: "Заказ",
    transaction: "Транзакция",
    brands: "Принимаем карты",
    shop: "Получатель",
    sum: "Сумма",
};

const EN: Texts = Texts {
    lang: "en",
    title: "Card payment",
    amount: "Amount due",
    card_number: "Card number",
    expiry: "MM/YY",
    cvv: "CVV",
    name: "Cardholder name",
    email: "E-mail for the receipt",
    pay: "Pay",
    processing: "Processing the payment…",
    success: "Payment successful",
    fail: "Payment failed",
    retry: "Try again",
    close: "Close",
    secure: "Card data is sent encrypted",
    card_empty: "Enter the card number",
    card_invalid: "Invalid card number",
    expiry_empty: "Enter the expiry date",
    expiry_invalid: "Invalid expiry date",
    expired: "The card has expired",
    cvv_empty: "Enter the CVV",
    cvv_invalid: "Invalid CVV",
    name_invalid: "Latin letters, as on the card",
    email_invalid: "Invalid e-mail",
    network: "Cannot reach the payment gateway, please try again",
    optional: "optional",
    cvv_hint: "3 digits",
    closing: "Finishing the payment, please keep this page open…",
    order: "Order",
    transaction: "Transaction",
    brands: "Cards accepted",
    shop: "Payee",
    sum: "Amount",
};

const KK: Texts = Texts {
    lang: "kk",
    title: "Картамен төлеу",
    amount: "Төлеуге",
    card_number: "Карта нөмірі",
    expiry: "АА/ЖЖ",
    cvv: "CVV",
    name: "Карта иесінің аты",
    email: "Түбіртекке арналған e-mail",
    pay: "Төлеу",
    processing: "Төлем өңделуде…",
    success: "Төлем сәтті өтті",
    fail: "Төлем өтпеді",
    retry: "Қайталау",
    close: "Жабу",
    secure: "Карта деректері шифрланып жіберіледі",
    card_empty: "Карта нөмірін енгізіңіз",
    card_invalid: "Карта нөмірі қате",
    expiry_empty: "Әрекет ету мерзімін енгізіңіз",
    expiry_invalid: "Әрекет ету мерзімі қате",
    expired: "Картаның мерзімі өтіп кеткен",
    cvv_empty: "CVV енгізіңіз",
    cvv_invalid: "CVV қате",
    name_invalid: "Картадағыдай латын әріптерімен",
    email_invalid: "E-mail қате",
    network: "Төлем шлюзіне қосылу мүмкін емес, қайталап көріңіз",
    optional: "міндетті емес",
    cvv_hint: "3 сан",
    closing: "Төлем аяқталуда, бетті жаппаңыз…",
    order: "Тапсырыс",
    transaction: "Транзакция",
    brands: "Қабылданатын карталар",
    shop: "Алушы",
    sum: "Сомасы",
};

/// The texts for a widget `language` / `culture` value; unknown values get Russian.
pub fn for_language(language: &str) -> &'static Texts {
    let lower = language.to_ascii_lowercase();
    if lower.starts_with("en") {
        &EN
    } else if lower.starts_with("kk") {
        &KK
    } else {
        &RU
    }
}
