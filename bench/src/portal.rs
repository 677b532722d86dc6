//! A release portal started for the benchmark, and the visitors that walk through it.

use reqwest::header::{ACCEPT, HeaderMap, HeaderValue, ORIGIN};
use reqwest::cookie::Jar;
use reqwest::redirect::Policy;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::twilio::{self, Standin};

pub const CLIENT_SECRET: &str = "bench-client-secret-0123456789abcdef";
pub const API_KEY: &str = "bench-api-key-0123456789abcdef0123";
/// What a browser sends with a page request (the server fns answer it with a redirect).
const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

pub struct Portal {
    child: Child,
    pub base: String,
    database: String,
    _data: tempfile::TempDir,
    standin: Option<Arc<Standin>>,
}

impl Portal {
    /// Starts the release binary with the portal's defaults, the send limits lifted (the benchmark
    /// sends thousands of codes from one address) and `settings` on top; waits for `/healthz`.
    pub async fn start(name: &str, port: u16, target: &str, settings: &[(&str, String)], standin: Option<Arc<Standin>>) -> Arc<Portal> {
        let data = tempfile::tempdir().unwrap();
        let database = data.path().join("portal.db").display().to_string();
        let base = format!("http://127.0.0.1:{port}");
        let mut command = Command::new(format!("{target}/release/leptos-2fa"));
        command
            .env("LEPTOS_SITE_ROOT", "target/site")
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_OUTPUT_NAME", "leptos-2fa")
            .env("LEPTOS_HASH_FILES", "true")
            .env("TWOFA_PUBLIC_URL", &base)
            .env("TWOFA_DATA_DIR", data.path())
            .env("TWOFA_DATABASE_URL", format!("sqlite://{database}"))
            .env("TWOFA_CLIENT_SECRET", CLIENT_SECRET)
            .env("TWOFA_API_KEY", API_KEY)
            .env("TWOFA_LOG", "error")
            .env("TWOFA_MAX_SENDS_PER_CLIENT", "1000000")
            .env("TWOFA_MAX_SENDS_PER_PREFIX", "1000000")
            .env("TWOFA_MAX_SENDS_PER_HOUR", "1000000")
            .env("TWOFA_CONVERSION_ACTION", "report")
            .env("TWOFA_MAX_ATTEMPTS", "10")
            .env("TWOFA_ALLOWED_RETURN_ORIGINS", "https://app.example")
            .stdout(Stdio::null());
        for (key, value) in settings {
            command.env(key, value);
        }
        let child = command.spawn().unwrap_or_else(|error| panic!("start the {name} portal ({target}/release/leptos-2fa): {error}"));
        let portal = Arc::new(Portal { child, base, database, _data: data, standin });
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if client.get(portal.url("/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
                return portal;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the {name} portal did not come up on {}", portal.base);
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn proc_status(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|line| line.starts_with(field)).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    pub fn rss_kib(&self) -> u64 {
        self.proc_status("VmRSS:")
    }

    pub fn peak_rss_kib(&self) -> u64 {
        self.proc_status("VmHWM:")
    }

    /// The newest code sent to `to`: from the console gateway's outbox, or the stand-in's texts.
    pub async fn latest_code(&self, client: &reqwest::Client, to: &str) -> Option<String> {
        let body = match &self.standin {
            Some(standin) => standin.message_to(to).await?.body,
            None => {
                let url = self.url(&format!("/dev/outbox?format=json&to={}", to.replace('+', "%2B")));
                let entries: Vec<serde_json::Value> = client.get(url).send().await.ok()?.json().await.ok()?;
                entries.first()?.get("body")?.as_str()?.to_owned()
            }
        };
        body.split(|c: char| !c.is_ascii_digit()).find(|word| word.len() == 6).map(str::to_owned)
    }

    /// Stores `count` more pending verifications, each of a user of its own, copies of one the
    /// load left, as a busy portal would hold them (straight into its database: sending that
    /// many codes would take the whole run).
    pub async fn store_pending_verifications(&self, count: u64) {
        use sqlx::Connection;
        let mut db = sqlx::SqliteConnection::connect(&format!("sqlite://{}", self.database)).await.unwrap();
        let plans: [Copies; 2] = [
            (
                "users",
                "SELECT * FROM users WHERE id = (SELECT subject FROM verifications LIMIT 1)",
                &[("id", "'bench-user-' || n.i")],
            ),
            (
                "verifications",
                "SELECT * FROM verifications LIMIT 1",
                &[
                    ("id", "'bench-' || n.i"),
                    ("subject", "'bench-user-' || n.i"),
                    ("status", "'pending'"),
                    ("expires_at", "expires_at + 86400"),
                ],
            ),
        ];
        for (table, template, changed) in plans {
            let columns = table_columns(&mut db, table).await;
            let values: Vec<String> = columns
                .iter()
                .map(|column| changed.iter().find(|(c, _)| c == column).map(|(_, v)| (*v).to_owned()).unwrap_or_else(|| format!("t.{column}")))
                .collect();
            let insert = format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) \
                 INSERT INTO {table} ({}) SELECT {} FROM n, ({template}) AS t",
                columns.join(", "),
                values.join(", ")
            );
            sqlx::query(&insert).execute(&mut db).await.unwrap();
        }
    }
}

/// Rows to add to `table`: copies of the row `template` selects, with the columns that change
/// (SQL over the copy's number `n.i`).
type Copies = (&'static str, &'static str, &'static [(&'static str, &'static str)]);

async fn table_columns(db: &mut sqlx::SqliteConnection, table: &str) -> Vec<String> {
    use sqlx::Row;
    sqlx::query(&format!("SELECT name FROM pragma_table_info('{table}')"))
        .fetch_all(db)
        .await
        .unwrap()
        .iter()
        .map(|row| row.get::<String, _>(0))
        .collect()
}

impl Drop for Portal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The Twilio portal's settings: Messaging + Voice with our own codes, against the stand-in.
pub fn twilio_settings(standin: &str) -> Vec<(&'static str, String)> {
    vec![
        ("TWOFA_GATEWAY", "twilio".into()),
        ("TWOFA_METHODS", "sms,call".into()),
        ("TWOFA_TWILIO_ACCOUNT_SID", twilio::ACCOUNT_SID.into()),
        ("TWOFA_TWILIO_AUTH_TOKEN", twilio::AUTH_TOKEN.into()),
        ("TWOFA_TWILIO_FROM", "+15005550006".into()),
        ("TWOFA_TWILIO_API_URL", standin.into()),
    ]
}

/// One browser: its own cookies, never following redirects (each step's answer is one).
pub struct Visitor {
    pub client: reqwest::Client,
    jar: Arc<Jar>,
}

impl Visitor {
    pub fn new(portal: &Portal) -> Visitor {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static(BROWSER_ACCEPT));
        headers.insert(ORIGIN, HeaderValue::from_str(&portal.base).unwrap());
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(Policy::none())
            .default_headers(headers)
            .pool_max_idle_per_host(1)
            .build()
            .unwrap();
        Visitor { client, jar }
    }

    /// `/start` with a request signed for a new user, as a relying application sends users.
    pub async fn start(&self, portal: &Portal, user: &str) -> Option<String> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        let claims = serde_json::json!({
            "sub": user,
            "return_url": "https://app.example/back",
            "nonce": unique("nonce"),
            "exp": now + 300,
            "aud": "leptos-2fa/request",
        });
        let key = jsonwebtoken::EncodingKey::from_secret(CLIENT_SECRET.as_bytes());
        let request = jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &key).unwrap();
        self.step(self.client.get(portal.url(&format!("/start?request={request}")))).await
    }

    /// A form post; the page it leads to.
    pub async fn post(&self, portal: &Portal, path: &str, fields: &[(&str, &str)]) -> Option<String> {
        self.step(self.client.post(portal.url(path)).form(fields)).await
    }

    /// Where the answer leads; else its status, or why there was none.
    async fn step(&self, request: reqwest::RequestBuilder) -> Option<String> {
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => return Some(format!("no answer ({error})")),
        };
        let location = response.headers().get("location").and_then(|value| value.to_str().ok());
        Some(location.map(str::to_owned).unwrap_or_else(|| format!("status {}", response.status())))
    }

    /// Starts a flow for a new user and asks for a text to a new number: the token page.
    /// Else the step that went elsewhere, and where.
    pub async fn reach_token_page_with(&self, portal: &Portal, phone: &Phone) -> Result<(), String> {
        let expect = |step: &str, at: Option<String>, wanted: &str| match at {
            Some(at) if at == wanted => Ok(()),
            other => Err(format!("{step} led to {other:?}, not {wanted}")),
        };
        expect("/start", self.start(portal, &unique("user")).await, "/methods")?;
        expect("choosing a text", self.post(portal, "/api/choose_method", &[("channel", "sms")]).await, "/phone")?;
        let registered = self.post(portal, "/api/register_phone", &[("country", "FR"), ("number", &phone.national)]).await;
        expect("registering a number", registered, "/verify")
    }

    pub async fn reach_token_page(&self, portal: &Portal) {
        if let Err(error) = self.reach_token_page_with(portal, &Phone::unique()).await {
            panic!("the benchmark's visitor did not reach the token page: {error}");
        }
    }

    /// The headers oha sends to be this visitor: a browser's, with its session cookie.
    pub fn oha_headers(&self, portal: &Portal) -> Vec<String> {
        use reqwest::cookie::CookieStore;
        let url = portal.base.parse().unwrap();
        let cookies = self.jar.cookies(&url).expect("the visitor holds a session");
        vec![format!("Accept: {BROWSER_ACCEPT}"), format!("Cookie: {}", cookies.to_str().unwrap())]
    }
}

/// A French mobile number no other visitor of this run uses.
pub struct Phone {
    pub national: String,
    pub e164: String,
}

impl Phone {
    pub fn unique() -> Phone {
        // 06 12 is an allocated mobile block; much of 06 is not, and such a number is refused.
        let digits = format!("{:06}", rand::random_range(0..1_000_000u32));
        Phone { national: format!("0612{digits}"), e164: format!("+33612{digits}") }
    }
}

pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{:016x}", rand::random::<u64>())
}

/// A request as Twilio would send it: URL, headers for oha, form body.
pub struct SignedCallback {
    pub url: String,
    pub headers: Vec<String>,
    pub body: String,
}

fn signed(url: &str, fields: &[(&str, &str)]) -> SignedCallback {
    let signature = twilio::signature(url, fields);
    let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
    SignedCallback {
        url: url.to_owned(),
        headers: vec![format!("X-Twilio-Signature: {signature}"), "Content-Type: application/x-www-form-urlencoded".into()],
        body,
    }
}

/// A visitor who asked for a call: Twilio fetching the call's TwiML, as it does when the callee
/// answers (the portal answers it for as long as the code is pending).
pub async fn call_in_progress(portal: &Portal, standin: &Standin) -> SignedCallback {
    let visitor = Visitor::new(portal);
    let phone = Phone::unique();
    assert_eq!(visitor.start(portal, &unique("caller")).await.as_deref(), Some("/methods"));
    assert_eq!(visitor.post(portal, "/api/choose_method", &[("channel", "call")]).await.as_deref(), Some("/phone"));
    let at = visitor.post(portal, "/api/register_phone", &[("country", "FR"), ("number", &phone.national)]).await;
    assert_eq!(at.as_deref(), Some("/verify"));
    let call = standin.call_to(&phone.e164).await;
    signed(&call.url, &[("CallSid", call.sid.as_str()), ("AccountSid", twilio::ACCOUNT_SID), ("CallStatus", "in-progress")])
}

/// A text's status report, as Twilio posts it once the handset has it.
pub async fn status_report(portal: &Portal, standin: &Standin) -> SignedCallback {
    let visitor = Visitor::new(portal);
    let phone = Phone::unique();
    visitor.reach_token_page_with(portal, &phone).await.unwrap();
    let message = standin.message_to(&phone.e164).await.expect("the portal sent the text");
    let url = message.status_callback.expect("the portal asks for status reports");
    signed(&url, &[("MessageSid", message.sid.as_str()), ("MessageStatus", "delivered")])
}
