//! Writing the audit trail: one row per cabinet action (sign-ins, failed sign-ins, key
//! rotations, settings, the production switch, users), never with a secret in it.

use oblako_core::ids::AccountId;
use oblako_store::audit::{self, NewEntry};

use super::session::Session;
use crate::state::AppState;

/// Records `action` taken by the signed-in user, about `site` if one.
pub async fn note(
    state: &AppState,
    session: &Session,
    action: &str,
    site: Option<i64>,
    detail: &str,
) -> anyhow::Result<()> {
    let staff = &session.row.staff;
    let entry = NewEntry {
        account: AccountId(staff.account_id),
        staff_id: Some(staff.id),
        email: &staff.email,
        action,
        site_id: site,
        detail,
        ip: &session.ip,
    };
    audit::record(&state.db, &entry, state.now_ms()).await?;
    Ok(())
}

/// Records `action` by a staff member who is not (yet) signed in: sign-ins, failures, set-up.
pub async fn note_staff(
    state: &AppState,
    staff: &oblako_store::staff::StaffRow,
    action: &str,
    detail: &str,
    ip: &str,
) -> anyhow::Result<()> {
    let entry = NewEntry {
        account: AccountId(staff.account_id),
        staff_id: Some(staff.id),
        email: &staff.email,
        action,
        site_id: None,
        detail,
        ip,
    };
    audit::record(&state.db, &entry, state.now_ms()).await?;
    Ok(())
}
