//! Two portal processes behind one address, as a load balancer without sticky sessions runs
//! them: one PostgreSQL database (and, in the run that names one, one Redis for the sessions),
//! the same secrets and public URL, nothing else shared (each its own data folder and outbox).
//! Whatever one portal started, the other finishes; whatever one counted, the other sees; a
//! portal killed with SIGKILL loses nothing.

use leptos_2fa::handoff::{ClientKeys, REQUEST_AUDIENCE, RequestClaims};
use leptos_2fa::testing::UnixTime;
use reqwest::header::{ACCEPT, AUTHORIZATION, RETRY_AFTER};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::support::{self, BROWSER_ACCEPT, fresh_mobile, location};

const SECRET_KEY: &str = "instances-secret-key-shared-by-every-portal-0123";
const CLIENT_SECRET: &str = "instances-client-secret-shared-by-every-portal-01";
const API_KEY: &str = "instances-api-key-shared-by-every-portal-012345";
/// The one address users see, whichever portal answers.
const PUBLIC_URL: &str = "http://twofa.test";

/// A portal process, killed with SIGKILL when dropped.
struct Portal {
    base: String,
    process: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Portal {
    fn drop(&mut self) {
        self.process.kill().ok();
        self.process.wait().ok();
    }
}

impl Portal {
    async fn start(database_url: &str, settings: &[(&str, &str)]) -> Portal {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_leptos-2fa"));
        command
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_OUTPUT_NAME", "leptos-2fa")
            .env("LEPTOS_SITE_ROOT", "target/site")
            .env("TWOFA_DATABASE_URL", database_url)
            .env("TWOFA_DATA_DIR", dir.path())
            .env("TWOFA_PUBLIC_URL", PUBLIC_URL)
            .env("TWOFA_SECRET_KEY", SECRET_KEY)
            .env("TWOFA_CLIENT_SECRET", CLIENT_SECRET)
            .env("TWOFA_API_KEY", API_KEY)
            .env("TWOFA_ALLOWED_RETURN_ORIGINS", "https://app.example")
            .env("TWOFA_LOG", "warn")
            .stdout(Stdio::null());
        if let Ok(redis) = std::env::var("TWOFA_TEST_REDIS_URL") {
            command.env("TWOFA_REDIS_URL", redis);
        }
        for (name, value) in settings {
            command.env(name, value);
        }
        let portal = Portal { base: format!("http://127.0.0.1:{port}"), process: command.spawn().unwrap(), _dir: dir };
        let probe = reqwest::Client::new();
        for _ in 0..300 {
            if probe.get(format!("{}/healthz", portal.base)).send().await.is_ok_and(|r| r.status().is_success()) {
                return portal;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the portal on port {port} did not start");
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The codes this portal's console gateway sent to `to`, newest first.
    async fn codes_sent_to(&self, to: &str) -> Vec<String> {
        let outbox: Vec<Value> = reqwest::get(self.url("/dev/outbox?format=json")).await.unwrap().json().await.unwrap();
        outbox
            .iter()
            .filter(|entry| entry["to"] == to)
            .filter_map(|entry| entry["body"].as_str()?.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 6).map(str::to_owned))
            .collect()
    }
}

/// Two portals on one shared database; the suite's PostgreSQL server is required.
async fn two_portals(settings: &[(&str, &str)]) -> (Portal, Portal) {
    let server = std::env::var("TWOFA_TEST_POSTGRES")
        .expect("the tests of several portals need PostgreSQL: run them with `make unit` (TWOFA_TEST_POSTGRES)");
    let name = tempfile::tempdir().unwrap();
    let database_url = support::postgres_database(&server, name.path()).await;
    let first = Portal::start(&database_url, settings).await;
    let second = Portal::start(&database_url, settings).await;
    (first, second)
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// A browser with its cookie, talking to whichever portal the test names, always under the
/// one public address (its `Origin`).
struct Browser {
    client: reqwest::Client,
}

impl Browser {
    fn new() -> Self {
        Browser { client: support::browser_client(PUBLIC_URL) }
    }

    async fn begin(&self, on: &Portal, user: &str) -> (String, RequestClaims) {
        let claims = RequestClaims {
            sub: user.to_owned(),
            return_url: "https://app.example/after-2fa".to_owned(),
            nonce: format!("nonce-{user}-{}", now()),
            exp: now() + 300,
            aud: REQUEST_AUDIENCE.to_owned(),
            phone: None,
            email: None,
            app_name: None,
        };
        let token = ClientKeys::new(&CLIENT_SECRET.to_owned().into()).sign_request(&claims);
        let response = self.client.get(on.url(&format!("/start?request={token}"))).header(ACCEPT, BROWSER_ACCEPT).send().await.unwrap();
        (location(&response), claims)
    }

    async fn post_form(&self, on: &Portal, path: &str, fields: &[(&str, &str)]) -> String {
        let response = self.client.post(on.url(path)).header(ACCEPT, BROWSER_ACCEPT).form(fields).send().await.unwrap();
        assert!(response.status().is_redirection(), "POST {path} answered {}", response.status());
        location(&response)
    }

    async fn page(&self, on: &Portal, path: &str) -> String {
        let response = self.client.get(on.url(path)).header(ACCEPT, BROWSER_ACCEPT).header("accept-language", "en").send().await.unwrap();
        assert_eq!(response.status(), 200, "GET {path}");
        support::visible_text(&response.text().await.unwrap())
    }
}

/// An API call as the relying application makes it: status, `Retry-After` and answer.
async fn api(on: &Portal, path: &str, body: Value) -> (u16, Option<String>, Value) {
    let response = reqwest::Client::new()
        .post(on.url(path))
        .header(AUTHORIZATION, format!("Bearer {API_KEY}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let retry_after = response.headers().get(RETRY_AFTER).map(|v| v.to_str().unwrap().to_owned());
    (response.status().as_u16(), retry_after, response.json().await.unwrap())
}

async fn send(on: &Portal, user: &str, phone: &str) -> (u16, Value) {
    let (status, _, answer) = api(on, "/api/v1/send", json!({"user_id": user, "method": "sms", "phone_number": phone})).await;
    (status, answer)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verification_started_on_one_portal_is_finished_on_the_other() {
    let (first, second) = two_portals(&[]).await;
    let browser = Browser::new();
    let (landing, claims) = browser.begin(&first, "ana").await;
    assert_eq!(landing, "/methods");
    assert_eq!(browser.post_form(&second, "/api/choose_method", &[("channel", "sms")]).await, "/phone");
    let (national, e164) = fresh_mobile();
    assert_eq!(browser.post_form(&first, "/api/register_phone", &[("country", "FR"), ("number", &national)]).await, "/verify");
    let token_page = browser.page(&second, "/verify").await;
    assert!(token_page.contains("Enter the 6-digit code from the text message"), "{token_page}");

    let code = first.codes_sent_to(&e164).await.remove(0);
    assert_eq!(browser.post_form(&second, "/api/check_code", &[("code", &code)]).await, "/success");
    let back = url::Url::parse(&browser.post_form(&first, "/finish", &[]).await).unwrap();
    let result = back.query_pairs().find(|(name, _)| name == "result").unwrap().1.into_owned();
    let result = ClientKeys::new(&CLIENT_SECRET.to_owned().into()).verify_result(&result, UnixTime(now())).unwrap();
    assert_eq!((result.sub.as_str(), result.nonce.as_str()), ("ana", claims.nonce.as_str()));
    assert_eq!(browser.post_form(&second, "/finish", &[]).await, "/", "the result was issued once, by either portal");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_limit_reached_through_one_portal_holds_on_the_other() {
    let (first, second) = two_portals(&[("TWOFA_MAX_SENDS", "2"), ("TWOFA_RESEND_COOLDOWN_SECS", "0")]).await;
    let (_, phone) = fresh_mobile();
    for _ in 0..2 {
        assert_eq!(send(&first, "bo", &phone).await.0, 200);
    }
    let (refused_there, answer_there) = send(&second, "bo", &phone).await;
    let (refused_here, answer_here) = send(&first, "bo", &phone).await;
    assert_eq!((refused_there, refused_here), (429, 429), "{answer_there} {answer_here}");
    assert_eq!(answer_there["error_code"], answer_here["error_code"]);
    let (_, other_phone) = fresh_mobile();
    assert_eq!(send(&second, "cy", &other_phone).await.0, 200, "the second portal itself sends");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_racing_through_both_portals_never_pass_one_limit_twice() {
    let (first, second) = two_portals(&[("TWOFA_MAX_SENDS", "2"), ("TWOFA_RESEND_COOLDOWN_SECS", "0")]).await;
    let (_, phone) = fresh_mobile();
    let request = |on: &Portal| {
        reqwest::Client::new()
            .post(on.url("/api/v1/send"))
            .header(AUTHORIZATION, format!("Bearer {API_KEY}"))
            .json(&json!({"user_id": "fay", "method": "sms", "phone_number": phone}))
    };
    let statuses = support::statuses_in_parallel((0..8).map(|n| request(if n % 2 == 0 { &first } else { &second }))).await;
    assert_eq!(statuses.iter().filter(|status| **status == 200).count(), 2, "{statuses:?}");
    assert!(statuses.iter().all(|status| [200, 429].contains(status)), "{statuses:?}");
    let sent = first.codes_sent_to(&phone).await.len() + second.codes_sent_to(&phone).await.len();
    assert_eq!(sent, 2, "no code left beyond the limit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_out_reached_through_one_portal_holds_on_the_other() {
    let (first, second) = two_portals(&[("TWOFA_LOCKOUT_FREE_FAILURES", "1"), ("TWOFA_LOCKOUT_AFTER", "2")]).await;
    let (_, phone) = fresh_mobile();
    let (status, sent) = send(&first, "di", &phone).await;
    assert_eq!(status, 200, "{sent}");
    let id = sent["verification_id"].as_str().unwrap();
    let code = first.codes_sent_to(&phone).await.remove(0);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let check = |on, code: &str| api(on, "/api/v1/verify", json!({"user_id": "di", "verification_id": id, "code": code}));
    let (status, _, answer) = check(&first, wrong).await;
    assert_eq!((status, answer["verified"].as_bool()), (200, Some(false)), "{answer}");
    let (status, wait, answer) = check(&second, &code).await;
    assert_eq!((status, answer["error_code"].as_str()), (429, Some("too_many_failed_checks")), "even the right code waits: {answer}");
    assert!(wait.is_some_and(|seconds| seconds.parse::<u64>().unwrap() > 0));

    // The wait over, a second wrong code, on the other portal, locks the user out on both.
    tokio::time::sleep(Duration::from_secs(31)).await;
    let (status, _, answer) = check(&second, wrong).await;
    assert_eq!((status, answer["verified"].as_bool()), (200, Some(false)), "{answer}");
    for portal in [&first, &second] {
        let (status, _, answer) = check(portal, &code).await;
        assert_eq!(status, 423, "locked out, whichever portal answers: {answer}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guesses_racing_through_both_portals_get_one_check_where_one_is_free() {
    let (first, second) = two_portals(&[("TWOFA_LOCKOUT_FREE_FAILURES", "1")]).await;
    let (_, phone) = fresh_mobile();
    let (status, sent) = send(&first, "gus", &phone).await;
    assert_eq!(status, 200, "{sent}");
    let code = first.codes_sent_to(&phone).await.remove(0);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let guess = json!({"user_id": "gus", "verification_id": sent["verification_id"], "code": wrong});
    let client = reqwest::Client::new();
    let guesses = (0..20).map(|n| {
        let on = if n % 2 == 0 { &first } else { &second };
        client.post(on.url("/api/v1/verify")).bearer_auth(API_KEY).json(&guess)
    });
    let answers = support::statuses_in_parallel(guesses).await;
    let checked = answers.iter().filter(|status| **status == 200).count();
    let waiting = answers.iter().filter(|status| **status == 429).count();
    assert_eq!((checked, waiting), (1, 19), "one guess is checked, the others wait: {answers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portal_killed_mid_flow_loses_nothing() {
    let (first, second) = two_portals(&[]).await;
    let browser = Browser::new();
    assert_eq!(browser.begin(&first, "ed").await.0, "/methods");
    assert_eq!(browser.post_form(&first, "/api/choose_method", &[("channel", "sms")]).await, "/phone");
    let (national, e164) = fresh_mobile();
    assert_eq!(browser.post_form(&first, "/api/register_phone", &[("country", "FR"), ("number", &national)]).await, "/verify");
    let code = first.codes_sent_to(&e164).await.remove(0);
    drop(first);

    let token_page = browser.page(&second, "/verify").await;
    assert!(token_page.contains(&e164[e164.len() - 2..]), "the session and its code survive: {token_page}");
    assert_eq!(browser.post_form(&second, "/api/check_code", &[("code", &code)]).await, "/success");
    let back = browser.post_form(&second, "/finish", &[]).await;
    assert!(back.starts_with("https://app.example/after-2fa?result="), "{back}");
}

/// A Redis server of the test's own, on a free port, stopped when dropped.
struct OwnRedis {
    url: String,
    process: Child,
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.process.kill().ok();
        self.process.wait().ok();
    }
}

impl OwnRedis {
    async fn start() -> OwnRedis {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let process = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string(), "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server (make unit installs it)");
        // Owned from here, so that even a failed start stops the process.
        let redis = OwnRedis { url: format!("redis://127.0.0.1:{port}"), process };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return redis;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("redis-server did not start on port {port}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portal_whose_redis_is_gone_tells_the_load_balancer() {
    let redis = OwnRedis::start().await;
    let url = redis.url.clone();
    let clock = leptos_2fa::testing::FakeClock::at(support::START);
    let app = support::spawn_app_with(std::sync::Arc::new(tempfile::tempdir().unwrap()), clock, |settings| {
        settings.redis_url = Some(url.into());
    })
    .await;
    let health = || async { reqwest::get(app.url("/healthz")).await.unwrap().status().as_u16() };
    assert_eq!(health().await, 200);
    assert_eq!(app.begin("gil").await, "/methods", "the session lives in Redis");
    drop(redis);
    assert_eq!(health().await, 503, "sessions are unavailable: send users elsewhere");
}
