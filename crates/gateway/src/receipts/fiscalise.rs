//! The fiscalisation worker: leases Queued receipts, and in one commit per batch numbers each on
//! its register (documents and shifts, [`oblako_core::receipt::Counters`]), signs it, stamps it,
//! records it `Processed` (or `Error` when there is no register for it), and queues its Receipt
//! notification and its e-mail. Registers are locked in a fixed order, so workers on several
//! nodes never deadlock; a receipt whose lease was lost is left to its new holder and takes no
//! number.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use oblako_core::ids::{Mode, SiteId};
use oblako_core::receipt::{FiscalDocument, ReceiptType, fiscal_sign};
use oblako_protocol::notification::{FormEncoding, Notification, NotificationKind};
use oblako_protocol::receipt::CustomerReceipt;
use oblako_store::Tx;
use oblako_store::notifications::{self, NewNotification};
use oblako_store::receipts::registers::{self, RegisterRow};
use oblako_store::receipts::{self, Fiscalised, ReceiptRow};
use tokio::sync::Notify;

use super::printed::Printed;
use super::registers::{SANDBOX_INN, ensure_test_in};
use crate::Gateway;
use crate::notify::outbox::NoticeSettings;

/// A lease outlives a batch's commit (a local transaction, no I/O) with a wide margin.
pub const LEASE_MS: i64 = 10_000;
/// Receipts claimed per batch.
const BATCH: i64 = 500;
/// How long an idle worker sleeps when nothing wakes it.
const IDLE: Duration = Duration::from_secs(1);

/// The bell that wakes the worker after a commit queued receipts.
#[derive(Debug, Default)]
pub struct Wake(Notify);

impl Wake {
    /// Something was queued.
    pub fn ring(&self) {
        self.0.notify_one();
    }
}

/// Fiscalises until the process stops.
pub async fn run(state: Gateway, worker: String, stop: crate::stop::Stop) {
    while !stop.is_cancelled() {
        match fiscalise_due(&state, &worker).await {
            Ok(n) if n as i64 >= BATCH => continue,
            Ok(_) => {}
            Err(e) => tracing::error!(error = format!("{e:#}"), "receipt round failed"),
        }
        let woken = tokio::time::timeout(IDLE, state.receipts.0.notified());
        if stop.interrupts(woken).await {
            break;
        }
    }
}

/// Fiscalises everything due now (tests, the CLI); returns how many receipts were claimed.
pub async fn drain(state: &Gateway, worker: &str) -> anyhow::Result<usize> {
    let mut total = 0;
    loop {
        let claimed = fiscalise_due(state, worker).await?;
        total += claimed;
        if claimed == 0 {
            return Ok(total);
        }
    }
}

/// Which register a receipt goes to: its INN, or the site's default (the sandbox register in
/// test mode, the first registered one in live mode).
fn register_key(r: &ReceiptRow) -> (SiteId, Mode, Option<String>) {
    let inn = match (r.inn.clone(), r.mode) {
        (Some(inn), _) => Some(inn),
        (None, Mode::Test) => Some(SANDBOX_INN.to_owned()),
        (None, _) => None,
    };
    (r.site_id, r.mode, inn)
}

/// One batch: claims what is due and fiscalises it in one commit; returns how many were claimed.
pub async fn fiscalise_due(state: &Gateway, worker: &str) -> anyhow::Result<usize> {
    let now = state.now_ms();
    let mut due = receipts::claim_due(&state.db, now, LEASE_MS, worker, BATCH).await?;
    let claimed = due.len();
    if claimed == 0 {
        return Ok(0);
    }
    due.sort_by_key(|r| (register_key(r), r.seq));
    // Read before the write transaction, which must not wait for a second connection.
    let (mut settings, mut merchants) = (HashMap::new(), HashMap::new());
    for r in &due {
        let mode = r.mode;
        let key = (r.site_id, mode);
        if let std::collections::hash_map::Entry::Vacant(slot) = settings.entry(key) {
            slot.insert(NoticeSettings::load(state, key.0, mode).await?);
        }
        if let std::collections::hash_map::Entry::Vacant(slot) = merchants.entry(r.site_id) {
            let site = oblako_store::sites::site(&state.db, key.0).await?;
            slot.insert(site.map(|s| s.name).unwrap_or_default());
        }
    }
    let mut tx = state.db.begin_write().await?;
    let mut registers: BTreeMap<(SiteId, Mode, Option<String>), Option<RegisterRow>> =
        BTreeMap::new();
    let (mut notified, mut mailed) = (false, false);
    for r in &due {
        let key = register_key(r);
        if !registers.contains_key(&key) {
            let (site, mode) = (r.site_id, r.mode);
            if let Some(inn) = &key.2 {
                ensure_test_in(&mut tx, site, mode, inn, now).await?;
            }
            let found = registers::for_update(&mut tx, r.site_id, r.mode, key.2.as_deref()).await?;
            registers.insert(key.clone(), found);
        }
        let register = registers.get_mut(&key).and_then(Option::as_mut);
        let outcome = fiscalise_one(state, &mut tx, worker, r, register, now).await?;
        if let Some(printed) = outcome {
            let mode = r.mode;
            if let Some(subs) = settings.get(&(r.site_id, mode)) {
                notified |= notify_in(&mut tx, subs, &printed, now).await?;
            }
            let merchant = merchants.get(&r.site_id).map_or("", String::as_str);
            mailed |= crate::mail::receipt::queue_in(&mut tx, &printed, merchant, now).await?;
        }
    }
    for register in registers.values().flatten() {
        registers::save_counters(&mut tx, register.id, &register.counters()).await?;
    }
    tx.commit().await?;
    if notified {
        state.delivery.ring();
    }
    if mailed {
        state.mail.ring();
    }
    metrics::counter!("oblako_receipts_fiscalised_total").increment(claimed as u64);
    Ok(claimed)
}

/// Fiscalises `r` on `register` (counters moved in place); the printed receipt when processed.
async fn fiscalise_one(
    state: &Gateway,
    tx: &mut Tx,
    worker: &str,
    r: &ReceiptRow,
    register: Option<&mut RegisterRow>,
    now: i64,
) -> anyhow::Result<Option<Printed>> {
    let taxation = CustomerReceipt::parse_text(&r.content)
        .ok()
        .and_then(|c| c.taxation_system);
    let Some(register) = register else {
        let reason = match &r.inn {
            Some(inn) => format!("Компания с ИНН {inn} не найдена"),
            None => "No fiscal register is set up for this site".to_owned(),
        };
        let refused = Fiscalised::Error { reason: &reason };
        receipts::record(tx, &r.id, worker, now, &refused).await?;
        return Ok(None);
    };
    if let Some(code) = taxation.filter(|code| !register.has_taxation(*code)) {
        let reason = format!("Taxation system {code} is not registered on the cash register");
        let refused = Fiscalised::Error { reason: &reason };
        receipts::record(tx, &r.id, worker, now, &refused).await?;
        return Ok(None);
    }
    let mut counters = register.counters();
    let numbers = counters.issue(now);
    let document = FiscalDocument {
        receipt_type: ReceiptType::from_name(&r.receipt_type).unwrap_or(ReceiptType::Income),
        inn: &register.inn,
        reg_number: &register.reg_number,
        fiscal_number: &register.fiscal_number,
        numbers,
        at: jiff::Timestamp::from_millisecond(now)?,
        amount: r.amount,
        content: &r.content,
    };
    let sign = fiscal_sign(
        &state
            .secrets
            .sign(format!("fiscal-sign\n{}", document.signed_text()).as_bytes()),
    );
    let qr = document.qr_string(&sign);
    let processed = Fiscalised::Processed {
        inn: &register.inn,
        register_id: register.id,
        document_number: numbers.document,
        session_number: numbers.shift,
        session_check_number: numbers.in_shift,
        fiscal_sign: &sign,
        qr_string: &qr,
    };
    if !receipts::record(tx, &r.id, worker, now, &processed).await? {
        tracing::warn!(id = r.id, "receipt lease lost before fiscalisation");
        return Ok(None);
    }
    register.last_document = counters.last_document;
    register.shift_number = counters.shift_number;
    register.shift_opened_at = counters.shift_opened_at;
    register.shift_receipts = counters.shift_receipts;
    let row = ReceiptRow {
        state: "Processed".into(),
        inn: Some(register.inn.clone()),
        register_id: Some(register.id),
        document_number: Some(numbers.document),
        session_number: Some(numbers.shift),
        session_check_number: Some(numbers.in_shift),
        fiscal_sign: Some(sign),
        qr_string: Some(qr),
        fiscalised_at: Some(now),
        locked_by: None,
        locked_until: None,
        ..r.clone()
    };
    Ok(Some(Printed::new(
        row,
        Some(register.clone()),
        &state.settings.public_url,
    )))
}

/// Queues the Receipt notification of `printed` inside `tx` when the site wants it.
async fn notify_in(
    tx: &mut Tx,
    subscriptions: &NoticeSettings,
    printed: &Printed,
    now: i64,
) -> anyhow::Result<bool> {
    let Some(settings) = subscriptions.wanted(NotificationKind::Receipt) else {
        return Ok(false);
    };
    let Some(notice) = printed.notice() else {
        return Ok(false);
    };
    let encoding = FormEncoding::from_name(&settings.encoding).unwrap_or(FormEncoding::Utf8);
    let body = Notification::Receipt(notice).body(encoding);
    notifications::enqueue(
        tx,
        &NewNotification {
            site: printed.row.site_id,
            mode: subscriptions.mode(),
            transaction_id: None,
            kind: NotificationKind::Receipt.name(),
            body: &body,
            url: &settings.url,
            method: &settings.method,
            encoding: &settings.encoding,
            created_at: now,
        },
    )
    .await?;
    Ok(true)
}
