//! The cabinet's words in Russian and English. Templates and handlers write the English text;
//! [`Texts::t`] answers it in the page's language (English when a phrase has no translation).

use crate::pages::Lang;

/// The words of one language.
#[derive(Debug, Clone, Copy)]
pub struct Texts(pub Lang);

impl Texts {
    /// `english` in this language.
    pub fn t<'a>(&self, english: &'a str) -> &'a str {
        match self.0 {
            Lang::En => english,
            _ => russian(english).unwrap_or(english),
        }
    }
}

/// Refusals whose English names a status at the end, and their Russian before the status.
const WITH_STATUS: [(&str, &str); 3] = [
    (
        "Transaction is not authorized: its status is ",
        "Операция не авторизована, её статус: ",
    ),
    (
        "Only completed payments can be refunded: the status is ",
        "Вернуть можно только завершённую оплату, а её статус: ",
    ),
    (
        "Transaction is not awaiting a result: its status is ",
        "Операция не ожидает результата, её статус: ",
    ),
];

/// The protocol's words for a small void made too soon, which are Russian in the API too.
const VOID_TOO_SOON: &str =
    "Должно пройти больше 24 часов для отмены транзакции на 10 рублей либо меньше.";

impl Texts {
    /// A flow's refusal (the protocol's words, which the API answers as they are) in this
    /// language, the status it names included.
    pub fn refusal(&self, message: &str) -> String {
        let english = self.0 == Lang::En;
        for (prefix, russian) in WITH_STATUS {
            if let Some(status) = message.strip_prefix(prefix) {
                return if english {
                    message.to_owned()
                } else {
                    format!("{russian}{}", self.t(status))
                };
            }
        }
        if message == VOID_TOO_SOON && english {
            return "A payment of 10 rubles or less can be voided only more than 24 hours after it \
                    was made."
                .to_owned();
        }
        if english {
            return message.to_owned();
        }
        match russian(message) {
            Some(words) => words.to_owned(),
            None => {
                super::billing_texts::russian_refusal(message).unwrap_or_else(|| message.to_owned())
            }
        }
    }
}

fn russian(english: &str) -> Option<&'static str> {
    Some(match english {
        "Sites" => "Сайты",
        "Transactions" => "Операции",
        "System log" => "Системный журнал",
        "Users" => "Пользователи",
        "Sign out" => "Выйти",
        "Sign in" => "Войти",
        "Sign in to the cabinet" => "Вход в личный кабинет",
        "E-mail" => "Эл. почта",
        "Password" => "Пароль",
        "owner" => "владелец",
        "admin" => "администратор",
        "developer" => "разработчик",
        "accountant" => "бухгалтер",
        "support" => "поддержка",
        "viewer" => "наблюдатель",
        "test" => "тест",
        "live" => "боевой",
        "production" => "боевой режим",
        "payment" => "оплата",
        "refund" => "возврат",
        "confirm" => "Подтвердить",
        "void" => "Отменить",
        "Completed" => "Завершена",
        "Authorized" => "Авторизована",
        "Declined" => "Отклонена",
        "Cancelled" => "Отменена",
        "AwaitingAuthentication" => "Ожидает 3-D Secure",
        "Processing" => "Обрабатывается",
        "Back to the cabinet" => "Вернуться в кабинет",
        "Enter the code from your authenticator app" => "Введите код из приложения-аутентификатора",
        "Six-digit code or a recovery code" => "Шестизначный код или код восстановления",
        "Continue" => "Продолжить",
        "Set your password" => "Задайте пароль",
        "New password (at least 12 characters)" => "Новый пароль (не короче 12 символов)",
        "The same password again" => "Тот же пароль ещё раз",
        "Save and sign in" => "Сохранить и войти",
        "Two-factor sign-in" => "Двухфакторный вход",
        "Six-digit code" => "Шестизначный код",
        "Turn on" => "Включить",
        "Not now" => "Не сейчас",
        "Your account requires two-factor sign-in." => {
            "В вашей учётной записи обязателен двухфакторный вход."
        }
        "Add this key to an authenticator app (Google Authenticator, Aegis, 1Password…), then enter the code it shows." => {
            "Добавьте этот ключ в приложение-аутентификатор (Google Authenticator, Aegis, 1Password…) и введите код, который оно покажет."
        }
        "Two-factor sign-in is on. Keep these recovery codes somewhere safe: each works once, and they are shown only now." => {
            "Двухфакторный вход включён. Сохраните коды восстановления в надёжном месте: каждый действует один раз, и показаны они только сейчас."
        }
        "Wrong e-mail or password, or this user is locked for a while after many failed attempts." => {
            "Неверная почта или пароль, либо вход временно заблокирован после многих неудачных попыток."
        }
        "That code is not right, or it was used already. Wait for the next one." => {
            "Код неверен или уже использован. Дождитесь следующего."
        }
        "That code is not right. Check the key and try the next code." => {
            "Код неверен. Проверьте ключ и попробуйте следующий код."
        }
        "The two passwords differ." => "Пароли не совпадают.",
        "The password must be at least 12 characters long." => {
            "Пароль должен быть не короче 12 символов."
        }
        "The password must be at most 128 characters long." => {
            "Пароль должен быть не длиннее 128 символов."
        }
        "This password is too common. Choose another." => {
            "Это слишком распространённый пароль. Выберите другой."
        }
        "The password must not contain your e-mail address." => {
            "Пароль не должен содержать ваш адрес почты."
        }
        "Not allowed" => "Нет доступа",
        "Your role does not allow this. Ask the account's owner." => {
            "Ваша роль этого не позволяет. Обратитесь к владельцу учётной записи."
        }
        "Not found" => "Не найдено",
        "There is nothing at this address, or it is not yours to see." => {
            "По этому адресу ничего нет, или у вас нет к этому доступа."
        }
        "Form refused" => "Форма отклонена",
        "This form was sent from another site, so it was not accepted." => {
            "Форма отправлена с другого сайта, поэтому не принята."
        }
        "Form expired" => "Форма устарела",
        "This form is out of date. Go back, reload the page and try again." => {
            "Форма устарела. Вернитесь, обновите страницу и попробуйте снова."
        }
        "Form unreadable" => "Не удалось прочитать форму",
        "The form could not be read. Go back and try again." => {
            "Форму не удалось прочитать. Вернитесь и попробуйте снова."
        }
        "Too many attempts" => "Слишком много попыток",
        "Too many attempts from your address. Wait a minute and try again." => {
            "Слишком много попыток с вашего адреса. Подождите минуту и попробуйте снова."
        }
        "Link no longer valid" => "Ссылка больше не действует",
        "This link has been used or has expired. Ask the account's owner for a new one." => {
            "Ссылка уже использована или устарела. Попросите у владельца учётной записи новую."
        }
        "Something went wrong" => "Что-то пошло не так",
        "Something went wrong on our side. Try again in a minute." => {
            "Что-то пошло не так на нашей стороне. Попробуйте через минуту."
        }
        "Not done" => "Операция не выполнена",
        "Receipts" => "Чеки",
        "Type" => "Тип",
        "State" => "Состояние",
        "Receipt" => "Чек",
        "Queued" => "В очереди",
        "Processed" => "Пробит",
        "Fiscalised (UTC)" => "Пробит (UTC)",
        "No receipts for this filter. A payment whose data carries CustomerReceipt gets one when it completes." => {
            "Чеков по этому фильтру нет. Платёж с CustomerReceipt в данных получает чек, когда завершается."
        }
        "No sites yet. Create one below: it starts in test mode with its own keys." => {
            "Сайтов пока нет. Создайте сайт ниже: он начнёт работу в тестовом режиме со своими ключами."
        }
        "Name" => "Название",
        "Mode" => "Режим",
        "New site" => "Новый сайт",
        "Create" => "Создать",
        "In production: live keys work." => "В боевом режиме: действуют боевые ключи.",
        "In test mode: only test keys work." => {
            "В тестовом режиме: действуют только тестовые ключи."
        }
        "New API Secret. Copy it now: it is not shown again, and the old one no longer works." => {
            "Новый API Secret. Скопируйте его сейчас: он больше не будет показан, а старый уже не действует."
        }
        "Keys" => "Ключи",
        "New API Secret" => "Новый API Secret",
        "Rename" => "Переименовать",
        "Production" => "Боевой режим",
        "Switching to production makes the live keys work and real cards be charged. Type the site's name to confirm." => {
            "В боевом режиме начинают действовать боевые ключи и списываются деньги с настоящих карт. Введите название сайта для подтверждения."
        }
        "Site name" => "Название сайта",
        "Switch to production" => "Перевести в боевой режим",
        "Transactions of this site" => "Операции этого сайта",
        "Transaction" => "Операция",
        "Card: first six" => "Карта: первые шесть",
        "Card: last four" => "Карта: последние четыре",
        "Amount from" => "Сумма от",
        "Amount to" => "Сумма до",
        "Site" => "Сайт",
        "any" => "любой",
        "Status" => "Статус",
        "Operation" => "Тип операции",
        "Currency" => "Валюта",
        "From (date)" => "С даты",
        "To (date)" => "По дату",
        "Find" => "Найти",
        "Clear" => "Сбросить",
        "Approved" => "Одобрено",
        "Sum approved" => "Сумма одобренных",
        "Sum declined" => "Сумма отклонённых",
        "No payments here yet — make a test payment with card 4242 4242 4242 4242." => {
            "Платежей пока нет — сделайте тестовый платёж картой 4242 4242 4242 4242."
        }
        "Created (UTC)" => "Создана (UTC)",
        "Amount" => "Сумма",
        "Card" => "Карта",
        "Older" => "Раньше",
        "Captured" => "Списано",
        "Refunded" => "Возвращено",
        "Decline code" => "Код отказа",
        "Description" => "Назначение",
        "Cardholder" => "Держатель карты",
        "Payer IP" => "IP плательщика",
        "Approval code" => "Код авторизации",
        "Last change (UTC)" => "Изменена (UTC)",
        "Refunds" => "Возвраты",
        "Kind" => "Вид",
        "Cabinet actions" => "Действия в кабинете",
        "Refused API requests" => "Отклонённые запросы API",
        "Nothing recorded for this filter." => "По этому фильтру записей нет.",
        "Time (UTC)" => "Время (UTC)",
        "User" => "Пользователь",
        "Action" => "Действие",
        "Details" => "Подробности",
        "Key" => "Ключ",
        "Request" => "Запрос",
        "Message" => "Сообщение",
        "Invitation sent to" => "Приглашение отправлено:",
        "Role" => "Роль",
        "Two-factor" => "Второй фактор",
        "invited" => "приглашён",
        "disabled" => "отключён",
        "Save" => "Сохранить",
        "on" => "вкл.",
        "off" => "выкл.",
        "Invite" => "Пригласить",
        "Require two-factor sign-in for everyone in the account" => {
            "Требовать двухфакторный вход от всех пользователей"
        }
        "Sign out on every device" => "Выйти на всех устройствах",
        "This e-mail already has a user." => "Пользователь с такой почтой уже есть.",
        "Notifications" => "Уведомления",
        "Test webhook" => "Проверить уведомление",
        "Latency" => "Время ответа",
        "Answer" => "Ответ",
        "Error" => "Ошибка",
        "Address" => "Адрес",
        "Resend" => "Отправить снова",
        "Set an address for this kind first." => {
            "Сначала укажите адрес для этого вида уведомлений."
        }
        "No notifications were sent for this transaction. Set the site's addresses on its Notifications page." => {
            "Уведомлений по этой операции не отправлялось. Адреса задаются на странице уведомлений сайта."
        }
        "Amount exceeds the authorized amount" => "Сумма больше авторизованной",
        "Amount exceeds the amount available for refund" => "Сумма больше доступной для возврата",
        "Amount must be greater than zero" => "Сумма должна быть больше нуля",
        "Amount is required" => "Укажите сумму",
        "Live payments are not available: no acquirer is configured for this gateway" => {
            "Боевые платежи недоступны: у шлюза не настроен эквайер"
        }
        "Totals of the last 30 days; choose a period for the totals of another." => {
            "Итоги за последние 30 дней; для итогов за другой срок выберите период."
        }
        "Options" => "Настройки",
        "Terminal URL (the shop's address in the transaction model)" => {
            "Адрес терминала (адрес магазина в модели операции)"
        }
        "Save card tokens after successful payments" => {
            "Сохранять токены карт после успешных оплат"
        }
        "Confirm two-stage payments automatically after this many days (0 to 7; empty: never)" => {
            "Подтверждать двухстадийные оплаты автоматически через столько дней (от 0 до 7; пусто — никогда)"
        }
        "never" => "никогда",
        "Pages that may show the payment form (the gateway's widget_frame_ancestors, the same for every site)" => {
            "Страницы, которые могут показывать платёжную форму (widget_frame_ancestors шлюза, общий для всех сайтов)"
        }
        "Retry schedule" => "Расписание повторов",
        "After a failed delivery, each kind of notification is sent again after these seconds (the last one repeating), up to this many attempts in all." => {
            "После неудачной доставки уведомление любого вида отправляется снова через указанное число секунд (последнее значение повторяется), но не больше указанного числа попыток."
        }
        "Seconds between attempts" => "Секунды между попытками",
        "Attempts in all" => "Всего попыток",
        _ => return super::billing_texts::russian(english),
    })
}

#[cfg(test)]
mod tests {
    use oblako_core::payment::Refusal;

    use super::*;

    #[test]
    fn every_refusal_of_the_money_flows_reads_in_russian_and_english() {
        let refusals = [
            Refusal::NotAuthorized("Completed"),
            Refusal::NotCompleted("Authorized"),
            Refusal::AboveAuthorized,
            Refusal::AboveRefundable,
            Refusal::NotPositive,
            Refusal::NotPending("Declined"),
            Refusal::VoidTooSoon,
        ];
        let cyrillic = |text: &str| text.chars().any(|c| ('а'..='я').contains(&c));
        for refusal in refusals {
            let message = refusal.to_string();
            let ru = Texts(Lang::Ru).refusal(&message);
            let en = Texts(Lang::En).refusal(&message);
            assert!(
                (cyrillic(&ru) && ru != message) || refusal == Refusal::VoidTooSoon,
                "{ru}"
            );
            assert!(!cyrillic(&en), "{en}");
            assert!(
                !ru.contains("Completed") && !ru.contains("Authorized"),
                "{ru}"
            );
        }
        let no_acquirer = oblako_gateway::settlement::NO_LIVE_ACQUIRER;
        assert!(cyrillic(&Texts(Lang::Ru).refusal(no_acquirer)));
        assert!(cyrillic(&Texts(Lang::Ru).refusal("Amount is required")));
    }
}
