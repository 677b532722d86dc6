//! The Twilio stand-in as a server, for the browser tests: `TWILIO_STANDIN_ADDR` (default
//! 127.0.0.1:3010). Account SID, auth token and sender are the constants of `tests/twilio_standin`.

// Test code: a failed unwrap or expect here is a failed test, not an outage.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/integration/twilio_standin/mod.rs"]
mod twilio_standin;

#[tokio::main]
async fn main() {
    let address = std::env::var("TWILIO_STANDIN_ADDR").unwrap_or_else(|_| "127.0.0.1:3010".into());
    let standin = twilio_standin::Standin::start(&address).await;
    println!("Twilio stand-in on {}", standin.base_url);
    tokio::signal::ctrl_c().await.ok();
}
