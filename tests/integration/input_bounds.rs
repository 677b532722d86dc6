//! Hostile input over HTTP against a running portal: over-long fields, hidden characters, two
//! spellings of one address, wrong or oddly written API keys, and signed requests that live too
//! long or carry oversized claims. Each meets its documented refusal, and nothing is stored for it.

use crate::support;

use leptos_2fa::testing::FakeClock;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use support::{START, TestApp, fresh_mobile, spawn_app, visible_text};

const API_KEY: &str = "input-bounds-api-key-0123456789abcdef";

async fn portal_with_api_key() -> TestApp {
    support::spawn_app_with(Arc::new(tempfile::tempdir().unwrap()), FakeClock::at(START), |settings| {
        settings.api_key = Some(API_KEY.to_owned().into());
    })
    .await
}

/// POSTs `body` (JSON text, well formed or not) to an API endpoint with `authorization`.
async fn post_raw(app: &TestApp, path: &str, authorization: Option<&str>, body: String) -> (StatusCode, String) {
    let mut request = app.client.post(app.url(path)).header("content-type", "application/json").body(body);
    if let Some(authorization) = authorization {
        request = request.header("authorization", authorization);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// An API client's call; answers the status and the JSON body.
async fn client_call(app: &TestApp, path: &str, body: Value) -> (StatusCode, Value) {
    let (status, text) = post_raw(app, path, Some(&format!("Bearer {API_KEY}")), body.to_string()).await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn error_code(answer: &Value) -> Option<&str> {
    answer["error_code"].as_str()
}

/// The bytes the portal's database takes on disk.
async fn database_bytes(app: &TestApp) -> u64 {
    support::Database::of(app).await.bytes(app).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_two_megabyte_user_id_is_refused_and_the_database_does_not_grow() {
    let app = portal_with_api_key().await;
    let before = database_bytes(&app).await;
    let huge = "u".repeat(2_000_000);
    let (status, _) = client_call(&app, "/api/v1/send", json!({ "method": "email", "user_id": huge, "email": "ann@example.com" })).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "the API's bodies are limited to 16 KiB");
    assert!(!app.state.application.store.user_exists(&huge).await.unwrap());
    assert_eq!(database_bytes(&app).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_over_long_or_disguised_user_id_is_refused_before_anything_is_stored() {
    let app = portal_with_api_key().await;
    let too_long = "u".repeat(256);
    for user in [too_long.as_str(), "ali\u{202e}ce", "bob\u{200b}", "   "] {
        let (status, answer) = client_call(&app, "/api/v1/send", json!({ "method": "email", "user_id": user, "email": "ann@example.com" })).await;
        assert_eq!((status, error_code(&answer)), (StatusCode::BAD_REQUEST, Some("unauthenticated_user_param_missing")), "{user:?}");
        assert!(!app.state.application.store.user_exists(user).await.unwrap(), "{user:?}");
        let (status, answer) = client_call(&app, "/api/v1/requests", json!({ "user_id": user, "return_url": "https://app.example/back" })).await;
        assert_eq!((status, error_code(&answer)), (StatusCode::UNAUTHORIZED, Some("invalid_request")), "{user:?}");
    }
    let longest = "u".repeat(255);
    let (status, answer) = client_call(&app, "/api/v1/send", json!({ "method": "email", "user_id": longest, "email": "ann@example.com" })).await;
    assert_eq!(status, StatusCode::OK, "255 bytes is the bound: {answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_destination_leaves_no_user_behind() {
    let app = portal_with_api_key().await;
    let (status, answer) = client_call(&app, "/api/v1/send", json!({ "method": "sms", "user_id": "nobody-yet", "phone_number": "12" })).await;
    assert_eq!((status, error_code(&answer)), (StatusCode::BAD_REQUEST, Some("invalid_phone_number")));
    let long_number = "0".repeat(33);
    let (status, answer) =
        client_call(&app, "/api/v1/send", json!({ "method": "sms", "user_id": "nobody-yet", "phone_number": long_number })).await;
    assert_eq!((status, error_code(&answer)), (StatusCode::BAD_REQUEST, Some("invalid_phone_number")));
    let long_email = format!("{}@example.com", "a".repeat(250));
    let (status, answer) = client_call(&app, "/api/v1/send", json!({ "method": "email", "user_id": "nobody-yet", "email": long_email })).await;
    assert_eq!((status, error_code(&answer)), (StatusCode::BAD_REQUEST, Some("invalid_email")));
    assert!(!app.state.application.store.user_exists("nobody-yet").await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_written_in_two_cases_is_one_destination_for_the_send_limit() {
    let app = portal_with_api_key().await;
    for (index, spelling) in ["Alice@Example.COM", "alice@example.com", "ALICE@EXAMPLE.COM", "alice@Example.com", " Alice@example.COM "]
        .into_iter()
        .enumerate()
    {
        let body = json!({ "method": "email", "user_id": "alice", "email": spelling });
        let (status, answer) = client_call(&app, "/api/v1/send", body).await;
        assert_eq!(status, StatusCode::OK, "send {index}: {answer}");
        assert_eq!(answer["destination"], "a•••@example.com");
        app.advance(31);
    }
    let (status, answer) = client_call(&app, "/api/v1/send", json!({ "method": "email", "user_id": "alice", "email": "alice@example.com" })).await;
    assert_eq!((status, error_code(&answer)), (StatusCode::TOO_MANY_REQUESTS, Some("max_sends_reached")), "{answer}");
    assert_eq!(app.codes_sent_to("alice@example.com").len(), 5, "the outbox knows one address");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_with_invisible_or_bidirectional_characters_is_refused() {
    let app = portal_with_api_key().await;
    for address in ["ali\u{202e}ce@example.com", "alice@exam\u{200b}ple.com", "\u{feff}alice@example.com", "alice@example.com\u{2066}"] {
        let (status, answer) = client_call(&app, "/api/v1/send", json!({ "method": "email", "user_id": "eve", "email": address })).await;
        assert_eq!((status, error_code(&answer)), (StatusCode::BAD_REQUEST, Some("invalid_email")), "{address:?}");
    }
    // The browser's form refuses it too, and says so.
    assert_eq!(app.begin("eve").await, "/methods");
    assert_eq!(app.post_form("/api/choose_method", &[("channel", "email")]).await, "/email");
    assert_eq!(app.post_form("/api/register_email", &[("email", "ali\u{202e}ce@example.com")]).await, "/email");
    let page = visible_text(&app.page_text("/email").await);
    assert!(page.contains("This e-mail address is not valid."), "{page}");
    assert!(app.state.application.store.factors("eve").await.unwrap().email.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idn_domain_and_its_punycode_are_one_address() {
    let app = portal_with_api_key().await;
    let (status, sent) = client_call(&app, "/api/v1/send", json!({ "method": "email", "user_id": "ann", "email": "Ann@Bücher.example" })).await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(sent["destination"], "a•••@bücher.example", "shown as its owner writes it");
    let code = app.latest_code("ann@xn--bcher-kva.example");
    let check = json!({ "user_id": "ann", "verification_id": sent["verification_id"], "code": code });
    assert_eq!(client_call(&app, "/api/v1/verify", check).await.1["verified"], true);
    let stored = app.state.application.store.factors("ann").await.unwrap().email.unwrap();
    assert_eq!(stored.as_str(), "ann@xn--bcher-kva.example");

    // The same address in punycode is the same destination: its resend wait applies.
    let (status, answer) = client_call(&app, "/api/v1/send", json!({ "method": "email", "user_id": "ann", "email": "ann@xn--bcher-kva.example" })).await;
    assert_eq!((status, error_code(&answer)), (StatusCode::TOO_MANY_REQUESTS, Some("resend_cooldown")), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bearer_scheme_is_read_in_any_case() {
    let app = portal_with_api_key().await;
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let response = app
            .client
            .get(app.url("/api/v1/verification-methods?user_id=kim"))
            .header("authorization", format!("{scheme} {API_KEY}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{scheme}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_is_refused_on_every_endpoint_before_its_body_is_read() {
    let app = portal_with_api_key().await;
    let (national, _) = fresh_mobile();
    let calls = [
        ("/api/v1/send", json!({ "method": "sms", "user_id": "kim", "phone_number": national, "phone_country": "FR" })),
        ("/api/v1/verify", json!({ "user_id": "kim", "verification_id": "x", "code": "123456" })),
        ("/api/v1/cancel", json!({ "user_id": "kim", "verification_id": "x" })),
        ("/api/v1/set-phone-number", json!({ "phone_number": national, "country_code": "FR" })),
        ("/api/v1/set-email", json!({ "email": "kim@example.com" })),
        ("/api/v1/requests", json!({ "user_id": "kim", "return_url": "https://app.example/back" })),
        ("/api/v1/verification-methods", json!({})),
    ];
    for (path, body) in calls {
        for authorization in ["Bearer not-the-key", "Basic a2ltOmtpbQ==", "Bearer", "bearer  "] {
            for body in [body.to_string(), "{ not json".to_owned(), "[]".to_owned()] {
                let (status, text) = post_raw(&app, path, Some(authorization), body.clone()).await;
                let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                assert_eq!((status, error_code(&answer)), (StatusCode::UNAUTHORIZED, Some("invalid_api_key")), "{path} {authorization:?} {body}");
            }
        }
    }
    assert!(!app.state.application.store.user_exists("kim").await.unwrap());
}

/// `/start` with a request signed by the portal's client secret over `claims` as given.
async fn start_with(app: &TestApp, claims: &Value) -> String {
    use secrecy::ExposeSecret;
    let secret = app.state.application.settings.client_secret().unwrap();
    let key = jsonwebtoken::EncodingKey::from_secret(secret.expose_secret().as_bytes());
    let token = jsonwebtoken::encode(&jsonwebtoken::Header::default(), claims, &key).unwrap();
    app.get_location(&format!("/start?request={token}")).await
}

/// The claims of a request for `user` that expires `lifetime` seconds from now, to alter.
fn claims(app: &TestApp, user: &str, lifetime: i64) -> Value {
    let mut claims = serde_json::to_value(app.request_claims(user, None)).unwrap();
    claims["exp"] = json!(app.clock_now() + lifetime);
    claims
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_request_may_live_fifteen_minutes_and_no_longer() {
    let app = spawn_app().await;
    assert_eq!(start_with(&app, &claims(&app, "lee", 15 * 60)).await, "/methods");
    assert_eq!(start_with(&app, &claims(&app, "lee", 24 * 3600)).await, "/failure");
    let page = visible_text(&app.page_text("/failure").await);
    assert!(page.contains("The link that brought you here is not valid."), "{page}");

    // Issued long ago, due soon: it was made to live too long.
    let mut old = claims(&app, "lee", 300);
    old["iat"] = json!(START.0 - 3600);
    assert_eq!(start_with(&app, &old).await, "/failure");
    let mut fresh = claims(&app, "lee", 300);
    fresh["iat"] = json!(START.0);
    assert_eq!(start_with(&app, &fresh).await, "/methods");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_request_with_an_oversized_claim_is_refused_and_stores_nothing() {
    let app = spawn_app().await;
    let long_user = "u".repeat(256);
    let oversized = [
        ("sub", json!(long_user)),
        ("nonce", json!("n".repeat(129))),
        ("return_url", json!(format!("https://app.example/{}", "p".repeat(2048)))),
        ("phone", json!(format!("+33612{}", "0".repeat(40)))),
        ("email", json!(format!("{}@example.com", "a".repeat(250)))),
        ("sub", json!("ali\u{202e}ce")),
        // The name on the user's "Continue to …" button: bounded, and no character that reorders it.
        ("app_name", json!("A".repeat(65))),
        ("app_name", json!("Acme\u{202e}liaM")),
    ];
    for (claim, value) in oversized {
        let mut request = claims(&app, "mia", 300);
        request[claim] = value;
        assert_eq!(start_with(&app, &request).await, "/failure", "{claim}");
    }
    assert!(!app.state.application.store.user_exists(&long_user).await.unwrap());
    assert!(!app.state.application.store.user_exists("mia").await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_made_by_the_api_lives_fifteen_minutes_at_most() {
    let app = portal_with_api_key().await;
    let (status, created) =
        client_call(&app, "/api/v1/requests", json!({ "user_id": "noa", "return_url": "https://app.example/back", "expires_in": 3600 })).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["expires_at"].as_i64(), Some(START.0 + 15 * 60));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_application_name_over_its_bound_or_with_a_reordering_character_gets_no_link() {
    let app = portal_with_api_key().await;
    for name in ["A".repeat(65), "Acme\u{202e}liaM".to_owned()] {
        let body = json!({ "user_id": "pia", "return_url": "https://app.example/back", "app_name": name });
        let (status, refused) = client_call(&app, "/api/v1/requests", body).await;
        assert_eq!((status, refused["error_code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_request")), "{refused}");
    }
    let body = json!({ "user_id": "pia", "return_url": "https://app.example/back", "app_name": "Acme Mail" });
    assert_eq!(client_call(&app, "/api/v1/requests", body).await.0, StatusCode::CREATED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_over_long_number_or_code_from_the_form_is_refused_and_not_kept() {
    let app = spawn_app().await;
    assert_eq!(app.begin("ola").await, "/methods");
    assert_eq!(app.post_form("/api/choose_method", &[("channel", "sms")]).await, "/phone");
    let long_number = "06".repeat(5_000);
    assert_eq!(app.post_form("/api/register_phone", &[("country", "FR"), ("number", &long_number)]).await, "/phone");
    let page = app.page_text("/phone").await;
    assert!(visible_text(&page).contains("This phone number is not valid"), "{page}");
    assert!(!page.contains(&long_number[..64]), "the long input is not kept to be given back");

    let (national, _) = fresh_mobile();
    assert_eq!(app.post_form("/api/register_phone", &[("country", "FR"), ("number", &national)]).await, "/verify");
    let long_code = "1".repeat(33);
    assert_eq!(app.post_form("/api/check_code", &[("code", &long_code)]).await, "/verify");
    let page = visible_text(&app.page_text("/verify").await);
    assert!(page.contains("The code has 6 digits."), "{page}");
    assert!(page.contains("5 attempts left"), "no attempt spent: {page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn used_nonces_are_pruned_by_expiry_through_their_index() {
    use leptos_2fa::testing::UnixTime;
    let app = spawn_app().await;
    let store = &app.state.application.store;
    let (now, later) = (START, UnixTime(START.0 + 61));
    assert!(store.claim_nonce("once", UnixTime(now.0 + 60), now).await.unwrap());
    assert!(!store.claim_nonce("once", UnixTime(now.0 + 60), now).await.unwrap(), "a replay");
    assert!(store.claim_nonce("short", UnixTime(now.0 + 10), now).await.unwrap());
    app.advance(61);
    assert!(store.claim_nonce("once", UnixTime(later.0 + 60), later).await.unwrap(), "an expired nonce is history");

    let swept = app.state.application.housekeep().await.unwrap().expect("nobody else is housekeeping");
    assert_eq!(swept.nonces, 1);
    let database = support::Database::of(&app).await;
    assert_eq!(database.texts("SELECT nonce FROM used_nonces").await, ["once"]);
    let plan = database.plan("DELETE FROM used_nonces WHERE expires_at < 1").await;
    assert!(plan.iter().any(|step| step.contains("used_nonces_by_expiry")), "{plan:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_report_with_an_over_long_idempotency_token_stores_no_nonce() {
    let (app, standin) = crate::twilio_gateway::twilio_portal_with(|_| {}).await;
    app.reach_token_page("rex").await;
    standin.wait_until("a report taken", |s| s.callbacks().iter().any(|c| c.answered == 204)).await;
    let report = standin.callbacks().pop().unwrap();
    // The header is not signed: a captured report replayed with a 10 KB token.
    let token = "t".repeat(10_000);
    assert_eq!(standin.post_with_signature(&report.url, &report.fields, &token, Some(&report.signature)).await, 204);
    let longest = support::Database::of(&app).await.number("SELECT CAST(MAX(LENGTH(nonce)) AS BIGINT) FROM used_nonces").await;
    assert!(longest.unwrap_or(0) <= 128 + "delivery-report:".len() as i64, "{longest:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn addresses_stored_before_are_read_in_their_normal_form_or_left_out() {
    let app = spawn_app().await;
    let database = support::Database::of(&app).await;
    for (user, stored) in [("old-ann", "Ann@Bücher.Example"), ("old-eve", "e\u{200b}ve@example.com")] {
        database.execute("INSERT INTO users (id, email, created_at, updated_at) VALUES ($1, $2, 0, 0)", &[user, stored]).await;
    }
    let ann = app.state.application.store.factors("old-ann").await.unwrap();
    assert_eq!(ann.email.unwrap().as_str(), "ann@xn--bcher-kva.example");
    let eve = app.state.application.store.factors("old-eve").await.expect("the user stays readable");
    assert_eq!(eve.email, None);
}
