//! The second factor cannot be passed with a destination the attacker adds: whoever holds a
//! factor passes a code to it before any destination is added or replaced, on the pages, over
//! the JSON API (session and API client) alike. Wrong codes count for the whole request.

use leptos_2fa::events::Event;
use leptos_2fa::testing::{FakeClock, PhoneNumber};
use reqwest::header::AUTHORIZATION;
use serde_json::{Value, json};
use std::sync::Arc;

use crate::support::{self, START, TestApp, fresh_mobile, visible_text};

const API_KEY: &str = "relying-application-api-key-binding-0123";

async fn portal() -> TestApp {
    support::spawn_app_with(Arc::new(tempfile::tempdir().unwrap()), FakeClock::at(START), |settings| {
        settings.api_key = Some(API_KEY.to_owned().into());
    })
    .await
}

impl TestApp {
    /// Signs `user` in with a request naming `phone`, and verifies it by text: the number
    /// becomes one the portal verified. The flow is then finished.
    async fn user_with_verified_phone(&self, user: &str) -> String {
        let (_, phone) = fresh_mobile();
        assert_eq!(self.begin_with(&self.request_claims(user, Some(&phone))).await, "/methods");
        assert_eq!(self.post_form("/api/choose_method", &[("channel", "sms")]).await, "/verify");
        assert_eq!(self.post_form("/api/check_code", &[("code", &self.latest_code(&phone))]).await, "/success");
        self.post_form("/finish", &[]).await;
        // Past the resend cooldown of the number.
        self.advance(31);
        phone
    }

    fn messages_to(&self, to: &str) -> Vec<String> {
        self.state.application.outbox.as_ref().unwrap().entries().into_iter().filter(|e| e.to == to).map(|e| e.body).collect()
    }

    async fn api_client(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .client
            .post(self.url(path))
            .header(AUTHORIZATION, format!("Bearer {API_KEY}"))
            .json(&body)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attacker_with_the_session_cannot_pass_with_an_address_of_their_own() {
    let app = portal().await;
    let phone = app.user_with_verified_phone("victor").await;
    // A phished password: the attacker holds a fresh session for victor, not his phone.
    assert_eq!(app.begin("victor").await, "/methods");
    assert_eq!(app.post_form("/api/choose_method", &[("channel", "email")]).await, "/email");
    let before = app.codes_sent_to(&phone).len();
    assert_eq!(app.post_form("/api/register_email", &[("email", "mallory@evil.example")]).await, "/verify");

    assert!(app.messages_to("mallory@evil.example").is_empty(), "nothing goes to the attacker's address");
    assert_eq!(app.codes_sent_to(&phone).len(), before + 1, "the code goes to victor's phone");
    let page = visible_text(&app.page_text("/verify").await);
    assert!(page.contains("first enter the code we just sent to a number or address you already use"), "{page}");
    assert!(page.contains(&phone[phone.len() - 2..]), "the page names the phone, masked: {page}");

    // Guessing does not get the attacker through; the address never becomes victor's.
    for _ in 0..3 {
        app.post_form("/api/check_code", &[("code", "000000")]).await;
    }
    assert!(app.messages_to("mallory@evil.example").is_empty());
    assert_eq!(app.state.application.store.factors("victor").await.unwrap().email, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_json_api_of_a_session_binds_a_new_address_to_the_phone_too() {
    let app = portal().await;
    let phone = app.user_with_verified_phone("wendy").await;
    app.begin("wendy").await;
    let response = app.client.post(app.url("/api/v1/send")).json(&json!({"method": "email", "email": "eve@evil.example"})).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let sent: Value = response.json().await.unwrap();
    assert!(sent["destination"].as_str().unwrap().ends_with(&phone[phone.len() - 2..]), "to the phone: {sent}");
    assert!(app.messages_to("eve@evil.example").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_client_adding_an_address_confirms_the_phone_first_and_the_phone_is_told() {
    let app = portal().await;
    let phone = app.user_with_verified_phone("xena").await;
    let (status, sent) = app.api_client("/api/v1/send", json!({"user_id": "xena", "method": "email", "email": "xena@example.com"})).await;
    assert_eq!(status, 200, "{sent}");
    assert!(sent["destination"].as_str().unwrap().ends_with(&phone[phone.len() - 2..]), "{sent}");
    assert!(app.messages_to("xena@example.com").is_empty());

    let verification_id = sent["verification_id"].as_str().unwrap().to_owned();
    let check = json!({"user_id": "xena", "verification_id": verification_id, "code": app.latest_code(&phone)});
    let (status, checked) = app.api_client("/api/v1/verify", check).await;
    assert_eq!((status, checked["verified"].as_bool()), (200, Some(false)), "{checked}");
    let next = &checked["code_sent"];
    assert_eq!(next["method"], "email");

    let check = json!({"user_id": "xena", "verification_id": next["verification_id"], "code": app.latest_code("xena@example.com")});
    let (status, checked) = app.api_client("/api/v1/verify", check).await;
    assert_eq!((status, checked["verified"].as_bool()), (200, Some(true)), "{checked}");
    assert_eq!(checked["first_enrolment"], false, "xena held a phone before");
    assert_eq!(app.state.application.store.factors("xena").await.unwrap().email.unwrap().as_str(), "xena@example.com");
    let told = app.messages_to(&phone).into_iter().any(|body| body.contains("was just set to receive") && body.contains("x•••@example.com"));
    assert!(told, "the phone hears about the new address: {:?}", app.messages_to(&phone));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_client_cannot_replace_a_number_without_its_code() {
    let app = portal().await;
    let phone = app.user_with_verified_phone("yann").await;
    let (national, new) = fresh_mobile();
    let body = json!({"user_id": "yann", "method": "sms", "phone_number": national, "phone_country": "FR"});
    let (status, sent) = app.api_client("/api/v1/send", body).await;
    assert_eq!(status, 200, "{sent}");
    assert!(app.codes_sent_to(&new).is_empty(), "nothing to the new number before the current one's code");
    let check = json!({"user_id": "yann", "verification_id": sent["verification_id"], "code": "000000"});
    let (_, checked) = app.api_client("/api/v1/verify", check).await;
    assert_eq!(checked["verified"], false);
    assert!(app.codes_sent_to(&new).is_empty());
    assert_eq!(app.state.application.store.factors("yann").await.unwrap().phone.unwrap().e164(), phone);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replaced_address_is_told_by_mail() {
    let app = portal().await;
    assert_eq!(app.begin("zoe").await, "/methods");
    assert_eq!(app.post_form("/api/choose_method", &[("channel", "email")]).await, "/email");
    app.post_form("/api/register_email", &[("email", "zoe@example.com")]).await;
    assert_eq!(app.post_form("/api/check_code", &[("code", &app.latest_code("zoe@example.com"))]).await, "/success");
    app.post_form("/finish", &[]).await;

    // The address is known: the form changes it.
    app.advance(31);
    app.begin("zoe").await;
    app.post_form("/api/register_email", &[("email", "zoe.new@example.com")]).await;
    assert!(app.messages_to("zoe.new@example.com").is_empty());
    assert_eq!(app.post_form("/api/check_code", &[("code", &app.latest_code("zoe@example.com"))]).await, "/verify");
    assert_eq!(app.post_form("/api/check_code", &[("code", &app.latest_code("zoe.new@example.com"))]).await, "/success");
    assert_eq!(app.state.application.store.factors("zoe").await.unwrap().email.unwrap().as_str(), "zoe.new@example.com");
    let told = app.messages_to("zoe@example.com").into_iter().any(|body| body.contains("was just set to receive"));
    assert!(told, "the old address hears about it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_registration_is_marked_in_the_result_and_the_events() {
    let app = portal().await;
    let mut events = app.state.application.events.subscribe();
    let claims = app.request_claims("una", None);
    app.begin_with(&claims).await;
    app.post_form("/api/choose_method", &[("channel", "sms")]).await;
    let (national, phone) = fresh_mobile();
    app.post_form("/api/register_phone", &[("country", "FR"), ("number", &national)]).await;
    assert_eq!(app.post_form("/api/check_code", &[("code", &app.latest_code(&phone))]).await, "/success");
    let result = result_of(&app, &app.post_form("/finish", &[]).await);
    assert!(result.first_enrolment, "nothing but the session vouched for una");
    let success = std::iter::from_fn(|| events.try_recv().ok()).find_map(|event| match event {
        Event::VerificationSuccess { first_enrolment, .. } => Some(first_enrolment),
        _ => None,
    });
    assert_eq!(success, Some(true));

    // The next time, her number is a factor she holds.
    app.advance(31);
    app.begin("una").await;
    assert_eq!(app.post_form("/api/choose_method", &[("channel", "sms")]).await, "/verify");
    assert_eq!(app.post_form("/api/check_code", &[("code", &app.latest_code(&phone))]).await, "/success");
    assert!(!result_of(&app, &app.post_form("/finish", &[]).await).first_enrolment);
}

fn result_of(app: &TestApp, back: &str) -> leptos_2fa::handoff::ResultClaims {
    let back = url::Url::parse(back).unwrap();
    let result = back.query_pairs().find(|(name, _)| name == "result").expect("a result").1.into_owned();
    app.state.application.client_keys.verify_result(&result, START).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_named_in_a_request_never_replaces_one_the_portal_verified() {
    let app = portal().await;
    let verified = app.user_with_verified_phone("olga").await;
    let (_, named) = fresh_mobile();
    assert_eq!(app.begin_with(&app.request_claims("olga", Some(&named))).await, "/methods");
    assert_eq!(app.post_form("/api/choose_method", &[("channel", "sms")]).await, "/verify");
    assert!(app.codes_sent_to(&named).is_empty(), "the code goes to the verified number");
    assert_eq!(app.codes_sent_to(&verified).len(), 2);
    let stored = app.state.application.store.factors("olga").await.unwrap().phone;
    assert_eq!(stored, Some(PhoneNumber::parse(None, &verified).unwrap()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_method_does_not_refill_the_attempts_and_nothing_after_the_last_leads_to_success() {
    let app = portal().await;
    let phone = app.user_with_verified_phone("pia").await;
    app.begin("pia").await;
    app.post_form("/api/choose_method", &[("channel", "sms")]).await;
    let wrong = if app.latest_code(&phone) == "000000" { "111111" } else { "000000" };
    for _ in 0..4 {
        assert_eq!(app.post_form("/api/check_code", &[("code", wrong)]).await, "/verify");
    }
    // A call to the same number: a new code, but not a new set of attempts.
    app.advance(31);
    app.post_form("/api/choose_method", &[("channel", "call")]).await;
    let page = visible_text(&app.page_text("/verify").await);
    assert!(page.contains("1 attempt left"), "{page}");
    assert_eq!(app.post_form("/api/check_code", &[("code", wrong)]).await, "/failure");

    // Choosing another method and entering its code does not end on success.
    assert_eq!(app.post_form("/api/choose_method", &[("channel", "sms")]).await, "/failure");
    assert_eq!(app.post_form("/api/check_code", &[("code", &app.latest_code(&phone))]).await, "/failure");
    let back = app.post_form("/finish", &[]).await;
    assert!(back.contains("error=verification_failed"), "{back}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_registration_code_entered_after_the_user_enrolled_another_factor_adds_nothing() {
    let app = portal().await;
    // The attacker, holding the password, starts a first registration to their own number…
    let (attacker_national, attacker_number) = fresh_mobile();
    let body = json!({"user_id": "tess", "method": "sms", "phone_number": attacker_national, "phone_country": "FR"});
    let (_, pending) = app.api_client("/api/v1/send", body).await;
    // …then tess enrols her own phone.
    let (national, phone) = fresh_mobile();
    let (_, sent) = app.api_client("/api/v1/send", json!({"user_id": "tess", "method": "sms", "phone_number": national, "phone_country": "FR"})).await;
    let check = json!({"user_id": "tess", "verification_id": sent["verification_id"], "code": app.latest_code(&phone)});
    assert_eq!(app.api_client("/api/v1/verify", check).await.1["verified"], true);

    let late = json!({"user_id": "tess", "verification_id": pending["verification_id"], "code": app.latest_code(&attacker_number)});
    let (status, refused) = app.api_client("/api/v1/verify", late).await;
    assert_eq!((status, refused["error_code"].as_str()), (403, Some("factor_confirmation_required")), "{refused}");
    let stored = app.state.application.store.factors("tess").await.unwrap().phone.unwrap();
    assert_eq!(stored.e164(), phone, "her number stays");
}
