//! Reading a `CustomerReceipt` and checking the §9.1 rules. Keys match in any case; numbers may
//! be JSON numbers or decimal text; the first broken rule is the answer.

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::{Amounts, CustomerReceipt, Item, MAX_ITEMS, MAX_LABEL, ReceiptError, VAT_CODES};

/// The largest money value in a receipt, rubles.
const MAX_RUBLES: i64 = 1_000_000_000;
/// The largest quantity of one line.
const MAX_QUANTITY: i64 = 1_000_000;

fn refuse(field: impl Into<String>, rule: impl Into<String>) -> ReceiptError {
    ReceiptError {
        field: field.into(),
        rule: rule.into(),
    }
}

/// The member of `object` called `name` in any case.
pub(super) fn member<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
        .filter(|value| !value.is_null())
}

/// Decimal text of a number or a string holding one.
fn number_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.trim().to_owned()),
        _ => None,
    }
}

/// `value` as units of `10^-scale`, at most `max` whole units, not negative; `positive` refuses
/// zero too.
fn fixed(
    field: &str,
    value: &Value,
    scale: u32,
    max: i64,
    positive: bool,
) -> Result<i64, ReceiptError> {
    let text = number_text(value).ok_or_else(|| refuse(field, "must be a number"))?;
    let strict = text.len() <= 40
        && !text.contains(['e', 'E', '+'])
        && text
            .trim_start_matches('-')
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && text.matches('.').count() <= 1;
    let number = strict
        .then(|| Decimal::from_str_exact(&text).ok())
        .flatten()
        .ok_or_else(|| refuse(field, "must be a decimal number"))?
        .normalize();
    if number.is_sign_negative() && !number.is_zero() {
        return Err(refuse(field, "must not be negative"));
    }
    if positive && number.is_zero() {
        return Err(refuse(field, "must be greater than zero"));
    }
    if number.scale() > scale {
        return Err(refuse(
            field,
            format!("must have at most {scale} decimal places"),
        ));
    }
    if number > Decimal::from(max) {
        return Err(refuse(field, format!("must not exceed {max}")));
    }
    let units = number * Decimal::from(10_i64.pow(scale));
    i64::try_from(units).map_err(|_| refuse(field, "is out of range"))
}

fn integer(
    field: &str,
    value: &Value,
    allowed: impl Fn(i64) -> bool,
    what: &str,
) -> Result<i64, ReceiptError> {
    let n = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    n.filter(|n| allowed(*n))
        .ok_or_else(|| refuse(field, format!("must be {what}")))
}

fn text(field: &str, value: Option<&Value>, max: usize) -> Result<Option<String>, ReceiptError> {
    match value {
        None => Ok(None),
        Some(Value::String(s)) if s.chars().count() > max => {
            Err(refuse(field, format!("must be at most {max} characters")))
        }
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(_) => Err(refuse(field, "must be a string")),
    }
}

impl CustomerReceipt {
    /// Parses JSON text (a form-encoded request or a stored receipt).
    pub fn parse_text(text: &str) -> Result<CustomerReceipt, ReceiptError> {
        let value: Value =
            serde_json::from_str(text).map_err(|_| refuse("", "must be a JSON object"))?;
        CustomerReceipt::parse(&value)
    }

    /// Reads and checks a `CustomerReceipt` (an object, or a string holding one).
    pub fn parse(value: &Value) -> Result<CustomerReceipt, ReceiptError> {
        if let Value::String(text) = value {
            return CustomerReceipt::parse_text(text);
        }
        let object = value
            .as_object()
            .ok_or_else(|| refuse("", "must be a JSON object"))?;
        let items = match member(object, "Items") {
            None => return Err(refuse("Items", "is required")),
            Some(Value::Array(items)) => items,
            Some(_) => return Err(refuse("Items", "must be an array")),
        };
        if items.is_empty() {
            return Err(refuse("Items", "must have at least one item"));
        }
        if items.len() > MAX_ITEMS {
            return Err(refuse(
                "Items",
                format!("must have at most {MAX_ITEMS} items"),
            ));
        }
        let items = items
            .iter()
            .enumerate()
            .map(|(i, item)| parse_item(i, item))
            .collect::<Result<Vec<Item>, ReceiptError>>()?;
        let total = items
            .iter()
            .try_fold(0_i64, |sum, item| sum.checked_add(item.amount))
            .filter(|total| *total <= MAX_RUBLES * 100)
            .ok_or_else(|| refuse("Items", "total is too large"))?;
        if total <= 0 {
            return Err(refuse("Items", "total must be greater than zero"));
        }
        let taxation_system = member(object, "taxationSystem")
            .map(|v| {
                integer(
                    "taxationSystem",
                    v,
                    |n| (0..=5).contains(&n),
                    "one of 0, 1, 2, 3, 4, 5",
                )
            })
            .transpose()?;
        let email = text("email", member(object, "email"), 64)?;
        if email.as_deref().is_some_and(|e| !plausible_email(e)) {
            return Err(refuse("email", "must be an e-mail address"));
        }
        let customer_inn = text("customerInn", member(object, "customerInn"), 12)?;
        if customer_inn
            .as_deref()
            .is_some_and(|inn| !oblako_core::receipt::inn_is_valid(inn))
        {
            return Err(refuse(
                "customerInn",
                "must be an INN with valid check digits",
            ));
        }
        let is_bso = match member(object, "isBso") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(refuse("isBso", "must be true or false")),
        };
        let amounts = member(object, "amounts")
            .map(|value| parse_amounts(value, total))
            .transpose()?;
        Ok(CustomerReceipt {
            items,
            taxation_system,
            calculation_place: text("calculationPlace", member(object, "calculationPlace"), 256)?,
            email,
            phone: text("phone", member(object, "phone"), 64)?,
            customer_info: text("customerInfo", member(object, "customerInfo"), 256)?,
            customer_inn,
            is_bso,
            amounts,
            cashier_name: text("cashierName", member(object, "cashierName"), 64)?,
        })
    }
}

fn plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty() && domain.contains('.') && !email.contains(char::is_whitespace)
}

fn parse_item(index: usize, value: &Value) -> Result<Item, ReceiptError> {
    let at = |name: &str| format!("Items[{index}].{name}");
    let object = value
        .as_object()
        .ok_or_else(|| refuse(format!("Items[{index}]"), "must be an object"))?;
    let required = |name: &str| member(object, name).ok_or_else(|| refuse(at(name), "is required"));
    let label = match required("label")? {
        // Cut, then trimmed again, so the canonical form reads back the same.
        Value::String(s) if !s.trim().is_empty() => {
            let cut: String = s.trim().chars().take(MAX_LABEL).collect();
            cut.trim_end().to_owned()
        }
        Value::String(_) => return Err(refuse(at("label"), "must not be empty")),
        _ => return Err(refuse(at("label"), "must be a string")),
    };
    let price = fixed(&at("price"), required("price")?, 2, MAX_RUBLES, false)?;
    let quantity = fixed(
        &at("quantity"),
        required("quantity")?,
        3,
        MAX_QUANTITY,
        true,
    )?;
    let amount = fixed(&at("amount"), required("amount")?, 2, MAX_RUBLES, false)?;
    let vat = member(object, "vat")
        .map(|v| {
            integer(
                &at("vat"),
                v,
                |n| VAT_CODES.contains(&n),
                "null or one of 0, 10, 20, 110, 120, 12, 18, 118",
            )
        })
        .transpose()?;
    let method = member(object, "method")
        .map(|v| {
            integer(
                &at("method"),
                v,
                |n| (0..=7).contains(&n),
                "an integer from 0 to 7",
            )
        })
        .transpose()?
        .unwrap_or(0);
    let object_code = member(object, "object")
        .map(|v| {
            integer(
                &at("object"),
                v,
                |n| (0..=26).contains(&n),
                "an integer from 0 to 26",
            )
        })
        .transpose()?
        .unwrap_or(0);
    Ok(Item {
        label,
        price,
        quantity,
        amount,
        vat,
        method,
        object: object_code,
        measurement_unit: text(
            &at("measurementUnit"),
            member(object, "measurementUnit"),
            16,
        )?,
    })
}

fn parse_amounts(value: &Value, total: i64) -> Result<Amounts, ReceiptError> {
    let object = value
        .as_object()
        .ok_or_else(|| refuse("amounts", "must be an object"))?;
    let part = |name: &str| {
        member(object, name)
            .map(|v| fixed(&format!("amounts.{name}"), v, 2, MAX_RUBLES, false))
            .transpose()
            .map(Option::unwrap_or_default)
    };
    let amounts = Amounts {
        electronic: part("electronic")?,
        advance_payment: part("advancePayment")?,
        credit: part("credit")?,
        provision: part("provision")?,
    };
    if amounts.sum() != Some(total) {
        return Err(refuse("amounts", "must add up to the items' total"));
    }
    Ok(amounts)
}
