//! The web surface under attack, over HTTP against a running portal: forged cross-site posts,
//! missing security headers, a demo left on beside a real gateway, slow and numerous clients,
//! forged Twilio callbacks.

use crate::support;
use crate::twilio_standin;

use leptos_2fa::config::{GatewayKind, Settings};
use leptos_2fa::Channel;
use leptos_2fa::testing::FakeClock;
use reqwest::StatusCode;
use reqwest::header::{ORIGIN, REFERER, SET_COOKIE};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{START, TestApp, fresh_mobile, spawn_app, spawn_app_with, visible_text};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use twilio_standin::{ACCOUNT_SID, AUTH_TOKEN, FROM, SharedKey, Standin};

const EVIL: &str = "https://evil.example";
const API_KEY: &str = "an-api-key-of-the-relying-application-0123";

async fn portal_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_with(Arc::new(tempfile::tempdir().unwrap()), FakeClock::at(START), configure).await
}

impl TestApp {
    /// A form post from the browser, with `headers` in place of the page's own `Origin`.
    async fn post_from(&self, path: &str, fields: &[(&str, &str)], headers: &[(&str, &str)]) -> reqwest::Response {
        let mut request = self.client.post(self.url(path)).header("accept", "text/html").form(fields);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cross_site_post_to_a_server_function_is_refused_and_sends_nothing() {
    let app = spawn_app().await;
    assert_eq!(app.begin("eve").await, "/methods");
    assert_eq!(app.post_form("/api/choose_method", &[("channel", "sms")]).await, "/phone");
    let (national, e164) = fresh_mobile();
    let fields = [("country", "FR"), ("number", national.as_str())];
    for forged in [
        vec![("origin", EVIL)],
        vec![("origin", "null")],
        vec![("origin", "null"), ("referer", &app.url("/phone"))],
        vec![("origin", &app.base), ("sec-fetch-site", "cross-site")],
    ] {
        let response = app.post_from("/api/register_phone", &fields, &forged).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{forged:?}");
        assert_eq!(response.text().await.unwrap(), "Cross-site request refused.");
    }
    assert!(app.codes_sent_to(&e164).is_empty(), "a forged post sent a code");
    // From the portal's own page, the same post goes through.
    assert_eq!(app.post_form("/api/register_phone", &fields).await, "/verify");
    assert_eq!(app.codes_sent_to(&e164).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_that_says_neither_origin_nor_referer_is_refused_and_a_referer_suffices() {
    let app = spawn_app().await;
    let bare = support::cookie_client();
    let response = bare.post(app.url("/finish")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = bare.post(app.url("/finish")).header(REFERER, app.url("/success")).send().await.unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    let response = bare.post(app.url("/finish")).header(REFERER, format!("{EVIL}/")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cross_site_finish_skip_or_language_change_is_refused() {
    let app = spawn_app().await;
    assert_eq!(app.begin("eve").await, "/methods");
    for path in ["/finish", "/skip"] {
        assert_eq!(app.post_from(path, &[], &[("origin", EVIL)]).await.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let forged = app.post_from("/locale", &[("locale", "fr"), ("back", "/methods")], &[("origin", EVIL)]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(forged.headers().get(SET_COOKIE).is_none());
    let chosen = app.post_from("/locale", &[("locale", "fr"), ("back", "/methods")], &[]).await;
    assert!(chosen.status().is_redirection(), "{}", chosen.status());
    assert!(chosen.headers().get(SET_COOKIE).unwrap().to_str().unwrap().starts_with("i18n_pref_locale=fr"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_on_its_own_trusts_no_other_origin() {
    let app = portal_with(|settings| settings.trusted_origins = vec!["https://www.host.example".parse().unwrap()]).await;
    let response = app.post_from("/locale", &[("locale", "fr")], &[("origin", "https://www.host.example")]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "TWOFA_TRUSTED_ORIGINS is for embedded pages");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_json_api_refuses_a_cross_site_session_call_but_not_an_api_client() {
    let app = portal_with(|settings| settings.api_key = Some(API_KEY.into())).await;
    assert_eq!(app.begin("eve").await, "/methods");
    let (national, e164) = fresh_mobile();
    let body = json!({ "method": "sms", "phone_number": national, "country": "FR" });
    let forged = app.client.post(app.url("/api/v1/send")).header(ORIGIN, EVIL).header("accept-language", "en").json(&body).send().await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    // The API's documented JSON error, not the pages' plain answer.
    let refusal: serde_json::Value = forged.json().await.unwrap();
    assert_eq!(
        refusal,
        json!({
            "success": false,
            "error_code": "cross_site_request",
            "display": "This request did not come from the portal's own pages, so it was refused.",
            "blocking": false,
            "retry_after": null,
        })
    );
    assert!(app.codes_sent_to(&e164).is_empty());

    // A relying application's server sends no Origin: its key is its proof.
    let server = reqwest::Client::new();
    let methods = server
        .post(app.url("/api/v1/verification-methods?user_id=eve"))
        .bearer_auth(API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(methods.status(), StatusCode::OK);
    // Another Authorization scheme (what a browser may replay by itself) proves nothing.
    let basic = server.post(app.url("/api/v1/send")).basic_auth("eve", Some("x")).json(&body).send().await.unwrap();
    assert_eq!(basic.status(), StatusCode::FORBIDDEN);
    assert_eq!(basic.json::<serde_json::Value>().await.unwrap()["error_code"], "cross_site_request");
}

/// The nonce in `script-src 'nonce-…'` of a Content-Security-Policy.
fn script_nonce(policy: &str) -> &str {
    policy.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce in script-src")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_carries_the_security_headers_and_its_scripts_the_policy_s_nonce() {
    let app = spawn_app().await;
    assert_eq!(app.begin("ada").await, "/methods");
    let response = app.client.get(app.url("/methods")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    let header = |name: &str| headers.get(name).map(|value| value.to_str().unwrap().to_owned());
    let policy = header("content-security-policy").expect("a Content-Security-Policy");
    for directive in [
        "script-src 'self' 'nonce-",
        "' 'wasm-unsafe-eval';",
        "default-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "form-action 'self' https://app.example",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ] {
        assert!(policy.contains(directive), "{directive} missing from {policy}");
    }
    assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
    assert_eq!(header("referrer-policy").as_deref(), Some("same-origin"));
    assert_eq!(header("x-frame-options").as_deref(), Some("DENY"));
    assert_eq!(header("strict-transport-security"), None, "HSTS over plain http");

    let nonce = script_nonce(&policy).to_owned();
    let html = response.text().await.unwrap();
    // leptos_i18n leaves an empty `<script></script>` behind: browsers never run (nor check) those.
    let scripts: Vec<&str> =
        html.split("<script").skip(1).filter(|script| !script.starts_with("></script>")).map(|tag| tag.split('>').next().unwrap()).collect();
    assert!(!scripts.is_empty(), "{html}");
    for script in scripts {
        assert!(script.contains(&format!("nonce=\"{nonce}\"")), "a script without the policy's nonce: <script{script}>");
    }
    assert!(!html.contains(" style="), "an inline style attribute, which style-src 'self' blocks");

    let again = app.client.get(app.url("/methods")).send().await.unwrap();
    let policy_again = again.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert_ne!(script_nonce(&policy_again), nonce, "a nonce used twice");
    // Refusals and the JSON API carry the headers too.
    let refused = app.post_from("/finish", &[], &[("origin", EVIL)]).await;
    assert!(refused.headers().contains_key("content-security-policy"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_portal_adds_hsts_and_a_host_only_secure_session_cookie() {
    let app = portal_with(|settings| {
        settings.public_url = "https://2fa.example".parse().unwrap();
        settings.frame_ancestors = vec!["'self'".into()];
    })
    .await;
    let token = app.state.application.client_keys.sign_request(&app.request_claims("ada", None));
    let response = app.client.get(app.url(&format!("/start?request={token}"))).send().await.unwrap();
    assert_eq!(response.headers()["strict-transport-security"], "max-age=63072000; includeSubDomains");
    assert!(response.headers().get("x-frame-options").is_none(), "framing by 'self' is allowed");
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("__Host-twofa_session=") && cookie.contains("Secure") && cookie.contains("Path=/"), "{cookie}");

    let plain = spawn_app().await;
    let token = plain.state.application.client_keys.sign_request(&plain.request_claims("ada", None));
    let response = plain.client.get(plain.url(&format!("/start?request={token}"))).send().await.unwrap();
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("twofa_session=") && !cookie.contains("Secure"), "{cookie}");
}

#[test]
fn production_refuses_to_start_on_a_plain_http_public_url() {
    use figment::Figment;
    use figment::providers::Serialized;
    let production = Figment::from(Serialized::defaults(Settings::default()))
        .merge(("environment", "production"))
        .merge(("gateway", "twilio-verify"))
        .merge(("twilio_account_sid", ACCOUNT_SID))
        .merge(("twilio_auth_token", AUTH_TOKEN))
        .merge(("twilio_verify_service_sid", "VA00000000000000000000000000000004"))
        .merge(("secret_key", "k".repeat(32)))
        .merge(("client_secret", "c".repeat(32)));
    let error = Settings::from_figment(production.clone().merge(("public_url", "http://127.0.0.1:3000"))).unwrap_err();
    assert!(error.to_string().contains("TWOFA_PUBLIC_URL"), "{error}");
    Settings::from_figment(production.merge(("public_url", "https://2fa.example"))).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_and_the_outbox_exist_only_beside_the_console_gateway() {
    let standin = Standin::start("127.0.0.1:0").await;
    let api_url = standin.base_url.parse().unwrap();
    let twilio = portal_with(|settings| {
        settings.gateway = GatewayKind::Twilio;
        settings.methods = vec![Channel::Sms];
        settings.twilio_account_sid = Some(ACCOUNT_SID.into());
        settings.twilio_auth_token = Some(AUTH_TOKEN.into());
        settings.twilio_from = Some(FROM.into());
        settings.twilio_api_url = api_url;
    })
    .await;
    assert!(twilio.state.application.settings.environment == leptos_2fa::config::Environment::Development);
    for path in ["/demo", "/demo/", "/demo/return?result=x", "/dev/outbox"] {
        assert_eq!(twilio.page(path).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    let signed = twilio.post_from("/demo/start", &[("user", "victim")], &[]).await;
    assert_eq!(signed.status(), StatusCode::NOT_FOUND, "the demo signed a request beside a real gateway");

    let console = spawn_app().await;
    assert_eq!(console.page("/demo").await.0, StatusCode::OK);
    assert_eq!(console.post_form("/demo/start", &[("user", "ada")]).await.split('?').next(), Some("/start"));
}

/// Reads until the server closes the connection; what it answered, and how long it took.
async fn read_until_closed(stream: &mut TcpStream) -> (String, Duration) {
    let started = Instant::now();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("the server kept the connection open")
        .ok();
    (String::from_utf8_lossy(&answer).into_owned(), started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_sends_its_headers_too_slowly_is_dropped() {
    let app = portal_with(|settings| settings.header_read_timeout_secs = 1).await;
    let address = app.base.trim_start_matches("http://");
    let mut slow = TcpStream::connect(address).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: te").await.unwrap();
    let (answer, waited) = read_until_closed(&mut slow).await;
    assert!(waited < Duration::from_secs(5), "dropped after {waited:?}");
    assert!(!answer.contains("200 OK"), "{answer}");
    // A connection that sends nothing at all is dropped too.
    let mut silent = TcpStream::connect(address).await.unwrap();
    let (_, waited) = read_until_closed(&mut silent).await;
    assert!(waited < Duration::from_secs(5), "dropped after {waited:?}");
}

/// Starts a form post whose body never comes: it holds its place among the requests in flight.
async fn post_without_its_body(app: &TestApp) -> TcpStream {
    let mut stream = TcpStream::connect(app.base.trim_start_matches("http://")).await.unwrap();
    let head = format!(
        "POST /locale HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nlocale=",
        app.base
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_concurrency_bound_the_next_request_gets_503_at_once() {
    let app = portal_with(|settings| settings.max_concurrent_requests = 1).await;
    let slow = post_without_its_body(&app).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let shed = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(shed.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(started.elapsed() < Duration::from_secs(1), "answered after {:?}", started.elapsed());
    drop(slow);
    for _ in 0..50 {
        if app.client.get(app.url("/healthz")).send().await.unwrap().status() == StatusCode::OK {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the place was never given back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_whose_body_never_ends_times_out_and_a_huge_body_is_refused() {
    let app = portal_with(|settings| settings.request_timeout_secs = 1).await;
    let mut slow = post_without_its_body(&app).await;
    let (answer, waited) = read_until_closed(&mut slow).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(waited < Duration::from_secs(5), "answered after {waited:?}");

    let huge = "x".repeat(app.state.application.settings.max_body_bytes + 1);
    let response = app.post_from("/locale", &[("locale", "fr"), ("back", &huge)], &[]).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

const SHARED_KEY_SECRET: &str = "a-shared-key-secret-of-a-webhook-setting";

async fn twilio_portal_signing_with_shared_key() -> (TestApp, Standin) {
    let standin = Standin::start("127.0.0.1:0").await;
    let api_url = standin.base_url.parse().unwrap();
    let app = portal_with(|settings| {
        settings.gateway = GatewayKind::Twilio;
        settings.twilio_account_sid = Some(ACCOUNT_SID.into());
        settings.twilio_auth_token = Some(AUTH_TOKEN.into());
        settings.methods = vec![Channel::Sms, Channel::Call];
        settings.twilio_webhook_shared_key = Some(SHARED_KEY_SECRET.into());
        settings.twilio_from = Some(FROM.into());
        settings.twilio_api_url = api_url;
    })
    .await;
    standin.sign_with_shared_key(SharedKey { id: "webhooks_sharedkey_01".into(), secret: SHARED_KEY_SECRET.into() });
    (app, standin)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_signed_with_a_shared_key_by_hmac_sha256_is_taken_and_a_tampered_one_refused() {
    let (app, standin) = twilio_portal_signing_with_shared_key().await;
    app.reach_token_page("ada").await;
    standin
        .wait_until("the delivered report taken", |s| {
            s.callbacks().iter().any(|c| c.fields.iter().any(|(_, v)| v == "delivered") && c.answered == 204)
        })
        .await;
    assert!(visible_text(&app.page_text("/verify").await).contains("Delivered to your phone"));

    let delivered = standin.callbacks().into_iter().find(|c| c.fields.iter().any(|(_, v)| v == "delivered")).unwrap();
    let undelivered: Vec<(String, String)> = delivered
        .fields
        .iter()
        .map(|(k, v)| (k.clone(), if v == "delivered" { "undelivered".to_owned() } else { v.clone() }))
        .collect();
    assert_eq!(standin.post_with_signature(&delivered.url, &undelivered, "tampered", Some(&delivered.signature)).await, 403);
    // The auth token's SHA-1 signature under the shared key's announcement: no downgrade.
    let sha1 = twilio_standin::twilio_signature(AUTH_TOKEN, &delivered.url, &undelivered);
    assert_eq!(standin.post_with_signature(&delivered.url, &undelivered, "downgraded", Some(&sha1)).await, 403);
    let page = visible_text(&app.page_text("/verify").await);
    assert!(page.contains("Delivered to your phone") && !page.contains("Not delivered"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_travel_compressed_and_unstored_and_site_files_travel_once() {
    use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, IF_MODIFIED_SINCE, LAST_MODIFIED};
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(site.path().join("pkg")).unwrap();
    let wasm = b"\0asm leptos-2fa ".repeat(4_000);
    std::fs::write(site.path().join("pkg/leptos-2fa.wasm"), &wasm).unwrap();
    std::fs::write(site.path().join("pkg/leptos-2fa.css.br"), b"precompressed by the build").unwrap();
    std::fs::write(site.path().join("pkg/leptos-2fa.css"), b"body { margin: 0 }").unwrap();
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let app = support::spawn_app_serving((site.path().to_str().unwrap(), false), dir, FakeClock::at(START), |_| {}).await;
    app.reach_token_page("zed").await;

    let get = |path: &str, encoding: &str| app.client.get(app.url(path)).header(ACCEPT_ENCODING, encoding.to_owned());
    let plain = get("/verify", "identity").send().await.unwrap();
    assert_eq!(plain.headers()[CACHE_CONTROL], "no-store", "a flow's page is never stored");
    let plain_size = plain.bytes().await.unwrap().len();
    let page = get("/verify", "br").send().await.unwrap();
    assert_eq!((page.headers()[CONTENT_ENCODING].to_str().unwrap(), page.headers()[CACHE_CONTROL].to_str().unwrap()), ("br", "no-store"));
    let compressed_size = page.bytes().await.unwrap().len();
    assert!(compressed_size * 2 < plain_size, "the page travels compressed: {compressed_size} of {plain_size} bytes");

    let first = get("/pkg/leptos-2fa.wasm", "gzip").send().await.unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!((first.headers()[CONTENT_ENCODING].to_str().unwrap(), first.headers()[CACHE_CONTROL].to_str().unwrap()), ("gzip", "no-cache"));
    let modified = first.headers()[LAST_MODIFIED].clone();
    assert!(first.bytes().await.unwrap().len() * 10 < wasm.len());
    let again = get("/pkg/leptos-2fa.wasm", "gzip").header(IF_MODIFIED_SINCE, modified).send().await.unwrap();
    assert_eq!(again.status(), 304, "an unchanged file is not sent again");
    assert!(again.bytes().await.unwrap().is_empty());

    let style = get("/pkg/leptos-2fa.css", "br, gzip").send().await.unwrap();
    assert_eq!(style.headers()[CONTENT_ENCODING], "br");
    assert_eq!(&style.bytes().await.unwrap()[..], b"precompressed by the build", "the build's own compression is served as is");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn site_files_named_by_their_content_are_kept_for_good() {
    use reqwest::header::CACHE_CONTROL;
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(site.path().join("pkg")).unwrap();
    std::fs::write(site.path().join("pkg/leptos-2fa.0a1b2c3d.wasm"), b"\0asm").unwrap();
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let app = support::spawn_app_serving((site.path().to_str().unwrap(), true), dir, FakeClock::at(START), |_| {}).await;
    let file = app.client.get(app.url("/pkg/leptos-2fa.0a1b2c3d.wasm")).send().await.unwrap();
    assert_eq!(file.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable");
}
