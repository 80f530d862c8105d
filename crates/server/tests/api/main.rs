//! The gateway's API, in process (`Router::oneshot`) and over real loopback sockets, on the
//! backend the environment picks (SQLite, or PostgreSQL with `OBLAKO_TEST_PG_URL`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod helpers;
mod hooksink;
mod probe;
mod smtpsink;

mod assets;
mod auth;
mod billing_at_scale;
mod billing_kill;
mod body;
mod cabinet;
mod cabinet_billing_access;
mod cabinet_costs;
mod cabinet_orders;
mod cabinet_settings;
mod cabinet_subscriptions;
mod cabinet_totals;
mod checkout_browser;
mod connections;
mod crash_settings;
mod delivery;
mod idempotency;
mod keys;
mod lists;
mod model;
mod notification_log;
mod notification_modes;
mod notification_ssrf;
mod notifications;
mod notifications_settings;
mod openapi;
mod openapi_schema;
mod ops;
mod order_subscription;
mod orders;
mod orders_mail;
mod payer_pages;
mod payments;
mod receipts_api;
mod receipts_payments;
mod recovery;
mod serve;
mod shutdown;
mod statuses;
mod strict_input;
mod subscription_billing;
mod subscription_card;
mod subscription_card_edges;
mod subscription_mail;
mod subscription_page;
mod subscriptions;
mod sweeper;
mod test_clocks;
mod three_ds;
mod vault;
mod widget;
mod widget_close;
mod widget_recurrent;
