//! Cryptogram keys: publication, rotation, decryption across versions.

use axum::http::StatusCode;
use oblako_core::card::{CardExpiry, Cvv, Pan};
use oblako_protocol::cryptogram::{seal_format_a, seal_format_b};
use oblako_server::keyring;

use crate::helpers::{TestApp, request};

async fn public_key(app: &TestApp) -> (String, u32) {
    let reply = app.call(request("GET", "/payments/publickey").into()).await;
    assert_eq!(reply.status, StatusCode::OK);
    let json = reply.json();
    assert!(json.get("Success").is_none(), "not enveloped");
    (
        json["Pem"].as_str().unwrap().to_owned(),
        json["Version"].as_u64().unwrap() as u32,
    )
}

#[tokio::test]
async fn the_public_key_is_published_and_rotation_keeps_old_versions_working() {
    let app = TestApp::new().await;
    let (pem1, v1) = public_key(&app).await;
    assert_eq!(v1, 1);
    assert!(pem1.starts_with("-----BEGIN PUBLIC KEY-----\n"));
    let public_id = app.site.test.public_id.clone();
    let pan = Pan::parse("4242424242424242").unwrap();
    let expiry = CardExpiry::new(30, 12).unwrap();
    let cvv = Cvv::parse("123").unwrap();
    let old = seal_format_a(&pem1, v1, &pan, expiry, Some(&cvv), &public_id).unwrap();

    let v2 = keyring::rotate(&app.state.db, &app.state.secrets, app.state.now_ms())
        .await
        .unwrap();
    let (pem2, published) = public_key(&app).await;
    assert_eq!((v2, published), (2, 2));
    assert_ne!(pem1, pem2);
    let new = seal_format_b(&pem2, v2, &pan, expiry, Some(&cvv), &public_id).unwrap();

    for packet in [&old, &new] {
        let card = app.state.keyring.open(packet, &public_id).await.unwrap();
        assert_eq!(card.pan, pan);
        assert_eq!(card.cvv, Some(cvv.clone()));
    }
    let foreign = app
        .state
        .keyring
        .open(&new, "test_api_someone_else")
        .await
        .unwrap_err();
    assert_eq!(foreign.message(), "Invalid CardCryptogramPacket");
}

#[tokio::test]
async fn the_cryptogram_command_seals_with_the_current_key() {
    let app = TestApp::new().await;
    let binary = env!("CARGO_BIN_EXE_oblako");
    let output = std::process::Command::new(binary)
        .args([
            "cryptogram",
            "--public-id",
            &app.site.test.public_id,
            "--card",
            "5555555555554444",
        ])
        .args(["--exp", "11/29", "--cvv", "321"])
        .env("OBLAKO_DATA_DIR", &app.config.data_dir)
        .env("OBLAKO_DATABASE_URL", &app.config.database_url)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let packet = String::from_utf8(output.stdout).unwrap();
    let card = app
        .state
        .keyring
        .open(packet.trim(), &app.site.test.public_id)
        .await
        .unwrap();
    assert_eq!(card.pan.last_four(), "4444");
    assert_eq!(card.expiry.mm_yy(), "11/29");
}
