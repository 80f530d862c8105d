//! What payers' browsers post: the emulated ACS page's form (`/acs/submit`: `PaReq`, `MD`,
//! `TermUrl`, `outcome`, `code`, with the `PaReq` token read back), the order page's card form
//! (`/d/{Id}/pay`: `CardCryptogramPacket`, `Name`), the 3-D Secure return (`MD`, `PaRes`), and the
//! widget's JSON bodies (`/widget/charge`, `/widget/close`), each read with the calls its handler
//! makes before any database or RSA work.
//!
//! Input: one selector byte, then the body.

#![no_main]

use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;
use oblako_protocol::cryptogram::parse_packet;
use oblako_protocol::params::Params;
use oblako_server::api::idempotency::fingerprint;
use oblako_server::browser::charge::{CHARGE_PATH, attempt_key};
use oblako_server::payments::three_ds::{decode_pa_req, read_pa_res};
use oblako_server::secrets::Secrets;

fn secrets() -> &'static Secrets {
    static SECRETS: OnceLock<Secrets> = OnceLock::new();
    SECRETS.get_or_init(|| Secrets::from_master(&[7; 32]).unwrap())
}

fn field(params: &Params, name: &str) -> Option<String> {
    params.string_max(name, 4096).ok().flatten()
}

/// The ACS page's form and the `PaReq` it carries; the `PaRes` of a 3-D Secure return, as sent
/// and re-signed so its body is parsed too.
fn three_ds(params: &Params) {
    if let Some(pa_req) = field(params, "PaReq") {
        let _ = decode_pa_req(secrets(), &pa_req);
    }
    for name in ["MD", "TermUrl", "outcome", "code"] {
        let _ = field(params, name);
    }
    if let Some(md) = field(params, "MD") {
        let _ = md.trim().parse::<i64>();
    }
    if let Some(pa_res) = field(params, "PaRes") {
        let _ = read_pa_res(secrets(), &pa_res, 1, 0);
        let payload = URL_SAFE_NO_PAD.encode(pa_res.as_bytes());
        let tag = secrets().sign(format!("pares:{payload}").as_bytes());
        let signed = format!("{payload}.{}", URL_SAFE_NO_PAD.encode(tag));
        let _ = read_pa_res(secrets(), &signed, 1, 0);
    }
}

/// The widget's charge body up to the terminal lookup, and its close body.
fn widget(params: &Params) {
    let _ = params.required_string("PublicId", 64);
    if let Ok(packet) = params.required_string("CardCryptogramPacket", 16 * 1024) {
        let _ = parse_packet(&packet);
    }
    let _ = params.string_max("Scheme", 16);
    if let Ok(currency) = params.currency() {
        let _ = params.amount("Amount", currency);
    }
    if let Ok(Some(key)) = attempt_key(params) {
        assert!(key.len() <= 64 + "widget:".len());
    }
    let _ = fingerprint(CHARGE_PATH, params);
    oblako_fuzz::exercise(params);
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    match selector % 3 {
        0 => {
            if let Ok(params) = Params::from_form(body) {
                three_ds(&params);
            }
        }
        1 => {
            if let Ok(params) = Params::from_form(body) {
                if let Ok(packet) = params.required_string("CardCryptogramPacket", 16 * 1024) {
                    let _ = parse_packet(&packet);
                }
                let _ = params.string_max("Name", 255);
            }
        }
        _ => {
            if let Ok(params) = Params::from_json(body) {
                widget(&params);
            }
        }
    }
});
