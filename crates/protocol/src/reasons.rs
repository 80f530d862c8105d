//! Decline reasons as the model prints them (spec §4.3, §4.3.2): the `Reason` name for a
//! `ReasonCode` and the `CardHolderMessage` in the payer's language (spec §1.6).
//!
//! One table maps each code to its name and to a message group; each group has one text per
//! [`Culture`]. The Russian texts are the spec's, character for character. CloudPayments
//! publishes no other language (spec §15 item 7), so the English and Kazakh texts are our
//! translations of the Russian ones, except the two English texts the client fixtures show.

/// The languages `CardHolderMessage` is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Culture {
    /// Russian, the protocol's default.
    #[default]
    Ru,
    /// English.
    En,
    /// Kazakh.
    Kk,
}

impl Culture {
    /// The culture of a `CultureName` (`ru-RU`, `en-US`, `en`, `kk`, `kk-KZ`, any case). Only
    /// the language part counts; languages we have no texts for (`lv`, `az`, `uk`, …), an empty
    /// name and garbage all fall back to Russian, as CloudPayments does for a missing name.
    pub fn from_name(name: &str) -> Culture {
        let language = name.trim().split(['-', '_']).next().unwrap_or_default();
        if language.eq_ignore_ascii_case("en") {
            Culture::En
        } else if language.eq_ignore_ascii_case("kk") {
            Culture::Kk
        } else {
            Culture::Ru
        }
    }
}

/// A payer-facing text; several codes share one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Text {
    Approved,
    ContactYourBank,
    ContactTheBank,
    CheckCardData,
    AnotherCardOrIssuer,
    CheckAmount,
    AnotherCard,
    RetryLater,
    RetryLaterOrAnotherCard,
    CardForbidden,
    InsufficientFunds,
    LimitExceeded,
    WrongCvv,
    PaymentImpossible,
    ContactSupport,
    PayoutImpossible,
}

impl Text {
    /// Russian (exact, spec §4.3), English, Kazakh.
    fn texts(self) -> [&'static str; 3] {
        match self {
            Text::Approved => [
                "Оплата успешно проведена",
                "Payment successful",
                "Төлем сәтті өтті",
            ],
            Text::ContactYourBank => [
                "Свяжитесь с вашим банком или воспользуйтесь другой картой",
                "Contact your bank or use another card",
                "Банкіңізге хабарласыңыз немесе басқа картаны пайдаланыңыз",
            ],
            Text::ContactTheBank => [
                "Свяжитесь с банком или воспользуйтесь другой картой",
                "Contact the bank or use another card",
                "Банкке хабарласыңыз немесе басқа картаны пайдаланыңыз",
            ],
            Text::CheckCardData => [
                "Проверьте правильность введенных данных карты или воспользуйтесь другой картой",
                "Check the card details or use another card",
                "Карта деректерін тексеріңіз немесе басқа картаны пайдаланыңыз",
            ],
            Text::AnotherCardOrIssuer => [
                "Воспользуйтесь другой картой или свяжитесь с банком, выпустившим карту",
                "Use another card or contact the bank that issued your card",
                "Басқа картаны пайдаланыңыз немесе картаны шығарған банкке хабарласыңыз",
            ],
            Text::CheckAmount => [
                "Проверьте корректность суммы",
                "Check the amount",
                "Соманы тексеріңіз",
            ],
            Text::AnotherCard => [
                "Воспользуйтесь другой картой",
                "Use another card",
                "Басқа картаны пайдаланыңыз",
            ],
            Text::RetryLater => [
                "Повторите попытку позже",
                "Try again later",
                "Кейінірек қайталап көріңіз",
            ],
            Text::RetryLaterOrAnotherCard => [
                "Повторите попытку позже или воспользуйтесь другой картой",
                "Try again later or use another card",
                "Кейінірек қайталап көріңіз немесе басқа картаны пайдаланыңыз",
            ],
            Text::CardForbidden => [
                "Платежи для этой карты запрещены. Попробуйте другую карту",
                "Payments with this card are not allowed. Try another card",
                "Бұл картамен төлем жасауға болмайды. Басқа картаны пайдаланып көріңіз",
            ],
            // The synthesized vectors' text. The Ruby gem's fixtures (and spec §2.1) show
            // "Insufficient funds on account"; clients compare ReasonCode, not this text.
            Text::InsufficientFunds => [
                "Недостаточно средств на карте",
                "Insufficient funds on card",
                "Картада қаражат жеткіліксіз",
            ],
            Text::LimitExceeded => [
                "Превышение лимита оплаты по карте. Измените настройки лимита или оплатите другой картой",
                "The card's payment limit is exceeded. Change the limit settings or pay with another card",
                "Карта бойынша төлем лимиті асып кетті. Лимит баптауларын өзгертіңіз немесе басқа картамен төлеңіз",
            ],
            Text::WrongCvv => [
                "Неверно указан код CVV",
                "Incorrect CVV code",
                "CVV коды қате көрсетілген",
            ],
            Text::PaymentImpossible => [
                "Невозможно провести оплату",
                "The payment cannot be made",
                "Төлемді жүргізу мүмкін емес",
            ],
            Text::ContactSupport => [
                "Обратитесь в поддержку сайта",
                "Contact the website's support",
                "Сайттың қолдау қызметіне хабарласыңыз",
            ],
            Text::PayoutImpossible => [
                "Невозможно провести выплату",
                "The payout cannot be made",
                "Қаражатты аудару мүмкін емес",
            ],
        }
    }
}

/// Every known code, ascending: `(ReasonCode, Reason, CardHolderMessage group)`. `Reason` is the
/// spec's Name column in PascalCase with the spaces removed.
const REASONS: &[(i32, &str, Text)] = &[
    (0, "Approved", Text::Approved),
    // Check-handler results (§4.3.2). The spec gives them no texts: a refusal by the merchant's
    // handler sends the payer to the site's support, an unreachable handler asks to retry.
    (3001, "InvalidInvoiceId", Text::ContactSupport),
    (3002, "InvalidAccountId", Text::ContactSupport),
    (3003, "InvalidAmount", Text::ContactSupport),
    (3004, "OutOfDate", Text::ContactSupport),
    (3005, "FormatError", Text::ContactSupport),
    // The handbook calls it "Unavailable"; the live API was observed answering this name.
    (3006, "CheckResponseServiceUnavailable", Text::RetryLater),
    (3007, "UnableToConnect", Text::RetryLater),
    (3008, "NotAccepted", Text::ContactSupport),
    (5001, "ReferToCardIssuer", Text::ContactYourBank),
    (5003, "InvalidMerchant", Text::ContactYourBank),
    (5004, "PickUpCard", Text::ContactYourBank),
    (5005, "DoNotHonor", Text::ContactYourBank),
    (5006, "Error", Text::CheckCardData),
    (5007, "PickUpCardSpecialConditions", Text::ContactYourBank),
    (5012, "InvalidTransaction", Text::AnotherCardOrIssuer),
    (5013, "AmountError", Text::CheckAmount),
    (5014, "InvalidCardNumber", Text::CheckCardData),
    (5015, "NoSuchIssuer", Text::CheckCardData),
    (5017, "CustomerCancellation", Text::AnotherCard),
    (5019, "TransactionError", Text::ContactYourBank),
    (5030, "FormatError", Text::RetryLater),
    (5031, "BankNotSupportedBySwitch", Text::AnotherCard),
    (5033, "ExpiredCardPickup", Text::ContactYourBank),
    (5034, "SuspectedFraud", Text::ContactYourBank),
    (5036, "RestrictedCard", Text::CardForbidden),
    (5041, "LostCard", Text::ContactYourBank),
    (5043, "StolenCard", Text::ContactYourBank),
    (5051, "InsufficientFunds", Text::InsufficientFunds),
    (5054, "ExpiredCard", Text::CheckCardData),
    (5055, "InvalidPIN", Text::AnotherCard),
    (5057, "TransactionNotPermitted", Text::ContactYourBank),
    (5058, "TransactionNotPermittedToCard", Text::ContactYourBank),
    (5059, "SuspectedFraudDecline", Text::ContactTheBank),
    (5061, "ExceedsApprovalAmount", Text::LimitExceeded),
    (5062, "RestrictedCard2", Text::CardForbidden),
    (5063, "SecurityViolation", Text::AnotherCard),
    (5065, "ExceedWithdrawalFrequency", Text::ContactYourBank),
    (5082, "IncorrectCVV", Text::WrongCvv),
    (5091, "Timeout", Text::RetryLaterOrAnotherCard),
    (5092, "CannotReachNetwork", Text::RetryLaterOrAnotherCard),
    (5096, "SystemError", Text::RetryLater),
    // The spec's Name here is a sentence; PascalCased by the same rule, unconfirmed on the wire.
    (
        5113,
        "GatewaysDoNotSupportTheCurrentlySelectedPaymentCard",
        Text::AnotherCard,
    ),
    (5204, "UnableToProcess", Text::ContactYourBank),
    (5206, "AuthenticationFailed", Text::ContactYourBank),
    (5207, "AuthenticationUnavailable", Text::ContactYourBank),
    (5300, "AntiFraud", Text::AnotherCard),
    (
        5303,
        "AcquirerTerminalLimitsExceeded",
        Text::ContactYourBank,
    ),
    (5761, "NoPhone", Text::AnotherCard),
    (5762, "InvalidPhone", Text::AnotherCard),
    (5763, "DifferentPhones", Text::AnotherCard),
    (6001, "SaveCardRefused", Text::PaymentImpossible),
    (6002, "InvalidErrorCode", Text::PaymentImpossible),
    (6003, "AgentIdNotExists", Text::PaymentImpossible),
    (6004, "CurrencyNotValid", Text::ContactSupport),
    (6005, "InvalidPaymentLink", Text::PaymentImpossible),
    (6006, "AmountCurrencyNotValid", Text::PaymentImpossible),
    (6007, "InvalidRedirectUrl", Text::PaymentImpossible),
    (6008, "InvalidParamsId", Text::PaymentImpossible),
    (6009, "InvalidTtl", Text::PaymentImpossible),
    (6010, "SubscriptionNotFound", Text::PaymentImpossible),
    (6011, "InvalidSubscription", Text::PaymentImpossible),
    (6013, "InvalidRefund", Text::PaymentImpossible),
    (6014, "OriginalDetailsIncorrect", Text::PaymentImpossible),
    (6015, "TransactionNotFound", Text::PaymentImpossible),
    (6016, "InvalidMemberId", Text::PaymentImpossible),
    (6017, "IncorrectMCCategory", Text::PaymentImpossible),
    (6021, "ReceiverAccountError", Text::PayoutImpossible),
    (6022, "ReceiverNameError", Text::PayoutImpossible),
    (
        6025,
        "CrossTerminalTokenRestriction",
        Text::PaymentImpossible,
    ),
];

/// What an unknown code reads as: 5204 `UnableToProcess`, the handbook's "cannot be processed
/// for other reasons". Not `SystemError` (5096), whose "try again later" would invite pointless
/// retries of a decline we cannot explain.
const UNKNOWN: (&str, Text) = ("UnableToProcess", Text::ContactYourBank);

fn lookup(code: i32) -> (&'static str, Text) {
    REASONS
        .binary_search_by_key(&code, |&(c, _, _)| c)
        .map(|i| (REASONS[i].1, REASONS[i].2))
        .unwrap_or(UNKNOWN)
}

/// Whether `code` is in the handbook (spec §4.3, §4.3.2) or is 0.
pub fn is_known_reason(code: i32) -> bool {
    REASONS.binary_search_by_key(&code, |&(c, _, _)| c).is_ok()
}

/// Every known `ReasonCode`, ascending, 0 first.
pub fn reason_codes() -> impl Iterator<Item = i32> {
    REASONS.iter().map(|&(code, _, _)| code)
}

/// The model's `Reason` for `code`: `"Approved"` for 0, `"InsufficientFunds"` for 5051, …;
/// `"UnableToProcess"` for a code not in the handbook.
pub fn reason_name(code: i32) -> &'static str {
    lookup(code).0
}

/// The model's `CardHolderMessage` for `code` in `culture`; an unknown code gets the text of
/// 5204 (`UnableToProcess`).
pub fn cardholder_message(code: i32, culture: Culture) -> &'static str {
    let [ru, en, kk] = lookup(code).1.texts();
    match culture {
        Culture::Ru => ru,
        Culture::En => en,
        Culture::Kk => kk,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_their_names() {
        let cases = [
            (0, "Approved"),
            (5051, "InsufficientFunds"),
            (5206, "AuthenticationFailed"),
            (5082, "IncorrectCVV"),
            (5055, "InvalidPIN"),
            (5062, "RestrictedCard2"),
            (5096, "SystemError"),
            (3001, "InvalidInvoiceId"),
            (3006, "CheckResponseServiceUnavailable"),
            (9999, "UnableToProcess"),
            (-1, "UnableToProcess"),
        ];
        for (code, name) in cases {
            assert_eq!(reason_name(code), name, "{code}");
        }
    }

    #[test]
    fn codes_have_messages_in_each_culture() {
        use Culture::{En, Kk, Ru};
        let cases = [
            (0, Ru, "Оплата успешно проведена"),
            (0, En, "Payment successful"),
            (0, Kk, "Төлем сәтті өтті"),
            (5051, Ru, "Недостаточно средств на карте"),
            (5051, En, "Insufficient funds on card"),
            (5051, Kk, "Картада қаражат жеткіліксіз"),
            (
                5206,
                Ru,
                "Свяжитесь с вашим банком или воспользуйтесь другой картой",
            ),
            (5206, En, "Contact your bank or use another card"),
            (
                5059,
                Ru,
                "Свяжитесь с банком или воспользуйтесь другой картой",
            ),
            (5014, En, "Check the card details or use another card"),
            (
                5091,
                Kk,
                "Кейінірек қайталап көріңіз немесе басқа картаны пайдаланыңыз",
            ),
            (6004, Ru, "Обратитесь в поддержку сайта"),
            (6021, Ru, "Невозможно провести выплату"),
            (3001, En, "Contact the website's support"),
            (3007, Ru, "Повторите попытку позже"),
            (
                9999,
                Ru,
                "Свяжитесь с вашим банком или воспользуйтесь другой картой",
            ),
        ];
        for (code, culture, message) in cases {
            assert_eq!(
                cardholder_message(code, culture),
                message,
                "{code} {culture:?}"
            );
        }
    }

    #[test]
    fn the_table_is_sorted_complete_and_translated() {
        assert!(REASONS.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(REASONS.len(), 1 + 8 + 61);
        assert!(is_known_reason(0) && is_known_reason(6025) && !is_known_reason(5002));
        assert_eq!(reason_codes().next(), Some(0));
        for &(code, name, text) in REASONS {
            assert!(
                name.chars().all(|c| c.is_ascii_alphanumeric()),
                "{code} {name}"
            );
            assert!(
                name.starts_with(|c: char| c.is_ascii_uppercase()),
                "{code} {name}"
            );
            let [ru, en, kk] = text.texts();
            assert!(ru != en && ru != kk && en != kk, "{code}");
            assert!(en.is_ascii(), "{code}");
        }
    }

    #[test]
    fn culture_names_pick_the_language() {
        let cases = [
            ("ru-RU", Culture::Ru),
            ("ru", Culture::Ru),
            ("en-US", Culture::En),
            ("EN", Culture::En),
            ("en_GB", Culture::En),
            ("kk", Culture::Kk),
            ("kk-KZ", Culture::Kk),
            ("KK-kz", Culture::Kk),
            (" en-US ", Culture::En),
            ("lv", Culture::Ru),
            ("", Culture::Ru),
            ("english", Culture::Ru),
        ];
        for (name, culture) in cases {
            assert_eq!(Culture::from_name(name), culture, "{name:?}");
        }
        assert_eq!(Culture::default(), Culture::Ru);
    }
}
