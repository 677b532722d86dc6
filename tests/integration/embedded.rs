//! The pages embedded in a host site: the host's `TwoFactorHost` says who is signed in and what
//! they may do; the session keeps the passed factor for the host's guards.

use crate::support;

use axum::Json;
use axum::http::request::Parts;
use axum::routing::get;
use leptos::config::LeptosOptions;
use leptos_2fa::config::Settings;
use leptos_2fa::Channel;
use leptos_2fa::embed::{HostUser, PerDestination, SecondFactor, TwoFactorHost, UserRules, async_trait, second_factor};
use leptos_2fa::testing::FakeClock;
use leptos_2fa::web::AppState;
use serde_json::{Value, json};
use std::sync::Arc;
use support::{START, browser_client, fresh_mobile, location};
use tower_sessions::Session;

/// Signs in whoever the `x-user` header names: zoe has a number, yan has nothing, and the
/// suspended account may not verify.
struct TestHost {
    zoe_phone: String,
}

#[async_trait]
impl TwoFactorHost for TestHost {
    async fn current_user(&self, request: &Parts) -> Option<HostUser> {
        let id = request.headers.get("x-user")?.to_str().ok()?.to_owned();
        let phone = (id == "zoe").then(|| self.zoe_phone.clone());
        Some(HostUser { id, phone, email: None })
    }

    async fn may_verify(&self, user: &HostUser) -> bool {
        user.id != "suspended"
    }

    async fn rules(&self, user: &HostUser, defaults: UserRules) -> UserRules {
        match user.id.as_str() {
            // yan may use e-mail only, and may not add a phone number.
            "yan" => UserRules { registration: PerDestination { phone: false, email: true }, ..defaults }
                .restrict_methods(&[Channel::Email]),
            _ => defaults,
        }
    }

    fn sign_in_path(&self) -> String {
        "/sign-in".into()
    }

    fn not_allowed_path(&self, _user: &HostUser) -> String {
        "/suspended".into()
    }

    fn success_path(&self, _user: &HostUser) -> String {
        "/home".into()
    }
}

/// The host site is also served here; its pages there may post to the 2FA routes.
const HOST_OTHER_ORIGIN: &str = "https://www.host.example";

struct Host {
    base: String,
    client: reqwest::Client,
    state: AppState,
    zoe_phone: String,
}

/// The host's router: the library's routes under /2fa, a session layer, and a route that shows
/// what a guard would see.
async fn host() -> Host {
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let settings = Settings {
        database_url: crate::support::database_url(dir.path()).await,
        redis_url: std::env::var("TWOFA_TEST_REDIS_URL").ok().map(Into::into),
        data_dir: dir.path().to_owned(),
        public_url: format!("http://{address}").parse().unwrap(),
        trusted_origins: vec![HOST_OTHER_ORIGIN.parse().unwrap()],
        ..Settings::default()
    };
    let options = LeptosOptions::builder().output_name("host").site_root("target/site").site_addr(address).build();
    let (_, zoe_phone) = fresh_mobile();
    let state = AppState::build_with_clock(settings, options, Arc::new(FakeClock::at(START)))
        .await
        .unwrap()
        .embedded("/2fa", Arc::new(TestHost { zoe_phone: zoe_phone.clone() }));
    let sessions = leptos_2fa::web::session_layer(&state);
    let guard = get(|session: Session| async move { Json(second_factor(&session).await) });
    let router = axum::Router::new().route("/passed", guard).merge(leptos_2fa::web::routes(state.clone())).layer(sessions);
    let router = leptos_2fa::web::defend(router, &state);
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    std::mem::forget(dir);
    let base = format!("http://{address}");
    Host { client: browser_client(&base), base, state, zoe_phone }
}

impl Host {
    async fn get(&self, user: Option<&str>, path: &str) -> reqwest::Response {
        let mut request = self.client.get(format!("{}{path}", self.base));
        if let Some(user) = user {
            request = request.header("x-user", user);
        }
        request.send().await.unwrap()
    }

    async fn start(&self, user: Option<&str>, next: &str) -> String {
        location(&self.get(user, &leptos_2fa::embed::start_path("/2fa", next)).await)
    }

    async fn api(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self.client.post(format!("{}/api/v1/{path}", self.base)).json(&body).send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    async fn passed(&self) -> Option<SecondFactor> {
        self.get(None, "/passed").await.json().await.unwrap()
    }

    fn latest_code(&self, to: &str) -> String {
        let entries = self.state.application.outbox.as_ref().unwrap().entries();
        let body = &entries.iter().find(|entry| entry.to == to).expect("a code was sent").body;
        body.split_whitespace().find(|w| w.len() == 6 && w.chars().all(|c| c.is_ascii_digit())).unwrap().to_owned()
    }
}

#[tokio::test]
async fn a_signed_in_user_verifies_and_the_session_carries_the_factor_back_to_the_page() {
    let host = host().await;
    assert_eq!(host.start(Some("zoe"), "/account").await, "/2fa/methods");
    assert_eq!(host.passed().await, None);
    let (status, sent) = host.api("send", json!({ "method": "sms" })).await;
    assert_eq!(status, 200, "{sent}");
    let (_, checked) = host.api("verify", json!({ "code": host.latest_code(&host.zoe_phone) })).await;
    assert_eq!(checked["verified"], true, "{checked}");
    assert_eq!(checked["finish_url"], "/2fa/finish");
    let finish = host.client.post(format!("{}/2fa/finish", host.base)).send().await.unwrap();
    assert_eq!(location(&finish), "/account");
    let passed = host.passed().await.expect("the session carries the passed factor");
    assert_eq!((passed.user_id.as_str(), passed.channel), ("zoe", Channel::Sms));
}

#[tokio::test]
async fn visitors_not_signed_in_and_users_the_host_does_not_allow_are_sent_away() {
    let host = host().await;
    assert_eq!(host.start(None, "/account").await, "/sign-in");
    assert_eq!(host.start(Some("suspended"), "/account").await, "/suspended");
    assert!(host.state.application.outbox.as_ref().unwrap().entries().is_empty());
}

#[tokio::test]
async fn a_next_page_on_another_site_is_replaced_by_the_hosts_own() {
    let host = host().await;
    for next in ["//evil.example/", "https://evil.example/", "/\\evil.example"] {
        assert_eq!(host.start(Some("zoe"), next).await, "/2fa/methods");
    }
    host.api("send", json!({ "method": "sms" })).await;
    let (_, checked) = host.api("verify", json!({ "code": host.latest_code(&host.zoe_phone) })).await;
    assert_eq!(checked["verified"], true, "{checked}");
    let finish = host.client.post(format!("{}/2fa/finish", host.base)).send().await.unwrap();
    assert_eq!(location(&finish), "/home");
}

#[tokio::test]
async fn the_hosts_rules_narrow_methods_and_registration_per_user() {
    let host = host().await;
    assert_eq!(host.start(Some("yan"), "/account").await, "/2fa/email");
    let (status, methods) = host.api("verification-methods", json!({})).await;
    assert_eq!(status, 200);
    let offered: Vec<&str> = methods["verification_methods"].as_array().unwrap().iter().map(|m| m["method"].as_str().unwrap()).collect();
    assert_eq!(offered, ["email"]);
    let (national, _) = fresh_mobile();
    let (status, refused) = host.api("set-phone-number", json!({ "phone_number": national, "country_code": "FR" })).await;
    assert_eq!((status, refused["error_code"].as_str()), (403, Some("method_not_allowed")), "{refused}");
}

#[tokio::test]
async fn the_hosts_pages_on_its_other_origin_may_post_but_no_other_site() {
    let host = host().await;
    let choose = |origin: &'static str| {
        host.client.post(format!("{}/2fa/locale", host.base)).header("origin", origin).form(&[("locale", "fr"), ("back", "/")]).send()
    };
    assert!(choose(HOST_OTHER_ORIGIN).await.unwrap().status().is_redirection());
    assert_eq!(choose("https://evil.example").await.unwrap().status(), 403);
}

#[tokio::test]
async fn starting_over_in_the_host_site_does_not_refill_the_attempts() {
    let host = host().await;
    assert_eq!(host.start(Some("zoe"), "/account").await, "/2fa/methods");
    host.api("send", json!({ "method": "sms" })).await;
    let wrong = if host.latest_code(&host.zoe_phone) == "000000" { "111111" } else { "000000" };
    for _ in 0..4 {
        host.api("verify", json!({ "code": wrong })).await;
    }
    // The user, or whoever holds the session, starts over: a call this time.
    assert_eq!(host.start(Some("zoe"), "/account").await, "/2fa/methods");
    let (status, sent) = host.api("send", json!({ "method": "call" })).await;
    assert_eq!((status, sent["attempts_left"].as_u64()), (200, Some(1)), "{sent}");
}
