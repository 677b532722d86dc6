//! Send limits hold under concurrency, and one account's sends never lock another out of its own
//! number or tell it anything about that number.

use leptos_2fa::flow::FakeClock;
use reqwest::header::AUTHORIZATION;
use serde_json::{Value, json};
use std::sync::Arc;

use crate::support::{self, START, TestApp, fresh_mobile};

const API_KEY: &str = "relying-application-api-key-sending-01234";

async fn portal() -> TestApp {
    support::spawn_app_with(Arc::new(tempfile::tempdir().unwrap()), FakeClock::at(START), |settings| {
        settings.api_key = Some(API_KEY.to_owned().into());
    })
    .await
}

async fn send(app: &TestApp, user: &str, phone: &str) -> (u16, Value) {
    let body = json!({"user_id": user, "method": "sms", "phone_number": phone});
    let response = app.client.post(app.url("/api/v1/send")).header(AUTHORIZATION, format!("Bearer {API_KEY}")).json(&body).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_parallel_sends_to_one_number_give_one_code() {
    let app = portal().await;
    let (_, phone) = fresh_mobile();
    let mut sends = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let request = app
            .client
            .post(app.url("/api/v1/send"))
            .header(AUTHORIZATION, format!("Bearer {API_KEY}"))
            .json(&json!({"user_id": "uma", "method": "sms", "phone_number": phone}));
        sends.spawn(async move { request.send().await.unwrap().status().as_u16() });
    }
    let answers = sends.join_all().await;
    assert_eq!(answers.iter().filter(|status| **status == 200).count(), 1, "{answers:?}");
    assert_eq!(answers.iter().filter(|status| **status == 429).count(), 19, "{answers:?}");
    assert_eq!(app.codes_sent_to(&phone).len(), 1, "one paid text");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_account_cannot_use_up_a_users_own_number_nor_learn_of_its_codes() {
    let app = portal().await;
    let (_, phone) = fresh_mobile();
    // The owner gets a code now: the attacker's answers must not tell.
    let (status, _) = send(&app, "owner", &phone).await;
    assert_eq!(status, 200);
    let (status, first) = send(&app, "attacker", &phone).await;
    assert_eq!(status, 200, "the owner's code just now does not show in the attacker's answer: {first}");
    for _ in 0..4 {
        app.advance(31);
        assert_eq!(send(&app, "attacker", &phone).await.0, 200);
    }
    app.advance(31);
    let (status, refused) = send(&app, "attacker", &phone).await;
    assert_eq!((status, refused["error_code"].as_str()), (429, Some("max_sends_reached")), "{refused}");

    // The owner's own budget is untouched.
    let (status, sent) = send(&app, "owner", &phone).await;
    assert_eq!(status, 200, "{sent}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_user_gets_no_more_than_the_daily_limit_across_numbers() {
    let app = support::spawn_app_with(Arc::new(tempfile::tempdir().unwrap()), FakeClock::at(START), |settings| {
        settings.api_key = Some(API_KEY.to_owned().into());
        settings.max_sends_per_user = 3;
    })
    .await;
    for _ in 0..3 {
        let (_, phone) = fresh_mobile();
        assert_eq!(send(&app, "vera", &phone).await.0, 200);
    }
    let (_, phone) = fresh_mobile();
    let (status, refused) = send(&app, "vera", &phone).await;
    assert_eq!((status, refused["error_code"].as_str()), (429, Some("max_sends_reached")), "{refused}");
    assert!(app.codes_sent_to(&phone).is_empty());
}
