//! `make bench`: the release portal under load on 127.0.0.1, every figure beside its budget.
//!
//! Starts the release binary twice: on SQLite with the console gateway, and on the Twilio
//! gateway against the Twilio stand-in (`examples/twilio_standin`). Stateless requests (the token page,
//! signed Twilio callbacks) are driven by oha; steps that change state with every request (a
//! wrong code, a whole sign-in, the JSON API) by the closed-loop driver in `load.rs`, since each
//! request needs a session or number of its own. Memory is read from /proc.

// A benchmark, not the product: a failed set-up step ends it with its reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod load;
mod portal;
mod report;
mod twilio;

use std::sync::Arc;
use std::time::Duration;

use portal::{Portal, Visitor};
use report::Report;

/// Clients at once, for every scenario.
const CONCURRENCY: [usize; 3] = [1, 16, 128];
/// How long each scenario runs at each concurrency.
const RUN_FOR: Duration = Duration::from_secs(5);
/// Pending verifications stored for the memory figure.
const PENDING_VERIFICATIONS: u64 = 100_000;

#[tokio::main]
async fn main() {
    let mut report = Report::default();
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());

    report.section("Browser bundle (target/site/pkg)");
    let console = Portal::start("console", 3200, &target, &[], None).await;
    report::bundle(&mut report, &console).await;

    report.section("Memory at idle");
    report.memory("RSS at idle", console.rss_kib(), None);

    report.section("A phone on a weak network (Chromium: 4× slower CPU, 400 kbit/s, 400 ms)");
    report::weak_network(&mut report, &console).await;

    report.section("Token page: GET /verify with a live flow (oha)");
    let visitor = Visitor::new(&console);
    visitor.reach_token_page(&console).await;
    for clients in CONCURRENCY {
        let figures = load::oha(&console.url("/verify"), clients, RUN_FOR, &visitor.oha_headers(&console), None).await;
        report.rate(&format!("token page, {clients} clients"), &figures, (clients == 16).then_some(10_000.0), None);
    }

    report.section("Wrong code: POST /api/check_code (fresh flows, 9 wrong codes each)");
    for clients in CONCURRENCY {
        let figures = load::wrong_codes(&console, clients, RUN_FOR).await;
        let p99_budget = match clients {
            1 => Some(2.0),
            16 => Some(5.0),
            _ => None,
        };
        report.rate(&format!("wrong code, {clients} clients"), &figures, None, p99_budget);
    }

    report.section("Whole sign-in: /start → choose → number → code → check");
    for clients in CONCURRENCY {
        let figures = load::cycles(&console, clients, RUN_FOR).await;
        report.rate(&format!("sign-in cycle, {clients} clients"), &figures, None, None);
    }

    report.section("JSON API: POST /api/v1/send, then /api/v1/verify with a wrong code");
    for clients in CONCURRENCY {
        let (sends, checks) = load::api(&console, clients, RUN_FOR).await;
        report.rate(&format!("api send, {clients} clients"), &sends, None, None);
        report.rate(&format!("api verify, {clients} clients"), &checks, None, None);
    }

    report.section("Memory after the load");
    report.memory("RSS after the load", console.rss_kib(), Some(30 * 1024));
    report.memory("peak RSS", console.peak_rss_kib(), None);

    report.section(&format!("Memory with {PENDING_VERIFICATIONS} pending verifications stored"));
    console.store_pending_verifications(PENDING_VERIFICATIONS).await;
    let figures = load::oha(&console.url("/verify"), 16, RUN_FOR, &visitor.oha_headers(&console), None).await;
    report.rate("token page, 16 clients, large database", &figures, None, None);
    let figures = load::wrong_codes(&console, 16, RUN_FOR).await;
    report.rate("wrong code, 16 clients, large database", &figures, None, None);
    report.memory("RSS with the large database", console.rss_kib(), Some(64 * 1024));
    report.memory("peak RSS", console.peak_rss_kib(), None);
    drop(console);

    report.section("Twilio gateway (Messaging + Voice) against the stand-in");
    let standin = Arc::new(twilio::Standin::start(&format!("{target}/debug/examples/twilio_standin"), 3210).await);
    let twilio = Portal::start("twilio", 3201, &target, &portal::twilio_settings(&standin.base_url), Some(standin.clone())).await;
    let callback = portal::call_in_progress(&twilio, &standin).await;
    for clients in CONCURRENCY {
        let figures = load::oha(&callback.url, clients, RUN_FOR, &callback.headers, Some(&callback.body)).await;
        report.rate(&format!("signed TwiML answer, {clients} clients"), &figures, (clients == 16).then_some(15_000.0), None);
    }
    let status = portal::status_report(&twilio, &standin).await;
    for clients in CONCURRENCY {
        let figures = load::oha(&status.url, clients, RUN_FOR, &status.headers, Some(&status.body)).await;
        report.rate(&format!("signed status callback, {clients} clients"), &figures, None, None);
    }
    for clients in CONCURRENCY {
        let figures = load::cycles(&twilio, clients, RUN_FOR).await;
        report.rate(&format!("sign-in cycle by text, {clients} clients"), &figures, None, None);
    }
    report.memory("RSS after the load", twilio.rss_kib(), Some(30 * 1024));
    drop(twilio);

    report.print();
}
