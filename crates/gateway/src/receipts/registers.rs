//! Setting up emulated fiscal registers. A test site's automatic receipts go to its sandbox
//! register (INN [`SANDBOX_INN`]); in test mode any INN with valid check digits gets a register
//! on its first `kkt/receipt`; in live mode only the INNs the operator registered
//! (`oblako site register-inn`) have one. Each register gets a random registration number with
//! its proper check part, a device serial and a test fiscal drive's serial (`9999…`).

use oblako_core::ids::{Mode, SiteId};
use oblako_core::receipt::{inn_is_valid, registration_number};
use oblako_store::receipts::registers::{self, NewRegister};
use oblako_store::{Db, Tx};

pub use oblako_core::receipt::SANDBOX_INN;

/// The fiscal data operator of emulated registers.
pub const OFD: &str = "FirstOfd";
/// Every taxation system: what a register made for a test integration accepts.
pub const ALL_TAXATION: &str = "0,1,2,3,4,5";
/// The place of settlement printed when the receipt names none.
pub const CALCULATION_PLACE: &str = "Интернет";

/// The serials of a new register.
struct Serials {
    reg_number: String,
    device_number: String,
    fiscal_number: String,
}

fn random_digits(n: usize) -> anyhow::Result<String> {
    let hex = crate::secrets::random_hex(n)?;
    Ok(hex
        .bytes()
        .step_by(2)
        .map(|b| char::from(b'0' + (b % 10)))
        .collect())
}

fn serials(inn: &str) -> anyhow::Result<Serials> {
    let device_number = format!("0{}", random_digits(9)?);
    let ordinal: u64 = random_digits(10)?.parse()?;
    Ok(Serials {
        reg_number: registration_number(ordinal, inn, &device_number),
        device_number,
        fiscal_number: format!("9999078900{}", random_digits(6)?),
    })
}

fn new_register<'a>(
    site: SiteId,
    mode: Mode,
    inn: &'a str,
    taxation: &'a str,
    s: &'a Serials,
    now_ms: i64,
) -> NewRegister<'a> {
    NewRegister {
        site,
        mode,
        inn,
        taxation_systems: taxation,
        reg_number: &s.reg_number,
        device_number: &s.device_number,
        fiscal_number: &s.fiscal_number,
        ofd: OFD,
        calculation_place: CALCULATION_PLACE,
        created_at: now_ms,
    }
}

/// Makes, inside `tx`, the register a test site gets by itself for `inn` (its sandbox register,
/// or a valid INN a `kkt/receipt` named). Nothing in live mode or for an invalid INN.
pub async fn ensure_test_in(
    tx: &mut Tx,
    site: SiteId,
    mode: Mode,
    inn: &str,
    now_ms: i64,
) -> anyhow::Result<()> {
    if mode != Mode::Test || !inn_is_valid(inn) {
        return Ok(());
    }
    let s = serials(inn)?;
    registers::ensure_in(tx, &new_register(site, mode, inn, ALL_TAXATION, &s, now_ms)).await?;
    Ok(())
}

/// Registers `inn` for `site` in `mode` with taxation systems `taxation` (the operator's CLI).
/// `false` when it was registered already.
pub async fn register(
    db: &Db,
    site: SiteId,
    mode: Mode,
    inn: &str,
    taxation: &str,
    now_ms: i64,
) -> anyhow::Result<bool> {
    anyhow::ensure!(inn_is_valid(inn), "INN {inn} has invalid check digits");
    let systems: Vec<&str> = taxation.split(',').map(str::trim).collect();
    anyhow::ensure!(
        !systems.is_empty()
            && systems
                .iter()
                .all(|c| matches!(*c, "0" | "1" | "2" | "3" | "4" | "5")),
        "taxation systems must be codes 0 to 5, comma-separated"
    );
    let s = serials(inn)?;
    let taxation = systems.join(",");
    Ok(registers::ensure(db, &new_register(site, mode, inn, &taxation, &s, now_ms)).await?)
}

/// Whether `site` can fiscalise for `inn` in `mode`: test mode takes any valid INN (its register
/// is made on first use), live mode only a registered one.
pub async fn accepts(db: &Db, site: SiteId, mode: Mode, inn: &str) -> anyhow::Result<bool> {
    if !inn_is_valid(inn) {
        return Ok(false);
    }
    Ok(mode == Mode::Test || registers::find(db, site, mode, inn).await?.is_some())
}
