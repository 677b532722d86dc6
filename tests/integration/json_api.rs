//! The JSON API under `/api/v1/`, each answer checked against the OpenAPI document the portal
//! serves at `/api/v1/openapi.json`.

use crate::support;
use crate::twilio_standin;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{TestApp, fresh_mobile, spawn_app};

/// A call to the API, with its answer validated against the documented schema.
pub struct Api<'a> {
    app: &'a TestApp,
    pub document: Value,
    /// Calls as an API client with this key; a browser session's calls carry none.
    key: Option<&'a str>,
}

impl<'a> Api<'a> {
    pub async fn new(app: &'a TestApp) -> Api<'a> {
        let document: Value = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
        assert!(document["openapi"].as_str().unwrap().starts_with("3."), "{document}");
        Api { app, document, key: None }
    }

    pub async fn client(app: &'a TestApp, key: &'a str) -> Api<'a> {
        Api { key: Some(key), ..Api::new(app).await }
    }

    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let url = self.app.url(path);
        let request = match method {
            "get" => self.app.client.get(url),
            _ => self.app.client.post(url),
        };
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        let request = match self.key {
            Some(key) => request.bearer_auth(key),
            None => request,
        };
        let response = request.header("accept-language", "en").send().await.unwrap();
        let status = response.status();
        let answer: Value = response.json().await.unwrap();
        self.check(method, path.split('?').next().unwrap_or(path), status, &answer);
        (status, answer)
    }

    /// Fails unless the document lists this status for the operation and the answer fits its schema.
    pub fn check(&self, method: &str, path: &str, status: StatusCode, answer: &Value) {
        let operation = &self.document["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} is not documented");
        let schema = &operation["responses"][status.as_str()]["content"]["application/json"]["schema"];
        assert!(schema.is_object(), "{method} {path} answered {status}, which is not documented: {answer}");
        let mut root = schema.clone();
        root["components"] = self.document["components"].clone();
        let validator = jsonschema::validator_for(&root).expect("a valid schema");
        let errors: Vec<String> = validator.iter_errors(answer).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{method} {path} {status}: {answer} does not fit its schema: {errors:?}");
    }
}

fn phone_body(method: &str, national: &str) -> Value {
    json!({ "method": method, "phone_number": national, "phone_country": "FR" })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_drives_the_whole_verification_by_json() {
    let app = spawn_app().await;
    let api = Api::new(&app).await;
    assert_eq!(app.begin("ada").await, "/methods");

    let (status, methods) = api.call("get", "/api/v1/verification-methods", None).await;
    assert_eq!(status, 200);
    let labels: Vec<&str> = methods["verification_methods"].as_array().unwrap().iter().map(|m| m["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["Text message", "Phone call", "E-mail"]);

    let (national, e164) = fresh_mobile();
    let (status, sent) = api.call("post", "/api/v1/send", Some(phone_body("sms", &national))).await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(sent["display"], "Your code is on its way.");
    assert_eq!((sent["can_resend_in"].as_u64(), sent["expires_in"].as_u64()), (Some(30), Some(600)));
    assert_eq!((sent["attempts"].as_u64(), sent["attempts_left"].as_u64(), sent["sends"].as_u64()), (Some(0), Some(5), Some(1)));
    assert!(sent["destination"].as_str().unwrap().ends_with(&e164[e164.len() - 2..]));

    let code = app.latest_code(&e164);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (status, checked) = api.call("post", "/api/v1/verify", Some(json!({ "code": wrong }))).await;
    assert_eq!(status, 200);
    assert_eq!((checked["verified"].as_bool(), checked["attempts_left"].as_u64()), (Some(false), Some(4)));
    assert_eq!(checked["display"], "This code is not right. Check it and try again.");

    let (status, checked) = api.call("post", "/api/v1/verify", Some(json!({ "code": code }))).await;
    assert_eq!(status, 200);
    assert_eq!((checked["verified"].as_bool(), checked["finish_url"].as_str()), (Some(true), Some("/finish")));
    let (status, error) = api.call("post", "/api/v1/cancel", None).await;
    assert_eq!((status, error["error_code"].as_str()), (StatusCode::CONFLICT, Some("verification_already_approved")), "{error}");
    assert_eq!(error["display"], "This verification was already approved: it can no longer be canceled.");
    let back = app.post_form("/finish", &[]).await;
    assert!(back.starts_with("https://app.example/after-2fa?state=abc&result="), "{back}");
    assert_eq!(app.state.application.store.factors("ada").await.unwrap().phone.unwrap().e164(), e164);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_refusal_has_its_code_status_and_translated_display() {
    let app = spawn_app().await;
    let api = Api::new(&app).await;

    // No session that /start opened.
    let (status, error) = api.call("post", "/api/v1/send", Some(phone_body("sms", "0612345678"))).await;
    assert_eq!((status, error["error_code"].as_str(), error["blocking"].as_bool()), (StatusCode::UNAUTHORIZED, Some("user_unauthenticated"), Some(true)));
    assert_eq!(error["success"], false);

    assert_eq!(app.begin("bob").await, "/methods");
    let cases = [
        (phone_body("sms", "12"), StatusCode::BAD_REQUEST, "invalid_phone_number", "This phone number is not valid."),
        (phone_body("sms", "01 40 00 00 00"), StatusCode::BAD_REQUEST, "mobile_number_required", "Text messages can only go to a mobile number."),
        (json!({ "method": "sms" }), StatusCode::BAD_REQUEST, "missing_user_data", "Enter the phone number or e-mail address"),
        (json!({ "method": "email", "email": "not an address" }), StatusCode::BAD_REQUEST, "invalid_email", "This e-mail address is not valid."),
        (json!({ "method": "whatsapp", "phone_number": "0612345678", "phone_country": "FR" }), StatusCode::FORBIDDEN, "method_not_allowed", "This method is not available."),
    ];
    for (body, expected_status, code, display) in cases {
        let (status, error) = api.call("post", "/api/v1/send", Some(body.clone())).await;
        assert_eq!((status, error["error_code"].as_str()), (expected_status, Some(code)), "{body}: {error}");
        assert!(error["display"].as_str().unwrap().starts_with(display), "{error}");
        assert_eq!(error["blocking"], false);
    }

    // A code, then asking again at once: the cooldown, with Retry-After.
    let (national, _) = fresh_mobile();
    assert_eq!(api.call("post", "/api/v1/send", Some(phone_body("sms", &national))).await.0, 200);
    let response = app.client.post(app.url("/api/v1/send")).json(&phone_body("sms", &national)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers()["retry-after"], "30");
    let error: Value = response.json().await.unwrap();
    api.check("post", "/api/v1/send", StatusCode::TOO_MANY_REQUESTS, &error);
    assert_eq!((error["error_code"].as_str(), error["retry_after"].as_u64()), (Some("resend_cooldown"), Some(30)));

    // A malformed code spends no attempt.
    let (status, error) = api.call("post", "/api/v1/verify", Some(json!({ "code": "12ab56" }))).await;
    assert_eq!((status, error["error_code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_verification_code")));

    // Five wrong codes: the last is blocking.
    for _ in 0..4 {
        assert_eq!(api.call("post", "/api/v1/verify", Some(json!({ "code": "000000" }))).await.0, 200);
    }
    let (status, error) = api.call("post", "/api/v1/verify", Some(json!({ "code": "000000" }))).await;
    assert_eq!((status, error["error_code"].as_str(), error["blocking"].as_bool()), (StatusCode::LOCKED, Some("max_attempts_reached"), Some(true)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_canceled_code_can_no_longer_be_checked() {
    let app = spawn_app().await;
    let api = Api::new(&app).await;
    assert_eq!(app.begin("carl").await, "/methods");
    let (national, e164) = fresh_mobile();
    assert_eq!(api.call("post", "/api/v1/send", Some(phone_body("call", &national))).await.0, 200);
    let (status, done) = api.call("post", "/api/v1/cancel", None).await;
    assert_eq!((status, done["display"].as_str()), (StatusCode::OK, Some("The verification was canceled.")));
    let code = app.codes_sent_to(&e164);
    assert!(code.is_empty(), "a call's code is spoken, not texted");
    let (status, error) = api.call("post", "/api/v1/verify", Some(json!({ "code": "123456" }))).await;
    assert_eq!((status, error["error_code"].as_str()), (StatusCode::NOT_FOUND, Some("verification_not_found")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verification_belongs_to_the_session_that_started_it() {
    let mut app = spawn_app().await;
    let api_owner = Api::new(&app).await;
    assert_eq!(app.begin("dora").await, "/methods");
    let (national, _) = fresh_mobile();
    assert_eq!(api_owner.call("post", "/api/v1/send", Some(phone_body("sms", &national))).await.0, 200);
    drop(api_owner);

    // Another browser, with its own session for another user, cannot touch dora's code.
    app.client = support::browser_client(&app.base);
    let api = Api::new(&app).await;
    assert_eq!(app.begin("mallory").await, "/methods");
    let (status, error) = api.call("post", "/api/v1/verify", Some(json!({ "code": "123456" }))).await;
    assert_eq!((status, error["error_code"].as_str()), (StatusCode::NOT_FOUND, Some("verification_not_found")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_phone_number_by_json_confirms_the_current_number_first() {
    let app = spawn_app().await;
    let api = Api::new(&app).await;
    let (_, old) = fresh_mobile();
    app.begin_with(&app.request_claims("erin", Some(&old))).await;
    let (national, new) = fresh_mobile();
    let body = json!({ "phone_number": national, "country_code": "FR" });
    let (status, sent) = api.call("post", "/api/v1/set-phone-number", Some(body)).await;
    assert_eq!(status, 200);
    assert!(sent["display"].as_str().unwrap().contains("a number or address you already use"), "{sent}");
    assert!(sent["destination"].as_str().unwrap().ends_with(&old[old.len() - 2..]));

    let (status, checked) = api.call("post", "/api/v1/verify", Some(json!({ "code": app.latest_code(&old) }))).await;
    assert_eq!((status, checked["verified"].as_bool()), (StatusCode::OK, Some(false)));
    let next = &checked["code_sent"];
    assert!(next["destination"].as_str().unwrap().ends_with(&new[new.len() - 2..]), "{checked}");

    let (_, checked) = api.call("post", "/api/v1/verify", Some(json!({ "code": app.latest_code(&new) }))).await;
    assert_eq!(checked["verified"], true);
    assert_eq!(app.state.application.store.factors("erin").await.unwrap().phone.unwrap().e164(), new);
}

pub const API_KEY: &str = "relying-application-api-key-0123456789";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_application_server_creates_a_request_and_sends_its_user_to_the_link() {
    let app = support::spawn_app_with(
        std::sync::Arc::new(tempfile::tempdir().unwrap()),
        leptos_2fa::testing::FakeClock::at(support::START),
        |settings| settings.api_key = Some(API_KEY.to_owned().into()),
    )
    .await;
    let api = Api::new(&app).await;
    let (_, e164) = fresh_mobile();
    let body = json!({ "user_id": "fay", "return_url": "https://app.example/back", "phone_number": e164 });
    let create = |key: Option<&str>, body: &Value| {
        let mut request = app.client.post(app.url("/api/v1/requests")).json(body);
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        request.send()
    };

    for key in [None, Some("a-wrong-key")] {
        let response = create(key, &body).await.unwrap();
        let status = response.status();
        let error: Value = response.json().await.unwrap();
        api.check("post", "/api/v1/requests", status, &error);
        assert_eq!((status, error["error_code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_api_key")));
    }
    let elsewhere = json!({ "user_id": "fay", "return_url": "https://evil.example/" });
    let response = create(Some(API_KEY), &elsewhere).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let response = create(Some(API_KEY), &body).await.unwrap();
    let status = response.status();
    let created: Value = response.json().await.unwrap();
    api.check("post", "/api/v1/requests", status, &created);
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["expires_at"].as_i64(), Some(app.clock_now() + 300));
    let link = created["url"].as_str().unwrap();
    let path = link.strip_prefix(&app.base).expect("a link to this portal");
    assert_eq!(app.get_location(path).await, "/methods");
    let page = app.page_text("/methods").await;
    assert!(page.contains(&format!("\u{a0}{}", &e164[e164.len() - 2..])), "the known number, masked");
    assert_eq!(app.get_location(path).await, "/failure", "a link works once");
}

pub async fn portal_with_api_key(configure: impl FnOnce(&mut leptos_2fa::config::Settings)) -> TestApp {
    support::spawn_app_with(std::sync::Arc::new(tempfile::tempdir().unwrap()), leptos_2fa::testing::FakeClock::at(support::START), |settings| {
        settings.api_key = Some(API_KEY.to_owned().into());
        configure(settings);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_client_verifies_a_user_without_a_browser_session() {
    let app = portal_with_api_key(|_| {}).await;
    let client = Api::client(&app, API_KEY).await;
    let (national, e164) = fresh_mobile();

    let mut body = phone_body("sms", &national);
    body["user_id"] = json!("gil");
    let (status, sent) = client.call("post", "/api/v1/send", Some(body)).await;
    assert_eq!(status, 200, "{sent}");
    let id = sent["verification_id"].as_str().expect("the client gets the verification's id").to_owned();

    let (status, methods) = client.call("get", "/api/v1/verification-methods?user_id=gil", None).await;
    assert_eq!((status, methods["verification_methods"].as_array().unwrap().len()), (StatusCode::OK, 3));

    // Someone else's user, or no id: not found; the right pair: verified, and the number is saved.
    let code = app.latest_code(&e164);
    let check = |user: &str, id: &str, code: &str| json!({ "user_id": user, "verification_id": id, "code": code });
    let (status, error) = client.call("post", "/api/v1/verify", Some(check("other", &id, &code))).await;
    assert_eq!((status, error["error_code"].as_str()), (StatusCode::NOT_FOUND, Some("verification_not_found")));
    let (status, error) = client.call("post", "/api/v1/verify", Some(json!({ "user_id": "gil", "code": code }))).await;
    assert_eq!((status, error["error_code"].as_str()), (StatusCode::NOT_FOUND, Some("verification_not_found")));
    let (status, checked) = client.call("post", "/api/v1/verify", Some(check("gil", &id, &code))).await;
    assert_eq!((status, checked["verified"].as_bool()), (StatusCode::OK, Some(true)), "{checked}");
    assert_eq!(checked["first_enrolment"], true, "gil held nothing before: {checked}");
    assert_eq!(app.state.application.store.factors("gil").await.unwrap().phone.unwrap().e164(), e164);

    // Without a user named, the client is told what is missing.
    let (status, error) = client.call("post", "/api/v1/send", Some(json!({ "method": "sms" }))).await;
    assert_eq!((status, error["error_code"].as_str()), (StatusCode::BAD_REQUEST, Some("unauthenticated_user_param_missing")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_sessions_verification_is_not_found_for_an_api_client_and_the_reverse() {
    let app = portal_with_api_key(|_| {}).await;
    let mut events = app.state.application.events.subscribe();
    let browser = Api::new(&app).await;
    assert_eq!(app.begin("hal").await, "/methods");
    let (national, e164) = fresh_mobile();
    assert_eq!(browser.call("post", "/api/v1/send", Some(phone_body("sms", &national))).await.0, 200);
    // The relying application learns the id from the events (or its webhook) ...
    let id = loop {
        if let leptos_2fa::events::Event::VerificationSent { verification_id, .. } = events.recv().await.unwrap() {
            break verification_id.as_str().to_owned();
        }
    };
    // ... but cannot use it as an API client: it belongs to the browser's session.
    let client = Api::client(&app, API_KEY).await;
    let code = app.latest_code(&e164);
    let body = json!({ "user_id": "hal", "verification_id": id, "code": code });
    let (status, error) = client.call("post", "/api/v1/verify", Some(body.clone())).await;
    assert_eq!((status, error["error_code"].as_str()), (StatusCode::NOT_FOUND, Some("verification_not_found")));
    let (status, error) = client.call("post", "/api/v1/cancel", Some(json!({ "user_id": "hal", "verification_id": id }))).await;
    assert_eq!((status, error["error_code"].as_str()), (StatusCode::NOT_FOUND, Some("verification_not_found")));
    // The browser still can.
    let (_, checked) = browser.call("post", "/api/v1/verify", Some(json!({ "code": code }))).await;
    assert_eq!(checked["verified"], true);

    // A wrong key is refused outright, whatever the call.
    let intruder = Api::client(&app, "not-the-key").await;
    let (status, error) = intruder.call("post", "/api/v1/verify", Some(body)).await;
    assert_eq!((status, error["error_code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_api_key")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_of_the_settings_have_their_codes() {
    let app = portal_with_api_key(|settings| {
        settings.allow_registration = false;
        settings.allow_change = false;
    })
    .await;
    let client = Api::client(&app, API_KEY).await;
    let (national, _) = fresh_mobile();
    let mut body = phone_body("sms", &national);
    body["user_id"] = json!("ivy");
    let (status, error) = client.call("post", "/api/v1/send", Some(body)).await;
    assert_eq!((status, error["error_code"].as_str()), (StatusCode::FORBIDDEN, Some("registration_not_allowed")), "{error}");

    let (_, known) = fresh_mobile();
    let browser = Api::new(&app).await;
    assert_eq!(app.begin_with(&app.request_claims("jo", Some(&known))).await, "/methods");
    let (status, error) = browser.call("post", "/api/v1/set-phone-number", Some(json!({ "phone_number": national, "country_code": "FR" }))).await;
    assert_eq!((status, error["error_code"].as_str()), (StatusCode::FORBIDDEN, Some("change_not_allowed")), "{error}");
    assert!(error["display"].as_str().unwrap().starts_with("You cannot change"), "{error}");
}

/// An API client of a portal on the Twilio gateway (the stand-in, which also answers Lookup).
async fn twilio_portal_for_clients(configure: impl FnOnce(&mut leptos_2fa::config::Settings)) -> (TestApp, twilio_standin::Standin) {
    use twilio_standin::{ACCOUNT_SID, AUTH_TOKEN, FROM, Standin};
    let standin = Standin::start("127.0.0.1:0").await;
    let url: url::Url = standin.base_url.parse().unwrap();
    let app = portal_with_api_key(|settings| {
        settings.gateway = leptos_2fa::config::GatewayKind::Twilio;
        settings.methods = vec![leptos_2fa::Channel::Sms, leptos_2fa::Channel::Call];
        settings.twilio_account_sid = Some(ACCOUNT_SID.into());
        settings.twilio_auth_token = Some(AUTH_TOKEN.into());
        settings.twilio_from = Some(FROM.into());
        settings.twilio_api_url = url.clone();
        settings.twilio_lookup_url = url;
        configure(settings);
    })
    .await;
    (app, standin)
}

fn client_send(user: &str, method: &str, e164: &str) -> Value {
    json!({ "user_id": user, "method": method, "phone_number": e164 })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_provider_and_policy_refusal_has_its_documented_code_and_status() {
    use twilio_standin::Fault;
    let (app, standin) = twilio_portal_for_clients(|settings| settings.disallowed_countries = vec!["BE".into()]).await;
    let client = Api::client(&app, API_KEY).await;
    let expect = |answer: (StatusCode, Value), status: StatusCode, code: &str| {
        assert_eq!((answer.0, answer.1["error_code"].as_str()), (status, Some(code)), "{}", answer.1);
        assert!(!answer.1["display"].as_str().unwrap().is_empty());
    };

    expect(client.call("post", "/api/v1/send", Some(client_send("kai", "sms", "+32470123456"))).await, StatusCode::BAD_REQUEST, "phone_country_not_allowed");


    let (_, opted_out) = fresh_mobile();
    standin.refuse(&opted_out, 21610);
    expect(client.call("post", "/api/v1/send", Some(client_send("kai", "sms", &opted_out))).await, StatusCode::FORBIDDEN, "recipient_opted_out");

    let (_, blocked) = fresh_mobile();
    standin.refuse(&blocked, 60410);
    expect(client.call("post", "/api/v1/send", Some(client_send("kai", "sms", &blocked))).await, StatusCode::FORBIDDEN, "destination_blocked");

    // Twilio Messaging down or rate limiting past every retry (Verify's rate limit is
    // `twilio_rate_limited`, see tests/twilio_verify.rs).
    let (_, down) = fresh_mobile();
    for _ in 0..3 {
        standin.fail_next(Fault::Error { status: 503, code: None, retry_after: None });
    }
    expect(client.call("post", "/api/v1/send", Some(client_send("kai", "sms", &down))).await, StatusCode::BAD_GATEWAY, "delivery_failed");

    // With carrier lookup, a line type the settings leave out.
    let (looking_up, standin) = twilio_portal_for_clients(|settings| {
        settings.carrier_lookup = true;
        settings.allowed_line_types = vec!["mobile".into(), "landline".into()];
    })
    .await;
    let client = Api::client(&looking_up, API_KEY).await;
    let (_, voip) = fresh_mobile();
    standin.line_type(&voip, "nonFixedVoip");
    expect(client.call("post", "/api/v1/send", Some(client_send("kai", "call", &voip))).await, StatusCode::BAD_REQUEST, "invalid_carrier_type");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_approved_canceled_and_over_the_send_limit_each_have_their_code() {
    let app = portal_with_api_key(|_| {}).await;
    let client = Api::client(&app, API_KEY).await;
    let expect = |answer: (StatusCode, Value), status: StatusCode, code: &str| {
        assert_eq!((answer.0, answer.1["error_code"].as_str()), (status, Some(code)), "{}", answer.1);
    };
    let (_, e164) = fresh_mobile();
    let send = || client.call("post", "/api/v1/send", Some(client_send("lou", "sms", &e164)));
    let check = |id: &str, code: &str| json!({ "user_id": "lou", "verification_id": id, "code": code });

    let (_, sent) = send().await;
    let id = sent["verification_id"].as_str().unwrap().to_owned();
    let code = app.latest_code(&e164);
    assert_eq!(client.call("post", "/api/v1/verify", Some(check(&id, &code))).await.1["verified"], true);
    expect(client.call("post", "/api/v1/verify", Some(check(&id, &code))).await, StatusCode::CONFLICT, "verification_already_approved");

    // Canceling it now says it was approved, and it stays so.
    let cancel = json!({ "user_id": "lou", "verification_id": id });
    expect(client.call("post", "/api/v1/cancel", Some(cancel)).await, StatusCode::CONFLICT, "verification_already_approved");
    expect(client.call("post", "/api/v1/verify", Some(check(&id, &code))).await, StatusCode::CONFLICT, "verification_already_approved");

    app.advance(31);
    let (_, sent) = send().await;
    let id = sent["verification_id"].as_str().unwrap().to_owned();
    let cancel = json!({ "user_id": "lou", "verification_id": id });
    assert_eq!(client.call("post", "/api/v1/cancel", Some(cancel)).await.0, StatusCode::OK);
    expect(client.call("post", "/api/v1/verify", Some(check(&id, "123456"))).await, StatusCode::CONFLICT, "verification_canceled");

    app.advance(31);
    let (_, sent) = send().await;
    let id = sent["verification_id"].as_str().unwrap().to_owned();
    app.advance(601);
    expect(client.call("post", "/api/v1/verify", Some(check(&id, "123456"))).await, StatusCode::GONE, "verification_expired");

    // Five codes to one number within the window, then the sixth is refused.
    let (_, busy) = fresh_mobile();
    let send = || client.call("post", "/api/v1/send", Some(client_send("lou", "sms", &busy)));
    for _ in 0..5 {
        app.advance(31);
        assert_eq!(send().await.0, StatusCode::OK);
    }
    app.advance(31);
    let answer = send().await;
    assert!(answer.1["retry_after"].as_u64().is_some(), "{}", answer.1);
    expect(answer, StatusCode::TOO_MANY_REQUESTS, "max_sends_reached");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twilio_verify_busy_for_a_number_is_rate_limited_with_its_wait() {
    use twilio_standin::Fault;
    let (app, standin) = twilio_portal_for_clients(|settings| {
        settings.gateway = leptos_2fa::config::GatewayKind::TwilioVerify;
        settings.twilio_verify_service_sid = Some(twilio_standin::verify::SERVICE_SID.into());
        settings.twilio_verify_url = settings.twilio_api_url.clone();
    })
    .await;
    let client = Api::client(&app, API_KEY).await;
    let (_, e164) = fresh_mobile();
    standin.fail_next(Fault::Error { status: 429, code: Some(20429), retry_after: Some(60) });
    let (status, error) = client.call("post", "/api/v1/send", Some(client_send("max", "sms", &e164))).await;
    assert_eq!((status, error["error_code"].as_str(), error["retry_after"].as_u64()), (StatusCode::TOO_MANY_REQUESTS, Some("twilio_rate_limited"), Some(60)), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cancel_racing_the_right_code_never_lets_both_succeed() {
    let app = portal_with_api_key(|_| {}).await;
    let client = Api::client(&app, API_KEY).await;
    for round in 0..8 {
        let user = format!("racer{round}");
        let (_, e164) = fresh_mobile();
        let (_, sent) = client.call("post", "/api/v1/send", Some(client_send(&user, "sms", &e164))).await;
        let id = sent["verification_id"].as_str().unwrap().to_owned();
        let code = app.latest_code(&e164);
        let check = json!({ "user_id": user, "verification_id": id, "code": code });
        let cancel = json!({ "user_id": user, "verification_id": id });
        let (checked, canceled) =
            tokio::join!(client.call("post", "/api/v1/verify", Some(check)), client.call("post", "/api/v1/cancel", Some(cancel.clone())));
        let verified = checked.0 == StatusCode::OK && checked.1["verified"] == true;
        match verified {
            // The code won: the cancel was told so, and a later one is too.
            true => {
                assert_eq!((canceled.0, canceled.1["error_code"].as_str()), (StatusCode::CONFLICT, Some("verification_already_approved")), "{round}: {}", canceled.1);
                assert_eq!(client.call("post", "/api/v1/cancel", Some(cancel)).await.1["error_code"], "verification_already_approved");
            }
            // The cancel won: the right code no longer passes.
            false => {
                assert_eq!(canceled.0, StatusCode::OK, "{round}: {}", canceled.1);
                assert_eq!((checked.0, checked.1["error_code"].as_str()), (StatusCode::CONFLICT, Some("verification_canceled")), "{round}: {}", checked.1);
            }
        }
    }
}
