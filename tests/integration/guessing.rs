//! Guessing across codes: a user's wrong codes in a row, whatever the code, method or request,
//! bring growing waits and then a lock, which holds under concurrent checks.

use leptos_2fa::testing::FakeClock;
use reqwest::header::{AUTHORIZATION, RETRY_AFTER};
use serde_json::{Value, json};
use std::sync::Arc;

use crate::support::{self, START, TestApp, fresh_mobile, statuses_in_parallel};

const API_KEY: &str = "relying-application-api-key-guessing-0123";

async fn portal(configure: impl FnOnce(&mut leptos_2fa::config::Settings)) -> TestApp {
    support::spawn_app_with(Arc::new(tempfile::tempdir().unwrap()), FakeClock::at(START), |settings| {
        settings.api_key = Some(API_KEY.to_owned().into());
        configure(settings);
    })
    .await
}

impl TestApp {
    async fn as_client(&self, path: &str, body: Value) -> (u16, Option<String>, Value) {
        let response = self.client.post(self.url(path)).header(AUTHORIZATION, format!("Bearer {API_KEY}")).json(&body).send().await.unwrap();
        let retry_after = response.headers().get(RETRY_AFTER).map(|v| v.to_str().unwrap().to_owned());
        (response.status().as_u16(), retry_after, response.json().await.unwrap())
    }

    /// A fresh code by text to `phone` for `user`, driven by an API client; returns its id and a wrong code.
    async fn client_code(&self, user: &str, phone: &str) -> (String, String) {
        let (status, _, sent) = self.as_client("/api/v1/send", json!({"user_id": user, "method": "sms", "phone_number": phone})).await;
        assert_eq!(status, 200, "{sent}");
        let wrong = if self.latest_code(phone) == "000000" { "111111" } else { "000000" };
        (sent["verification_id"].as_str().unwrap().to_owned(), wrong.to_owned())
    }

    async fn client_check(&self, user: &str, verification_id: &str, code: &str) -> (u16, Option<String>, Value) {
        self.as_client("/api/v1/verify", json!({"user_id": user, "verification_id": verification_id, "code": code})).await
    }

    /// Enters `count` wrong codes in a row for `user` on one code, each after the wait the ones
    /// before impose once `free` have failed; returns the code's verification id.
    async fn fail_in_a_row(&self, user: &str, phone: &str, free: u32, count: u32) -> String {
        let (id, wrong) = self.client_code(user, phone).await;
        for failed in 1..=count {
            let (status, _, answer) = self.client_check(user, &id, &wrong).await;
            assert!(status == 200 || status == 423, "{status} {answer}");
            if let Some(doublings) = failed.checked_sub(free) {
                self.advance(30 << doublings);
            }
        }
        id
    }

    /// Enters `count` wrong codes for `user`, on as many codes as it takes (five checks each).
    async fn fail_checks(&self, user: &str, phone: &str, count: usize) {
        for round in 0..count.div_ceil(5) {
            if round > 0 {
                self.advance(31);
            }
            let (id, wrong) = self.client_code(user, phone).await;
            for _ in 0..(count - round * 5).min(5) {
                let (status, _, answer) = self.client_check(user, &id, &wrong).await;
                assert!(status == 200 || status == 423, "{status} {answer}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_ten_wrong_codes_on_two_codes_the_next_check_waits_thirty_seconds() {
    let app = portal(|_| {}).await;
    let (_, phone) = fresh_mobile();
    app.fail_checks("quinn", &phone, 10).await;

    // Another number, a fresh code: the streak is the user's.
    let (_, other) = fresh_mobile();
    let (id, wrong) = app.client_code("quinn", &other).await;
    let right = app.latest_code(&other);
    let (status, retry_after, refusal) = app.client_check("quinn", &id, &right).await;
    assert_eq!((status, refusal["error_code"].as_str()), (429, Some("too_many_failed_checks")), "{refusal}");
    assert_eq!(retry_after.as_deref(), Some("30"), "{refusal}");

    app.advance(30);
    let (status, _, answer) = app.client_check("quinn", &id, &wrong).await;
    assert_eq!((status, answer["verified"].as_bool()), (200, Some(false)), "the wait is over: {answer}");
    let (status, retry_after, _) = app.client_check("quinn", &id, &right).await;
    assert_eq!((status, retry_after.as_deref()), (429, Some("60")), "each failure doubles the wait");
    app.advance(60);
    let (status, _, answer) = app.client_check("quinn", &id, &right).await;
    assert_eq!((status, answer["verified"].as_bool()), (200, Some(true)), "{answer}");

    // A success ends the streak.
    app.advance(31);
    let (id, wrong) = app.client_code("quinn", &phone).await;
    let (status, _, _) = app.client_check("quinn", &id, &wrong).await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_parallel_guesses_at_the_edge_of_the_free_failures_get_one_check() {
    let app = portal(|_| {}).await;
    let (_, phone) = fresh_mobile();
    app.fail_checks("ravi", &phone, 9).await;
    app.advance(31);
    let (id, wrong) = app.client_code("ravi", &phone).await;
    let guess = json!({"user_id": "ravi", "verification_id": id, "code": wrong});
    let guesses = (0..20).map(|_| app.client.post(app.url("/api/v1/verify")).bearer_auth(API_KEY).json(&guess));
    let answers = statuses_in_parallel(guesses).await;
    let checked = answers.iter().filter(|status| **status == 200).count();
    let waiting = answers.iter().filter(|status| **status == 429).count();
    assert_eq!((checked, waiting), (1, 19), "one guess is checked, the others wait: {answers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_user_is_refused_even_the_right_code_until_the_application_lifts_the_lock() {
    let app = portal(|settings| {
        settings.lockout_free_failures = 1;
        settings.lockout_after = 3;
    })
    .await;
    let (_, phone) = fresh_mobile();
    app.fail_in_a_row("sofia", &phone, 1, 3).await;

    app.advance(24 * 3600);
    let right = app.latest_code(&phone);
    app.advance(31);
    let (id, _) = app.client_code("sofia", &phone).await;
    let right_now = app.latest_code(&phone);
    assert_ne!(right, right_now);
    let (status, _, refusal) = app.client_check("sofia", &id, &right_now).await;
    assert_eq!((status, refusal["error_code"].as_str()), (423, Some("user_locked")), "a day later still: {refusal}");

    let unsigned = app.client.post(app.url("/api/v1/users/unlock")).json(&json!({"user_id": "sofia"})).send().await.unwrap();
    assert_eq!(unsigned.status(), 401, "only the relying application lifts a lock");
    let (status, _, _) = app.as_client("/api/v1/users/unlock", json!({"user_id": "sofia"})).await;
    assert_eq!(status, 200);
    let (status, _, answer) = app.client_check("sofia", &id, &right_now).await;
    assert_eq!((status, answer["verified"].as_bool()), (200, Some(true)), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wait_reaches_the_pages_with_its_own_message() {
    let app = portal(|settings| {
        settings.lockout_free_failures = 1;
        settings.lockout_after = 50;
    })
    .await;
    let phone = app.reach_token_page("tara").await;
    let wrong = if app.latest_code(&phone) == "000000" { "111111" } else { "000000" };
    assert_eq!(app.post_form("/api/check_code", &[("code", wrong)]).await, "/verify");
    assert_eq!(app.post_form("/api/check_code", &[("code", &app.latest_code(&phone))]).await, "/verify");
    let page = crate::support::visible_text(&app.page_text("/verify").await);
    assert!(page.contains("Too many wrong codes in a row. Wait 30 seconds before trying another one."), "{page}");
    app.advance(30);
    assert_eq!(app.post_form("/api/check_code", &[("code", &app.latest_code(&phone))]).await, "/success");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_lifts_a_lock_from_the_command_line() {
    let app = portal(|settings| {
        settings.lockout_free_failures = 1;
        settings.lockout_after = 2;
    })
    .await;
    let (_, phone) = fresh_mobile();
    let id = app.fail_in_a_row("uri", &phone, 1, 2).await;
    let (status, _, _) = app.client_check("uri", &id, &app.latest_code(&phone)).await;
    assert_eq!(status, 423);

    let unlock = |user: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_leptos-2fa"))
            .args(["unlock-user", user])
            .env("TWOFA_DATABASE_URL", &app.state.application.settings.database_url)
            .env("TWOFA_DATA_DIR", app.dir.path())
            .env("TWOFA_LOG", "warn")
            .output()
            .unwrap()
    };
    let unknown = unlock("nobody");
    assert!(!unknown.status.success());
    let unlocked = unlock("uri");
    assert!(unlocked.status.success(), "{}", String::from_utf8_lossy(&unlocked.stderr));
    let (status, _, answer) = app.client_check("uri", &id, &app.latest_code(&phone)).await;
    assert_eq!((status, answer["verified"].as_bool()), (200, Some(true)), "{answer}");
}
