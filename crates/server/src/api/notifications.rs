//! `site/notifications/{Type}/get` and `site/notifications/{Type}/update` (spec §3.24, §3.25,
//! A.10): a site's notification settings for one kind, read and replaced with its API keys.
//!
//! The settings belong to the authenticated site and the mode of its keys: as CloudPayments
//! keeps a test and a live configuration, test keys read and change the test settings, live keys
//! the live ones, and test keys never change where live notifications go. As on CloudPayments,
//! `Check` can be read but not changed here, and `Receipt` is not reachable at all (spec §4.7);
//! the operator sets both with `oblako site notification-set`. An update replaces every field,
//! an omitted one taking the spec's default (`IsEnabled` false, `HttpMethod` GET, `Encoding`
//! UTF8, `Format` CloudPayments). The address is kept as sent, once it passes the SSRF guard's
//! save-time check ([`check_url`]) under the policy delivery of the keys' mode dials with
//! ([`crate::config::Config::outbound_policy`]): test keys may save loopback and private addresses
//! where the operator allows it (`test_notifications_private`), live keys only public ones and
//! `allow_subnets`, and neither an address of this host on the gateway's own port.
//!
//! [`Wanted`] is the one place the values are checked, shared with the command line.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use oblako_protocol::envelope::Envelope;
use oblako_protocol::notification::{FormEncoding, NotificationKind};
use oblako_store::notifications::settings::{self, Settings};
use serde_json::json;

use crate::api::auth::Principal;
use crate::api::body::ApiRequest;
use crate::api::idempotency::{request_key, run_once};
use crate::api::reply::{ApiError, ApiReply};
use crate::outbound::{Policy, check_url};
use crate::state::AppState;

/// Longest notification address accepted.
pub const MAX_ADDRESS: usize = 2048;
/// The one notification format Oblako speaks.
const FORMAT: &str = "CloudPayments";

const CHECK_READ_ONLY: &str = "Check notification settings cannot be changed through the API";
const RECEIPT_NOT_HERE: &str =
    "Receipt notification settings are not available through site/notifications";
const KNOWN_TYPES: &str = "Check, Pay, Fail, Confirm, Refund, Recurrent or Cancel";

/// What one kind's settings are asked to become, before any check. `None` takes the spec's
/// default.
#[derive(Debug, Clone, Default)]
pub struct Wanted {
    /// `IsEnabled`.
    pub enabled: bool,
    /// `Address`; required when enabled.
    pub address: Option<String>,
    /// `HttpMethod`: `GET` or `POST`, any case.
    pub method: Option<String>,
    /// `Encoding`: `UTF8` or `Windows1251`, any case.
    pub encoding: Option<String>,
    /// `Format`: `CloudPayments`, any case.
    pub format: Option<String>,
}

impl Wanted {
    /// The settings to store for `kind`, spellings normalised; or the message saying why not.
    pub fn settings(self, kind: NotificationKind, policy: &Policy) -> Result<Settings, String> {
        let mut out = Settings::disabled(kind.name());
        out.enabled = self.enabled;
        out.url = match self.address.as_deref().map(str::trim) {
            None | Some("") if self.enabled => {
                return Err("Address is required when IsEnabled is true".into());
            }
            None | Some("") => String::new(),
            Some(address) => checked_address(address, policy)?,
        };
        if let Some(method) = self.method.as_deref().map(str::trim) {
            out.method = ["GET", "POST"]
                .into_iter()
                .find(|m| m.eq_ignore_ascii_case(method))
                .ok_or("Invalid HttpMethod value: expected GET or POST")?
                .to_owned();
        }
        if let Some(encoding) = self.encoding.as_deref() {
            out.encoding = FormEncoding::from_name(encoding)
                .ok_or("Invalid Encoding value: expected UTF8 or Windows1251")?
                .name()
                .to_owned();
        }
        match self.format.as_deref().map(str::trim) {
            None => {}
            Some(f) if f.eq_ignore_ascii_case(FORMAT) => {}
            Some(f) if f.eq_ignore_ascii_case("QIWI") || f.eq_ignore_ascii_case("RT") => {
                return Err(format!(
                    "Format {f} is not supported: only CloudPayments is"
                ));
            }
            Some(_) => return Err("Invalid Format value: expected CloudPayments".into()),
        }
        Ok(out)
    }
}

fn checked_address(address: &str, policy: &Policy) -> Result<String, String> {
    if address.chars().count() > MAX_ADDRESS {
        return Err(format!(
            "Address is too long (at most {MAX_ADDRESS} characters)"
        ));
    }
    // The URL parser silently drops tabs and newlines; refuse them so what is stored is what
    // was checked.
    if address.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("Address must not contain spaces or control characters".into());
    }
    check_url(address, policy).map_err(|refused| refused.to_string())?;
    Ok(address.to_owned())
}

/// The kind named in the path; `Receipt` and unknown names are refused.
fn path_kind(name: &str) -> Result<NotificationKind, ApiError> {
    match NotificationKind::parse(name) {
        Some(NotificationKind::Receipt) => Err(ApiError::Refused(RECEIPT_NOT_HERE.into())),
        Some(kind) => Ok(kind),
        // Echo the name only when it is short and plain; the path is the caller's text.
        None if name.len() <= 32 && name.chars().all(|c| c.is_ascii_alphanumeric()) => {
            Err(ApiError::Refused(format!(
                "Unknown notification type {name}: expected {KNOWN_TYPES}"
            )))
        }
        None => Err(ApiError::Refused(format!(
            "Unknown notification type: expected {KNOWN_TYPES}"
        ))),
    }
}

/// The `{Type}` path segment. One that does not decode to UTF-8 names no kind, and is refused
/// like any unknown name rather than with axum's plain-text 400.
fn segment(name: Result<Path<String>, PathRejection>) -> String {
    name.map_or_else(|_| "\u{fffd}".to_owned(), |Path(name)| name)
}

/// The settings model of §2.5: `Address` is `null` while none is set.
fn settings_model(s: &Settings) -> serde_json::Value {
    json!({
        "IsEnabled": s.enabled,
        "Address": (!s.url.is_empty()).then_some(&s.url),
        "HttpMethod": s.method,
        "Encoding": s.encoding,
        "Format": s.format,
    })
}

/// `POST|GET /site/notifications/{Type}/get`.
pub async fn site_notifications_get(
    State(state): State<AppState>,
    principal: Principal,
    name: Result<Path<String>, PathRejection>,
) -> Result<ApiReply, ApiError> {
    let kind = path_kind(&segment(name))?;
    let stored = settings::get(&state.db, principal.site.id, principal.mode, kind.name()).await?;
    Ok(ApiReply::envelope(Envelope::ok(settings_model(&stored))))
}

/// `POST /site/notifications/{Type}/update`: answers `{"Success":true,"Message":null}`.
pub async fn site_notifications_update(
    State(state): State<AppState>,
    principal: Principal,
    name: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    request: ApiRequest,
) -> Result<ApiReply, ApiError> {
    let kind = path_kind(&segment(name))?;
    if kind == NotificationKind::Check {
        return Err(ApiError::Refused(CHECK_READ_ONLY.into()));
    }
    let key = request_key(&headers)?;
    let params = &request.params;
    let wanted = Wanted {
        enabled: params.bool("IsEnabled")?.unwrap_or(false),
        address: params.string_max("Address", MAX_ADDRESS)?,
        method: params.string_max("HttpMethod", 16)?,
        encoding: params.string_max("Encoding", 32)?,
        format: params.string_max("Format", 32)?,
    };
    let policy = state.outbounds.for_mode(principal.mode).policy();
    let new = wanted.settings(kind, policy).map_err(ApiError::Refused)?;
    run_once(&state, &principal, key.as_deref(), &request, |_| async {
        let (site, mode) = (principal.site.id, principal.mode);
        settings::upsert(&state.db, site, mode, &new, state.now_ms()).await?;
        state.notification_settings.forget(site);
        Ok(ApiReply::envelope(Envelope {
            model: None,
            success: true,
            message: None,
        }))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn save_policy(allow_private: bool, subnets: Vec<ipnet::IpNet>) -> Policy {
        Policy {
            allow_subnets: subnets,
            allow_private,
            own_ports: vec![8080],
        }
    }

    fn wanted(address: &str) -> Wanted {
        Wanted {
            enabled: true,
            address: Some(address.to_owned()),
            ..Wanted::default()
        }
    }

    #[test]
    fn omitted_values_take_the_spec_defaults_and_spellings_are_normalised() {
        let open = save_policy(false, Vec::new());
        let pay = Wanted::default()
            .settings(NotificationKind::Pay, &open)
            .unwrap();
        assert_eq!(pay, Settings::disabled("Pay"));
        let set = Wanted {
            enabled: true,
            address: Some(" https://shop.example/cp ".into()),
            method: Some("post".into()),
            encoding: Some("windows1251".into()),
            format: Some("cloudpayments".into()),
        }
        .settings(NotificationKind::Refund, &open)
        .unwrap();
        assert_eq!(
            (set.url.as_str(), set.method.as_str(), set.encoding.as_str()),
            ("https://shop.example/cp", "POST", "Windows1251")
        );
        assert_eq!(set.format, "CloudPayments");
    }

    #[test]
    fn bad_values_are_refused_with_a_message() {
        let live = save_policy(false, Vec::new());
        let test = save_policy(true, Vec::new());
        let reopened = save_policy(false, vec!["10.1.0.0/16".parse().unwrap()]);
        let pay = |w: Wanted, p: &Policy| w.settings(NotificationKind::Pay, p);
        let refused = |w: Wanted, p: &Policy| pay(w, p).unwrap_err();
        let with = |change: fn(&mut Wanted)| {
            let mut w = wanted("https://x.example");
            change(&mut w);
            w
        };
        let long = format!("https://x.example/{}", "a".repeat(MAX_ADDRESS));
        let table = [
            (with(|w| w.address = None), &live, "Address is required"),
            (wanted("ftp://x.example/"), &live, "http or https"),
            (wanted("http://u:p@x.example/"), &live, "user name"),
            (wanted("http://127.0.0.1/"), &live, "loopback"),
            (wanted("http://10.2.0.1/"), &reopened, "private"),
            (wanted("http://169.254.169.254/"), &test, "metadata"),
            (wanted("http://exa\tmple.com/"), &test, "control"),
            (wanted(&long), &live, "too long"),
            (with(|w| w.method = Some("PUT".into())), &live, "HttpMethod"),
            (
                with(|w| w.encoding = Some("koi8-r".into())),
                &live,
                "Encoding",
            ),
            (with(|w| w.format = Some("Xml".into())), &live, "Format"),
            (with(|w| w.format = Some("QIWI".into())), &live, "QIWI"),
        ];
        for (w, policy, says) in table {
            let message = refused(w, policy);
            assert!(message.contains(says), "{message:?} should say {says:?}");
        }
        assert!(pay(wanted("http://127.0.0.1:9/"), &test).is_ok());
        let own = refused(wanted("http://127.0.0.1:8080/metrics"), &test);
        assert!(own.contains("the gateway's own"), "{own}");
        assert!(pay(wanted("http://10.1.2.3/"), &reopened).is_ok());
    }

    #[test]
    fn path_names_are_read_in_any_case_but_receipt_and_strangers_are_refused() {
        assert_eq!(path_kind("pay").unwrap(), NotificationKind::Pay);
        assert_eq!(path_kind("CHECK").unwrap(), NotificationKind::Check);
        for name in ["receipt", "refunds", "<script>"] {
            assert!(path_kind(name).is_err(), "{name}");
        }
    }
}
