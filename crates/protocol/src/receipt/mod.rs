//! `CustomerReceipt` (spec §9.2): the receipt data a merchant sends with a payment, a
//! subscription or `kkt/receipt`, parsed and checked against the §9.1 rules, and the canonical
//! JSON that is stored, signed and shown.
//!
//! - [`CustomerReceipt::parse`] reads a JSON value (or JSON text) with keys in any case and
//!   refuses the first rule it breaks with a [`ReceiptError`] naming the field and the rule.
//! - [`CustomerReceipt::to_json`] writes the canonical form (the spec's camelCase spelling).
//! - [`CustomerReceipt::for_total`] fits a receipt to a partial amount (a partial confirmation
//!   or refund).
//! - `model` holds the §3.28 replies.

mod model;
mod parse;

pub use model::{AdditionalData, ReceiptGet, ReceiptQueued};

use serde_json::{Map, Value, json};

/// The most items one receipt may have.
pub const MAX_ITEMS: usize = 500;
/// Longer labels are cut to this many characters (spec §9.1).
pub const MAX_LABEL: usize = 128;
/// VAT codes a receipt line may carry (spec §9.2); `None` is "no VAT".
pub const VAT_CODES: &[i64] = &[0, 10, 20, 110, 120, 12, 18, 118];

/// A refusal: the field (`Items[2].price`) and the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptError {
    /// Path of the field inside `CustomerReceipt`.
    pub field: String,
    /// The rule, in English.
    pub rule: String,
}

impl std::fmt::Display for ReceiptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.field.as_str() {
            "" => write!(f, "CustomerReceipt: {}", self.rule),
            field => write!(f, "CustomerReceipt.{field}: {}", self.rule),
        }
    }
}

impl std::error::Error for ReceiptError {}

/// One receipt line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// `label`, at most [`MAX_LABEL`] characters.
    pub label: String,
    /// `price`, kopecks.
    pub price: i64,
    /// `quantity`, thousandths.
    pub quantity: i64,
    /// `amount`, kopecks.
    pub amount: i64,
    /// `vat`; `None` is no VAT.
    pub vat: Option<i64>,
    /// `method` (tag 1214).
    pub method: i64,
    /// `object` (tag 1212).
    pub object: i64,
    /// `measurementUnit`.
    pub measurement_unit: Option<String>,
}

/// How the total was paid (`amounts`), kopecks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Amounts {
    /// `electronic`.
    pub electronic: i64,
    /// `advancePayment`.
    pub advance_payment: i64,
    /// `credit`.
    pub credit: i64,
    /// `provision`.
    pub provision: i64,
}

impl Amounts {
    /// The four summed, or `None` on overflow.
    pub fn sum(&self) -> Option<i64> {
        self.electronic
            .checked_add(self.advance_payment)?
            .checked_add(self.credit)?
            .checked_add(self.provision)
    }
}

/// A checked `CustomerReceipt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerReceipt {
    /// `Items`, at least one.
    pub items: Vec<Item>,
    /// `taxationSystem`, 0 to 5.
    pub taxation_system: Option<i64>,
    /// `calculationPlace`.
    pub calculation_place: Option<String>,
    /// `email`: where the receipt is e-mailed.
    pub email: Option<String>,
    /// `phone`.
    pub phone: Option<String>,
    /// `customerInfo`.
    pub customer_info: Option<String>,
    /// `customerInn`.
    pub customer_inn: Option<String>,
    /// `isBso`.
    pub is_bso: bool,
    /// `amounts`.
    pub amounts: Option<Amounts>,
    /// `cashierName`.
    pub cashier_name: Option<String>,
}

impl CustomerReceipt {
    /// The items' total, kopecks (checked at parse time to fit).
    pub fn total(&self) -> i64 {
        self.items.iter().map(|i| i.amount).sum()
    }

    /// The canonical JSON: the spec's camelCase keys, decimal numbers, absent fields left out.
    pub fn to_json(&self) -> Value {
        let items: Vec<Value> = self.items.iter().map(item_json).collect();
        let mut out = Map::new();
        out.insert("Items".into(), Value::Array(items));
        let mut put = |key: &str, value: Option<Value>| {
            if let Some(value) = value {
                out.insert(key.into(), value);
            }
        };
        put("taxationSystem", self.taxation_system.map(Value::from));
        put(
            "calculationPlace",
            self.calculation_place.clone().map(Value::from),
        );
        put("email", self.email.clone().map(Value::from));
        put("phone", self.phone.clone().map(Value::from));
        put("customerInfo", self.customer_info.clone().map(Value::from));
        put("customerInn", self.customer_inn.clone().map(Value::from));
        put("isBso", Some(Value::Bool(self.is_bso)));
        put(
            "amounts",
            self.amounts.map(|a| {
                json!({
                    "electronic": decimal(a.electronic, 2),
                    "advancePayment": decimal(a.advance_payment, 2),
                    "credit": decimal(a.credit, 2),
                    "provision": decimal(a.provision, 2),
                })
            }),
        );
        put("cashierName", self.cashier_name.clone().map(Value::from));
        Value::Object(out)
    }

    /// This receipt fitted to `total` kopecks (a partial confirmation or refund): each line's
    /// price and amount scaled down in proportion, the rounding remainder on the last line with
    /// an amount, and the whole total paid electronically. Unchanged when `total` is its total.
    pub fn for_total(&self, total: i64) -> CustomerReceipt {
        let old = self.total();
        if old == total || old <= 0 {
            return self.clone();
        }
        let scale = |v: i64| i64::try_from(i128::from(v) * i128::from(total) / i128::from(old));
        let mut fitted = self.clone();
        let mut given = 0;
        for item in &mut fitted.items {
            item.amount = scale(item.amount).unwrap_or(0);
            item.price = scale(item.price).unwrap_or(0);
            given += item.amount;
        }
        if let Some(last) = fitted.items.iter_mut().rev().find(|i| i.amount > 0) {
            last.amount += total - given;
        } else if let Some(first) = fitted.items.first_mut() {
            first.amount = total;
        }
        fitted.amounts = self.amounts.map(|_| Amounts {
            electronic: total,
            ..Amounts::default()
        });
        fitted
    }
}

/// The receipt a payment's `JsonData` asks for: `CloudPayments.CustomerReceipt` in any case
/// (the widget puts its `receipt` there too). `None` when there is none; the refusal when it
/// breaks a rule.
pub fn in_json_data(json_data: &str) -> Option<Result<CustomerReceipt, ReceiptError>> {
    let data: Value = serde_json::from_str(json_data).ok()?;
    let cloud = parse::member(data.as_object()?, "CloudPayments")?;
    let receipt = parse::member(cloud.as_object()?, "CustomerReceipt")?;
    Some(CustomerReceipt::parse(receipt))
}

fn item_json(item: &Item) -> Value {
    let mut out = Map::new();
    out.insert("label".into(), Value::from(item.label.clone()));
    out.insert("price".into(), decimal(item.price, 2));
    out.insert("quantity".into(), decimal(item.quantity, 3));
    out.insert("amount".into(), decimal(item.amount, 2));
    out.insert("vat".into(), item.vat.map_or(Value::Null, Value::from));
    out.insert("method".into(), Value::from(item.method));
    out.insert("object".into(), Value::from(item.object));
    if let Some(unit) = &item.measurement_unit {
        out.insert("measurementUnit".into(), Value::from(unit.clone()));
    }
    Value::Object(out)
}

/// `units / 10^scale` as a JSON number with no trailing zeros (`1050, 2` → `10.5`).
pub fn decimal(units: i64, scale: u32) -> Value {
    let text = rust_decimal::Decimal::new(units, scale)
        .normalize()
        .to_string();
    text.parse::<serde_json::Number>()
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests;
