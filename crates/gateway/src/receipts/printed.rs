//! What a receipt shows once fiscalised: its fiscal data with the register's numbers, the
//! links (the public page `/r/{id}`, its QR image, the fiscal data operator's page), and the
//! same facts as the §3.28 `AdditionalData` and the §5 Receipt notification.

use jiff::Timestamp;
use oblako_core::money::{Currency, Money};
use oblako_core::receipt::{ReceiptType, moscow};
use oblako_protocol::notification::ReceiptNotice;
use oblako_protocol::receipt::{AdditionalData, ReceiptGet, decimal};
use oblako_store::receipts::ReceiptRow;
use oblako_store::receipts::registers::RegisterRow;
use serde_json::Value;

/// A receipt with everything printed on it.
#[derive(Debug, Clone)]
pub struct Printed {
    /// The stored receipt.
    pub row: ReceiptRow,
    /// Its register, once fiscalised.
    pub register: Option<RegisterRow>,
    /// Its type.
    pub receipt_type: ReceiptType,
    /// The canonical receipt content.
    pub content: Value,
    /// The public page.
    pub url: String,
    /// The QR image.
    pub qr_url: String,
}

/// The page at the fiscal data operator `ofd` that shows the receipt with QR string `qr`.
pub fn ofd_url(ofd: &str, qr: &str) -> String {
    match ofd {
        "Taxcom" => {
            let field = |name: &str| {
                qr.split('&')
                    .find_map(|p| p.strip_prefix(&format!("{name}=")))
                    .unwrap_or("")
                    .to_owned()
            };
            format!(
                "https://receipt.taxcom.ru/v01/show?fp={}&s={}",
                field("fp"),
                field("s")
            )
        }
        _ => format!("https://consumer.1-ofd.ru/v1?{qr}"),
    }
}

/// One line of goods as printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// `label`.
    pub label: String,
    /// `2 × 10.50`.
    pub quantity_price: String,
    /// `21.00`.
    pub amount: String,
    /// `НДС 20%`, `без НДС`.
    pub vat: String,
}

fn vat_text(vat: Option<i64>) -> String {
    match vat {
        None => "без НДС".to_owned(),
        Some(110) => "НДС 10/110".to_owned(),
        Some(120) => "НДС 20/120".to_owned(),
        Some(118) => "НДС 18/118".to_owned(),
        Some(rate) => format!("НДС {rate}%"),
    }
}

impl Printed {
    /// The lines of goods, as printed.
    pub fn lines(&self) -> Vec<Line> {
        let Ok(receipt) = oblako_protocol::receipt::CustomerReceipt::parse(&self.content) else {
            return Vec::new();
        };
        receipt
            .items
            .iter()
            .map(|i| Line {
                label: i.label.clone(),
                quantity_price: format!(
                    "{} × {}",
                    decimal(i.quantity, 3),
                    oblako_core::receipt::rubles(i.price)
                ),
                amount: oblako_core::receipt::rubles(i.amount),
                vat: vat_text(i.vat),
            })
            .collect()
    }

    /// The fiscal data as printed: (name, value), in the order a receipt prints them.
    pub fn fiscal_lines(&self) -> Vec<(&'static str, String)> {
        let Some(a) = self.additional() else {
            return Vec::new();
        };
        vec![
            ("Дата и время", moscow(self.at(), "%d.%m.%Y %H:%M")),
            ("ИНН", a.organization_inn),
            ("Смена №", a.session_number.to_string()),
            ("Чек №", a.session_check_number.to_string()),
            ("РН ККТ", a.reg_number),
            ("ЗН ККТ", a.device_number),
            ("ФН №", a.fiscal_number),
            ("ФД №", a.document_number.to_string()),
            ("ФП", a.fiscal_sign),
            ("ОФД", a.ofd),
        ]
    }

    /// The total as printed: `1000.00`.
    pub fn total(&self) -> String {
        oblako_core::receipt::rubles(self.row.amount)
    }

    /// `row` with its register read from `db`, with links under `public_url`.
    pub async fn load(
        db: &oblako_store::Db,
        row: ReceiptRow,
        public_url: &str,
    ) -> Result<Printed, oblako_store::StoreError> {
        let register = match row.register_id {
            Some(id) => oblako_store::receipts::registers::get(db, id).await?,
            None => None,
        };
        Ok(Printed::new(row, register, public_url))
    }

    /// `row` (fiscalised on `register`, if it was), with links under `public_url`.
    pub fn new(row: ReceiptRow, register: Option<RegisterRow>, public_url: &str) -> Printed {
        let receipt_type = ReceiptType::from_name(&row.receipt_type).unwrap_or(ReceiptType::Income);
        let content = serde_json::from_str(&row.content).unwrap_or(Value::Null);
        let url = format!("{public_url}/r/{}", row.id);
        Printed {
            qr_url: format!("{url}/qr.svg"),
            url,
            receipt_type,
            content,
            register,
            row,
        }
    }

    /// When it was fiscalised (or queued, before that).
    pub fn at(&self) -> Timestamp {
        Timestamp::from_millisecond(self.row.fiscalised_at.unwrap_or(self.row.created_at))
            .unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// Issue time as printed, Moscow time: `2026-09-21T17:13:20`.
    pub fn date_time(&self) -> String {
        moscow(self.at(), "%Y-%m-%dT%H:%M:%S")
    }

    /// The total as a JSON number of rubles.
    pub fn amount_json(&self) -> Value {
        decimal(self.row.amount, 2)
    }

    /// The OFD's page for it, once fiscalised.
    pub fn ofd_receipt_url(&self) -> Option<String> {
        let register = self.register.as_ref()?;
        Some(ofd_url(&register.ofd, self.row.qr_string.as_deref()?))
    }

    /// The fiscal data, once processed.
    pub fn additional(&self) -> Option<AdditionalData> {
        let r = self.register.as_ref()?;
        Some(AdditionalData {
            id: self.row.id.clone(),
            amount: self.amount_json(),
            date_time: self.date_time(),
            device_number: r.device_number.clone(),
            document_number: self.row.document_number?,
            fiscal_number: r.fiscal_number.clone(),
            fiscal_sign: self.row.fiscal_sign.clone()?,
            ofd: r.ofd.clone(),
            ofd_receipt_url: self.ofd_receipt_url()?,
            organization_inn: r.inn.clone(),
            reg_number: r.reg_number.clone(),
            session_check_number: self.row.session_check_number?,
            session_number: self.row.session_number?,
            receipt_type: self.receipt_type.name().to_owned(),
            qr_code_string: self.row.qr_string.clone()?,
            url: self.url.clone(),
        })
    }

    /// `kkt/receipt/get`'s model.
    pub fn get_model(&self) -> Value {
        ReceiptGet {
            receipt: self.content.clone(),
            additional: self.additional(),
        }
        .to_json()
    }

    /// The Receipt notification's input, once processed.
    pub fn notice(&self) -> Option<ReceiptNotice> {
        let a = self.additional()?;
        let place = |key: &str| {
            self.content
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let place = place("calculationPlace")
            .or_else(|| self.register.as_ref().map(|r| r.calculation_place.clone()));
        Some(ReceiptNotice {
            id: a.id,
            document_number: a.document_number.to_string(),
            session_number: a.session_number.to_string(),
            number: a.session_check_number.to_string(),
            fiscal_sign: a.fiscal_sign,
            device_number: a.device_number,
            reg_number: a.reg_number,
            fiscal_number: a.fiscal_number,
            inn: a.organization_inn,
            receipt_type: a.receipt_type,
            ofd: a.ofd,
            url: self.url.clone(),
            qr_code_url: self.qr_url.clone(),
            amount: Money::new(self.row.amount, Currency::RUB),
            date_time: self.at(),
            receipt: self.content.to_string(),
            calculation_place: place.clone(),
            settle_place: place,
            transaction_id: self.row.transaction_id,
            invoice_id: self.row.invoice_id.clone(),
            account_id: self.row.account_id.clone(),
        })
    }
}
