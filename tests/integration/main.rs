//! Every integration test in one binary: the portal over real HTTP and SQLite, Twilio's stand-in
//! and an SMTP server on 127.0.0.1. One binary links once, where one per file linked nine times.

// Test code: a failed unwrap or expect here is a failed test, not an outage.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
mod twilio_standin;

mod api_contract;
mod architecture;
mod binding_factors;
mod carrier_lookup;
mod embedded;
mod guessing;
mod housekeeping;
mod input_bounds;
mod instances;
mod json_api;
mod log_hygiene;
mod outbound_webhooks;
mod portal_flow;
mod sending;
mod settings_parity;
mod smtp_gateway;
mod twilio_gateway;
mod twilio_verify;
mod web_surface;
