//! Nothing secret or personal in the log, at any level: each gateway's flows run while one global
//! subscriber records everything at TRACE through the portal's own filter
//! (`leptos_2fa::logging::filter`), and the record is searched for every secret the flow used:
//! codes, delivery tokens, keys, signed requests and results, whole numbers and addresses.
//!
//! The tests of this binary run in parallel in one process, and the portal's tasks on any thread,
//! so the subscriber is the process's global one and records the whole process while a test here
//! runs; the secrets searched for are each test's own.

use crate::smtp_gateway::{SmtpServer, portal_with_smtp, six_digits};
use crate::support::{self, TestApp, fresh_mobile};
use crate::twilio_gateway::twilio_portal_with;
use crate::twilio_standin::{Fault, Standin};
use crate::twilio_verify::verify_portal_with;

use leptos_2fa::Channel;
use leptos_2fa::testing::FakeClock;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, Once};
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::layer::{Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

/// Everything logged in the process while a test of this module runs.
static LOG: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static RECORDING: AtomicUsize = AtomicUsize::new(0);
static SUBSCRIBER: Once = Once::new();

struct LogWriter;

impl std::io::Write for LogWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if RECORDING.load(Ordering::SeqCst) > 0 {
            LOG.lock().unwrap().extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Records the process's log, every level, until dropped.
struct Recording;

impl Recording {
    fn start() -> Recording {
        SUBSCRIBER.call_once(|| {
            let layer = tracing_subscriber::fmt::layer()
                .with_writer(|| LogWriter)
                // A timestamp's six digits of microseconds would pass for a code.
                .without_time()
                .with_ansi(false)
                .with_span_events(FmtSpan::NEW)
                .with_filter(leptos_2fa::logging::filter("trace").unwrap());
            tracing_subscriber::registry().with(layer).try_init().expect("the only global subscriber of the test binary");
        });
        RECORDING.fetch_add(1, Ordering::SeqCst);
        Recording
    }

    /// Fails naming each secret found in the log (with the line it is on).
    fn assert_none_of(&self, secrets: &Secrets) {
        let log = String::from_utf8_lossy(&LOG.lock().unwrap()).into_owned();
        assert!(log.contains("leptos_2fa"), "the portal's own lines were recorded");
        let found: Vec<String> = secrets
            .0
            .iter()
            .filter_map(|(what, secret)| {
                let line = log.lines().find(|line| contains_whole(line, secret))?;
                Some(format!("{what} ({secret}) in: {line}"))
            })
            .collect();
        assert!(found.is_empty(), "secrets in the log:\n{}", found.join("\n"));
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        RECORDING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// `secret` in `text`, not as a part of a longer run of digits (a code is not in a timestamp).
fn contains_whole(text: &str, secret: &str) -> bool {
    let digits = secret.chars().all(|c| c.is_ascii_digit());
    text.match_indices(secret).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + secret.len()..].chars().next();
        !digits || !(before.is_some_and(|c| c.is_ascii_digit()) || after.is_some_and(|c| c.is_ascii_digit()))
    })
}

/// What a test's flows used that must never be logged, each with what it is.
#[derive(Default)]
struct Secrets(Vec<(&'static str, String)>);

impl Secrets {
    fn add(&mut self, what: &'static str, secret: impl Into<String>) {
        let secret = secret.into();
        assert!(secret.len() >= 6, "{what} is too short to search for: {secret:?}");
        self.0.push((what, secret));
    }

    /// A number in E.164, also as digits only (URL-encoded `+`) and as typed nationally.
    fn phone(&mut self, e164: &str, national: &str) {
        self.add("a phone number", e164);
        self.add("a phone number's digits", &e164[1..]);
        self.add("a phone number as typed", national);
    }

    fn email(&mut self, address: &str) {
        self.add("an e-mail address", address);
        self.add("an e-mail address, URL-encoded", address.replace('@', "%40"));
    }

    /// The portal's own keys.
    fn keys_of(&mut self, app: &TestApp) {
        let settings = &app.state.application.settings;
        self.add("the secret key", settings.secret_key().unwrap().expose_secret());
        self.add("the client secret", settings.client_secret().unwrap().expose_secret());
        if let Some(key) = &settings.api_key {
            self.add("the API key", key.expose_secret());
        }
        if let Some(token) = &settings.twilio_auth_token {
            self.add("the Twilio auth token", token.expose_secret());
        }
    }
}

/// A process-unique user, number and e-mail address.
fn someone(name: &str) -> (String, (String, String), String) {
    let (national, e164) = fresh_mobile();
    let user = format!("{name}-{}", &e164[e164.len() - 6..]);
    let address = format!("{user}@hygiene.example");
    (user, (national, e164), address)
}

/// The last path segment of a callback URL: a delivery's token.
fn token_of(url: &str) -> String {
    url.trim_end_matches("/code").rsplit('/').next().unwrap().to_owned()
}

/// `/start` with a signed request for `user`; returns where the portal went and the request.
async fn begin(app: &TestApp, user: &str, secrets: &mut Secrets) -> String {
    let token = app.state.application.client_keys.sign_request(&app.request_claims(user, None));
    secrets.add("a signed request", &token);
    app.get_location(&format!("/start?request={token}")).await
}

/// The right code of a factor the user holds, before a new destination gets its own.
async fn confirm(app: &TestApp, code: &str, secrets: &mut Secrets) {
    secrets.add("a code", code);
    assert_eq!(app.post_form("/api/check_code", &[("code", code)]).await, "/verify");
}

/// A right code, then back to the relying application with the signed result.
async fn finish(app: &TestApp, code: &str, secrets: &mut Secrets) {
    secrets.add("a code", code);
    assert_eq!(app.post_form("/api/check_code", &[("code", code)]).await, "/success");
    let back = app.post_form("/finish", &[]).await;
    let result = url::Url::parse(&back).unwrap().query_pairs().find(|(k, _)| k == "result").unwrap().1.into_owned();
    secrets.add("a signed result", result);
}

async fn register_phone(app: &TestApp, channel: &str, national: &str) {
    assert_eq!(app.post_form("/api/choose_method", &[("channel", channel)]).await, "/phone");
    assert_eq!(app.post_form("/api/register_phone", &[("country", "FR"), ("number", national)]).await, "/verify");
}

async fn register_email(app: &TestApp, address: &str) {
    assert_eq!(app.post_form("/api/choose_method", &[("channel", "email")]).await, "/email");
    assert_eq!(app.post_form("/api/register_email", &[("email", address)]).await, "/verify");
}

const API_KEY: &str = "log-hygiene-api-key-0123456789abcdef";

async fn api(app: &TestApp, path: &str, body: Value) -> Value {
    let response = app.client.post(app.url(path)).bearer_auth(API_KEY).json(&body).send().await.unwrap();
    assert!(response.status().is_success(), "{path}: {}", response.status());
    response.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_gateway_and_the_json_api_log_nothing_secret() {
    let recording = Recording::start();
    let mut secrets = Secrets::default();
    let app = support::spawn_app_with(std::sync::Arc::new(tempfile::tempdir().unwrap()), FakeClock::at(support::START), |settings| {
        settings.api_key = Some(API_KEY.to_owned().into());
    })
    .await;
    secrets.keys_of(&app);

    // Relying applications may well name their users by e-mail address.
    let (_, (national, e164), address) = someone("console");
    let user = address.clone();
    secrets.phone(&e164, &national);
    secrets.email(&address);
    assert_eq!(begin(&app, &user, &mut secrets).await, "/methods");
    register_phone(&app, "sms", &national).await;
    assert_eq!(app.post_form("/api/check_code", &[("code", "000000")]).await, "/verify");
    finish(&app, &app.latest_code(&e164), &mut secrets).await;
    // An address beside the number: a code to the number first, then one to the address.
    app.advance(31);
    assert_eq!(begin(&app, &user, &mut secrets).await, "/methods");
    register_email(&app, &address).await;
    confirm(&app, &app.latest_code(&e164), &mut secrets).await;
    finish(&app, &app.latest_code(&address), &mut secrets).await;

    // An application's server: a link, then a verification of its own.
    let (client_user, (client_national, client_e164), _) = someone("client");
    secrets.phone(&client_e164, &client_national);
    let created = api(&app, "/api/v1/requests", json!({ "user_id": client_user, "return_url": "https://app.example/back", "phone_number": client_e164 })).await;
    let link = created["url"].as_str().unwrap();
    secrets.add("a signed request made by the API", link.rsplit("request=").next().unwrap());
    let sent = api(&app, "/api/v1/send", json!({ "method": "sms", "user_id": client_user, "phone_number": client_national, "phone_country": "FR" })).await;
    let code = app.latest_code(&client_e164);
    secrets.add("a code", &code);
    let checked = api(&app, "/api/v1/verify", json!({ "user_id": client_user, "verification_id": sent["verification_id"], "code": code })).await;
    assert_eq!(checked["verified"], true);

    recording.assert_none_of(&secrets);
}

/// Twilio Messaging and Voice, new numbers looked up with Twilio Lookup first.
async fn twilio_portal(methods: &[Channel]) -> (TestApp, Standin) {
    twilio_portal_with(|settings| {
        settings.methods = methods.to_vec();
        settings.carrier_lookup = true;
        settings.twilio_lookup_url = settings.twilio_api_url.clone();
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twilio_messages_calls_and_their_callbacks_log_nothing_secret() {
    let recording = Recording::start();
    let mut secrets = Secrets::default();
    let (app, standin) = twilio_portal(&[Channel::Sms, Channel::Call]).await;
    secrets.keys_of(&app);

    let (user, (national, e164), _) = someone("texted");
    secrets.phone(&e164, &national);
    assert_eq!(begin(&app, &user, &mut secrets).await, "/methods");
    // The number's lookup fails once and is retried.
    standin.fail_next(Fault::Error { status: 503, code: None, retry_after: Some(0) });
    register_phone(&app, "sms", &national).await;
    assert!(standin.lookups().contains(&e164));
    let message = standin.messages().into_iter().rev().find(|m| m.to == e164).unwrap();
    secrets.add("a delivery token", token_of(message.status_callback.as_deref().unwrap()));
    standin.wait_until("the delivery report", |s| s.callbacks().iter().any(|c| c.answered == 204)).await;
    finish(&app, &six_digits(&message.body).unwrap(), &mut secrets).await;

    let (user, (national, e164), _) = someone("called");
    secrets.phone(&e164, &national);
    assert_eq!(begin(&app, &user, &mut secrets).await, "/methods");
    register_phone(&app, "call", &national).await;
    standin.wait_until("the call completed", |s| s.calls().iter().any(|c| c.to == e164 && c.status == "completed")).await;
    let call = standin.calls().into_iter().find(|c| c.to == e164).unwrap();
    secrets.add("a delivery token", token_of(&call.url));
    finish(&app, &call.digits_heard[..6], &mut secrets).await;

    recording.assert_none_of(&secrets);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twilio_verify_logs_nothing_secret() {
    let recording = Recording::start();
    let mut secrets = Secrets::default();
    let (app, standin, _) = verify_portal_with(|_| {}).await;
    secrets.keys_of(&app);

    let (user, (national, e164), address) = someone("verify");
    secrets.phone(&e164, &national);
    secrets.email(&address);
    assert_eq!(begin(&app, &user, &mut secrets).await, "/methods");
    register_phone(&app, "sms", &national).await;
    finish(&app, &standin.verify_sends().pop().unwrap().code, &mut secrets).await;
    app.advance(31);
    assert_eq!(begin(&app, &user, &mut secrets).await, "/methods");
    register_email(&app, &address).await;
    confirm(&app, &standin.verify_sends().pop().unwrap().code, &mut secrets).await;
    finish(&app, &standin.verify_sends().pop().unwrap().code, &mut secrets).await;

    recording.assert_none_of(&secrets);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_logs_nothing_secret() {
    let recording = Recording::start();
    let mut secrets = Secrets::default();
    let folder = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(folder.path()).await;
    let app = portal_with_smtp(smtp.url()).await;
    secrets.keys_of(&app);

    let (user, _, address) = someone("mailed");
    secrets.email(&address);
    assert_eq!(begin(&app, &user, &mut secrets).await, "/methods");
    register_email(&app, &address).await;
    let raw = smtp.wait_for_message().await;
    let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
    let code = six_digits(&message.body_text(0).unwrap()).unwrap();
    finish(&app, &code, &mut secrets).await;

    recording.assert_none_of(&secrets);
}

#[test]
fn a_secret_is_found_whole_and_not_inside_a_longer_number() {
    assert!(contains_whole("code=123456 sent", "123456"));
    assert!(!contains_whole("at=1800123456", "123456"));
    assert!(contains_whole("token=abcdef", "abcdef"));
}

#[test]
fn a_portal_that_cannot_reach_its_database_or_redis_names_neither_password() {
    let start = |variable: &str, url: &str| {
        let dir = tempfile::tempdir().unwrap();
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_leptos-2fa"));
        command.env("TWOFA_DATA_DIR", dir.path()).env("TWOFA_DATABASE_URL", format!("sqlite://{}/portal.db", dir.path().display()));
        let output = command.env(variable, url).env("LEPTOS_SITE_ADDR", "127.0.0.1:0").output().unwrap();
        assert!(!output.status.success(), "{variable}: the portal must not start");
        String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
    };
    // Port 1: nothing listens there.
    for (variable, url) in [
        ("TWOFA_DATABASE_URL", "postgres://twofa:pg-password-42@127.0.0.1:1/twofa"),
        ("TWOFA_REDIS_URL", "redis://:redis-password-42@127.0.0.1:1"),
        ("TWOFA_REDIS_URL", "not a URL :redis-password-42@"),
    ] {
        let said = start(variable, url);
        assert!(said.contains("cannot start"), "{said}");
        assert!(!said.contains("password-42"), "{variable}: {said}");
    }
}
