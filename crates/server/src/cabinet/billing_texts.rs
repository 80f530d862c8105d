//! The Russian words of the subscriptions and orders pages, and of the refusals their flows
//! answer (the API's words: `subscriptions::manage`'s rules, `orders/cancel`'s, and the
//! parameter checks `orders/create` shares, some of which name a field or a value).
//! [`super::texts`] asks here for what it does not know.

use oblako_gateway::subscriptions::manage;

/// `english` in Russian, if known.
pub fn russian(english: &str) -> Option<&'static str> {
    Some(match english {
        "Subscriptions" => "Подписки",
        "Subscription" => "Подписка",
        "Orders" => "Счета",
        "Order" => "Счёт",
        "Active" => "Активна",
        "PastDue" => "Просрочена",
        "Rejected" => "Отклонена банком",
        "Expired" => "Завершена",
        "Created" => "Создан",
        "Paid" => "Оплачен",
        "Day" => "день",
        "Week" => "неделя",
        "Month" => "месяц",
        "pending" => "ожидает",
        "done" => "выполнено",
        "stale" => "не понадобилось",
        "sent" => "отправлено",
        "failed" => "не доставлено",
        "Id, AccountId or e-mail" => "Id, AccountId или эл. почта",
        "Number, Id, InvoiceId or e-mail" => "Номер, Id, InvoiceId или эл. почта",
        "Schedule" => "Расписание",
        "every" => "каждые",
        "at most" => "не больше",
        "Next charge (UTC)" => "Следующее списание (UTC)",
        "Last charge (UTC)" => "Последнее списание (UTC)",
        "Start (UTC)" => "Начало (UTC)",
        "Charges made" => "Списаний сделано",
        "failed in a row" => "неудачных подряд",
        "Two-stage" => "Двухстадийная",
        "yes" => "да",
        "no" => "нет",
        "Made by payment" => "Создана оплатой",
        "Charges" => "Списания",
        "Period" => "Период",
        "Attempt" => "Попытка",
        "Due (UTC)" => "Срок (UTC)",
        "Notices to the payer" => "Письма плательщику",
        "To" => "Кому",
        "Subject" => "Тема",
        "Change" => "Изменить",
        "Interval" => "Интервал",
        "Cancel the subscription" => "Отменить подписку",
        "Summary" => "Сводка",
        "Count" => "Количество",
        "Monthly amount" => "Сумма в месяц",
        "Nothing to sum for this filter." => "По этому фильтру нечего суммировать.",
        "No subscriptions here. A subscription is made by subscriptions/create, by a payment with recurrent data in JsonData, or by paying a recurring order." => {
            "Подписок нет. Подписку создаёт subscriptions/create, оплата с данными recurrent в JsonData или оплата регулярного счёта."
        }
        "Monthly amount: each subscription's amount brought to a month — a daily schedule × 30.4375 ÷ period, a weekly one × 4.348 ÷ period, a monthly one ÷ period — rounded half up to a kopeck (cent), then summed." => {
            "Сумма в месяц: сумма каждой подписки, приведённая к месяцу (ежедневная × 30,4375 ÷ период, еженедельная × 4,348 ÷ период, ежемесячная ÷ период), округлённая до копейки (половина — вверх), затем сложенная."
        }
        "No charges yet: the first comes at the next charge's time." => {
            "Списаний ещё не было: первое будет в срок следующего списания."
        }
        "No notices were sent: the payer is written to before a charge, after a failed one and on cancellation, when the subscription has an e-mail." => {
            "Писем не было: плательщику пишут перед списанием, после неудачного списания и при отмене, если у подписки есть эл. почта."
        }
        "No orders here. An order is a payment link for a payer: create one below, or with orders/create." => {
            "Счетов нет. Счёт — это ссылка на оплату для плательщика: создайте его ниже или через orders/create."
        }
        "New order" => "Новый счёт",
        "Create a site first: an order belongs to a site." => {
            "Сначала создайте сайт: счёт принадлежит сайту."
        }
        "Payer's e-mail (the link is e-mailed)" => "Эл. почта плательщика (ссылка уйдёт письмом)",
        "Payer's phone (the link goes by SMS)" => "Телефон плательщика (ссылка уйдёт по SMS)",
        "Payment" => "Оплата",
        "one-off" => "разовая",
        "recurring, weekly" => "регулярная, еженедельно",
        "recurring, monthly" => "регулярная, ежемесячно",
        "CreateWeekly" => "регулярная, еженедельно",
        "CreateMonthly" => "регулярная, ежемесячно",
        "Stages" => "Стадии",
        "one-stage (charge at once)" => "одностадийная (списать сразу)",
        "two-stage (hold, then confirm)" => "двухстадийная (заблокировать, затем подтвердить)",
        "A recurring order without an AccountId takes the payer's e-mail (or phone) as one. A site in production makes live orders; a site in test mode, test ones." => {
            "Регулярный счёт без AccountId получает в качестве него эл. почту (или телефон) плательщика. Сайт в боевом режиме создаёт боевые счета, в тестовом — тестовые."
        }
        "Payment link" => "Ссылка на оплату",
        "Phone" => "Телефон",
        "Paid (UTC)" => "Оплачен (UTC)",
        "Cancelled (UTC)" => "Отменён (UTC)",
        "Messages with the link" => "Сообщения со ссылкой",
        "Channel" => "Канал",
        "The link was not sent: the order has no e-mail or phone. Copy the link above to the payer." => {
            "Ссылка не отправлялась: у счёта нет эл. почты и телефона. Передайте плательщику ссылку выше."
        }
        "Send the link again" => "Отправить ссылку ещё раз",
        "Cancel the order" => "Отменить счёт",
        "Only an unpaid order's link can be sent" => {
            "Ссылку можно отправить только по неоплаченному счёту"
        }
        "The order has neither an e-mail nor a phone to send its link to" => {
            "У счёта нет ни эл. почты, ни телефона, куда отправить ссылку"
        }
        "The order cannot be cancelled: it is paid, cancelled, or a payment of it is in progress" => {
            "Счёт нельзя отменить: он оплачен, отменён или его оплата ещё идёт"
        }
        manage::BAD_INTERVAL => "Интервал должен быть днём, неделей или месяцем",
        manage::BAD_PERIOD => "Период должен быть больше нуля",
        manage::GAP_TOO_LONG => "Между списаниями должно быть не больше года",
        manage::BAD_MAX_PERIODS => "MaxPeriods должно быть больше нуля",
        manage::START_IN_PAST => "Дата начала должна быть в будущем",
        manage::START_TOO_FAR => "Дата начала должна быть не позже чем через год",
        _ => return None,
    })
}

/// A field's name as the forms label it.
fn field(name: &str) -> &str {
    match name {
        "Amount" => "Сумма",
        "Description" => "Назначение",
        "Email" => "Эл. почта",
        "Phone" => "Телефон",
        "Period" => "Период",
        "Interval" => "Интервал",
        other => other,
    }
}

/// A parameter check's refusal that names a field or a value, in Russian.
pub fn russian_refusal(message: &str) -> Option<String> {
    if let Some(name) = message
        .strip_prefix("Invalid ")
        .and_then(|m| m.strip_suffix(" value"))
    {
        return Some(format!("Неверное значение поля «{}»", field(name)));
    }
    if let Some(name) = message.strip_suffix(" is required") {
        return Some(format!("Заполните поле «{}»", field(name)));
    }
    if let Some(name) = message.strip_suffix(" must be greater than zero") {
        return Some(format!("Поле «{}» должно быть больше нуля", field(name)));
    }
    if let Some(name) = message.strip_suffix(" is too large") {
        return Some(format!("Слишком большое значение поля «{}»", field(name)));
    }
    if let Some(code) = message.strip_prefix("Unknown currency ") {
        return Some(format!("Неизвестная валюта {code}"));
    }
    if let Some((name, rest)) = message.split_once(" has more than ")
        && let Some((digits, currency)) = rest.split_once(" decimal places for ")
    {
        return Some(format!(
            "В поле «{}» больше {digits} знаков после запятой для {currency}",
            field(name)
        ));
    }
    if let Some((name, rest)) = message.split_once(" is too long (at most ") {
        let most = rest.trim_end_matches(" characters)");
        return Some(format!(
            "Поле «{}» слишком длинное (не больше {most} символов)",
            field(name)
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cabinet::texts::Texts;
    use crate::pages::Lang;

    #[test]
    fn every_refusal_of_the_subscription_and_order_forms_reads_in_russian() {
        let refusals = [
            manage::BAD_INTERVAL,
            manage::BAD_PERIOD,
            manage::GAP_TOO_LONG,
            manage::BAD_MAX_PERIODS,
            crate::api::orders::NOT_CANCELLABLE,
            crate::cabinet::order_forms::NOT_OPEN,
            crate::cabinet::order_forms::NO_ADDRESS,
            "Invalid Amount value",
            "Amount must be greater than zero",
            "Amount has more than 2 decimal places for RUB",
            "Description is required",
            "Unknown currency XXX",
            "Not found",
        ];
        let cyrillic = |text: &str| text.chars().any(|c| ('а'..='я').contains(&c));
        for message in refusals {
            let ru = Texts(Lang::Ru).refusal(message);
            assert!(cyrillic(&ru), "{message}: {ru}");
            assert_eq!(Texts(Lang::En).refusal(message), message);
        }
    }
}
