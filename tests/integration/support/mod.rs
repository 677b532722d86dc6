//! A real portal on 127.0.0.1 with its own database, a fake clock and a cookie-keeping client.
//!
//! The suite runs once per backend (`make test`): on an SQLite file in each test's folder, and,
//! when `TWOFA_TEST_DATABASE_URL` names a PostgreSQL server, on a database of each test's own
//! there, with sessions in Redis when `TWOFA_TEST_REDIS_URL` names one.

#![allow(dead_code)]

use leptos::config::LeptosOptions;
use leptos_2fa::config::Settings;
use leptos_2fa::testing::{FakeClock, UnixTime};
use leptos_2fa::handoff::{REQUEST_AUDIENCE, RequestClaims};
use leptos_2fa::web::AppState;
use reqwest::header::{ACCEPT, LOCATION};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tempfile::TempDir;

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub clock: FakeClock,
    pub dir: Arc<TempDir>,
}

/// What a browser sends: leptos_axum redirects with a 302 only when HTML is accepted.
pub const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,*/*;q=0.8";

pub const START: UnixTime = UnixTime(1_800_000_000);

pub async fn spawn_app() -> TestApp {
    spawn_app_in(Arc::new(tempfile::tempdir().unwrap()), FakeClock::at(START)).await
}

/// Starts a portal on a database folder: a second call on the same folder is a restart.
pub async fn spawn_app_in(dir: Arc<TempDir>, clock: FakeClock) -> TestApp {
    spawn_app_with(dir, clock, |_| {}).await
}

/// Starts a portal whose settings `configure` adjusts (the gateway, its provider's URL, ...).
pub async fn spawn_app_with(dir: Arc<TempDir>, clock: FakeClock, configure: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_serving(("target/site", false), dir, clock, configure).await
}

/// As `spawn_app_with`, serving the built site (`/pkg`) from `site.0`, whose files' names carry
/// content hashes if `site.1`.
pub async fn spawn_app_serving(site: (&str, bool), dir: Arc<TempDir>, clock: FakeClock, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let (site_root, hash_files) = site;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let mut settings = Settings {
        database_url: database_url(dir.path()).await,
        redis_url: std::env::var("TWOFA_TEST_REDIS_URL").ok().map(Into::into),
        data_dir: dir.path().to_owned(),
        public_url: format!("http://{address}").parse().unwrap(),
        allowed_return_origins: vec!["https://app.example".parse().unwrap()],
        ..Settings::default()
    };
    configure(&mut settings);
    let options =
        LeptosOptions::builder().output_name("leptos-2fa").site_root(site_root).hash_files(hash_files).site_addr(address).build();
    let state = AppState::build_with_clock(settings, options, Arc::new(clock.clone())).await.unwrap();
    let router = leptos_2fa::web::router(state.clone());
    let settings = state.application.settings.clone();
    tokio::spawn(async move { leptos_2fa::web::serve(listener, router, &settings, std::future::pending()).await });
    let base = format!("http://{address}");
    TestApp { client: browser_client(&base), base, state, clock, dir }
}

/// A browser-like client with its own cookie jar, which does not follow redirects.
pub fn cookie_client() -> reqwest::Client {
    client_builder().build().unwrap()
}

/// A client on the portal's own pages: as a browser does, it says so in `Origin` on every
/// request (the CSRF defence checks it on those that change something).
pub fn browser_client(base: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::ORIGIN, base.parse().unwrap());
    client_builder().default_headers(headers).build().unwrap()
}

fn client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        // A stuck request fails its test instead of holding up the whole run.
        .timeout(Duration::from_secs(20))
}

static NEXT_NUMBER: AtomicU64 = AtomicU64::new(0);

/// A French mobile number (in the allocated 06 12 range) unused by other tests in this process.
pub fn fresh_mobile() -> (String, String) {
    let n = NEXT_NUMBER.fetch_add(1, Ordering::SeqCst) + u64::from(std::process::id() % 1000) * 1000;
    let digits = format!("{:06}", n % 1_000_000);
    (format!("0612{digits}"), format!("+33612{digits}"))
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn request_claims(&self, user: &str, phone: Option<&str>) -> RequestClaims {
        RequestClaims {
            sub: user.to_owned(),
            return_url: "https://app.example/after-2fa?state=abc".to_owned(),
            nonce: format!("nonce-{user}-{}", NEXT_NUMBER.fetch_add(1, Ordering::SeqCst)),
            exp: self.clock_now() + 300,
            aud: REQUEST_AUDIENCE.to_owned(),
            phone: phone.map(str::to_owned),
            email: None,
            app_name: Some("Acme Mail".to_owned()),
        }
    }

    pub fn clock_now(&self) -> i64 {
        use leptos_2fa::testing::Clock;
        self.clock.now().0
    }

    /// Follows `/start` with a signed request; returns where the portal sends the user.
    pub async fn begin_with(&self, claims: &RequestClaims) -> String {
        let token = self.state.application.client_keys.sign_request(claims);
        self.get_location(&format!("/start?request={token}")).await
    }

    pub async fn begin(&self, user: &str) -> String {
        self.begin_with(&self.request_claims(user, None)).await
    }

    pub async fn get_location(&self, path: &str) -> String {
        let response = self.client.get(self.url(path)).header(ACCEPT, BROWSER_ACCEPT).send().await.unwrap();
        assert!(response.status().is_redirection(), "GET {path} answered {}", response.status());
        location(&response)
    }

    /// A plain form post, as a browser without JavaScript sends it; returns the redirect target.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> String {
        let response = self
            .client
            .post(self.url(path))
            .header(ACCEPT, BROWSER_ACCEPT)
            // This portal's own origin, even with a client carried over from another (a restart).
            .header(reqwest::header::ORIGIN, &self.base)
            .form(fields)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_redirection(), "POST {path} answered {}", response.status());
        location(&response)
    }

    /// A page as the browser gets it: status and HTML.
    pub async fn page(&self, path: &str) -> (reqwest::StatusCode, String) {
        let response = self
            .client
            .get(self.url(path))
            .header(ACCEPT, BROWSER_ACCEPT)
            .header("accept-language", "en")
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }

    pub async fn page_text(&self, path: &str) -> String {
        let (status, body) = self.page(path).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// Codes the console gateway sent to `to`, newest first.
    pub fn codes_sent_to(&self, to: &str) -> Vec<String> {
        self.state
            .application.outbox
            .as_ref()
            .unwrap()
            .entries()
            .into_iter()
            .filter(|entry| entry.to == to)
            .filter_map(|entry| entry.body.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 6).map(str::to_owned))
            .collect()
    }

    pub fn latest_code(&self, to: &str) -> String {
        self.codes_sent_to(to).into_iter().next().expect("a code was sent")
    }

    pub fn advance(&self, seconds: u64) {
        self.clock.advance(Duration::from_secs(seconds));
    }

    /// Signs in `user`, registers a fresh mobile by SMS and lands on the token page.
    pub async fn reach_token_page(&self, user: &str) -> String {
        self.reach_token_page_by(user, "sms").await
    }

    /// As `reach_token_page`, with the code sent by `channel` (sms or call).
    pub async fn reach_token_page_by(&self, user: &str, channel: &str) -> String {
        assert_eq!(self.begin(user).await, "/methods");
        assert_eq!(self.post_form("/api/choose_method", &[("channel", channel)]).await, "/phone");
        let (national, e164) = fresh_mobile();
        assert_eq!(self.post_form("/api/register_phone", &[("country", "FR"), ("number", &national)]).await, "/verify");
        e164
    }
}

/// Sends `requests` all at once; their statuses, in no particular order.
pub async fn statuses_in_parallel(requests: impl IntoIterator<Item = reqwest::RequestBuilder>) -> Vec<u16> {
    let mut sent = tokio::task::JoinSet::new();
    for request in requests {
        sent.spawn(async move { request.send().await.unwrap().status().as_u16() });
    }
    sent.join_all().await
}

pub fn location(response: &reqwest::Response) -> String {
    response.headers().get(LOCATION).expect("a Location header").to_str().unwrap().to_owned()
}

/// The HTML with tags removed and whitespace collapsed, for assertions on visible text.
pub fn visible_text(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&#x27;", "'").replace("&amp;", "&").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The database of a portal whose data lives in `dir`: the same on every call, so that a second
/// portal on the same folder is a restart.
pub async fn database_url(dir: &std::path::Path) -> String {
    match std::env::var("TWOFA_TEST_DATABASE_URL") {
        Ok(server) if server.starts_with("postgres") => postgres_database(&server, dir).await,
        _ => format!("sqlite://{}/portal.db", dir.display()),
    }
}

/// A database of its own on the PostgreSQL `server`, named after `dir`, created when missing.
pub async fn postgres_database(server: &str, dir: &std::path::Path) -> String {
    use sqlx::Connection;
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    dir.hash(&mut hasher);
    let name = format!("t_{:016x}", hasher.finish());
    let mut admin = sqlx::PgConnection::connect(server).await.expect("the test PostgreSQL server answers");
    if let Err(error) = sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await {
        let exists = error.as_database_error().and_then(|e| e.code()).is_some_and(|code| code == "42P04");
        assert!(exists, "cannot create the test database: {error}");
    }
    let mut url = url::Url::parse(server).unwrap();
    url.set_path(&name);
    url.to_string()
}

/// Direct access to a portal's database, for what only its rows can show.
pub enum Database {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Database {
    pub async fn of(app: &TestApp) -> Self {
        let url = &app.state.application.settings.database_url;
        match url.starts_with("postgres") {
            true => Database::Postgres(sqlx::PgPool::connect(url).await.unwrap()),
            false => Database::Sqlite(sqlx::SqlitePool::connect(url).await.unwrap()),
        }
    }

    /// The texts `sql` selects, one column.
    pub async fn texts(&self, sql: &str) -> Vec<String> {
        match self {
            Database::Sqlite(pool) => sqlx::query_scalar(sql).fetch_all(pool).await.unwrap(),
            Database::Postgres(pool) => sqlx::query_scalar(sql).fetch_all(pool).await.unwrap(),
        }
    }

    /// The one number `sql` selects (cast it to BIGINT: PostgreSQL's functions answer in INTEGER).
    pub async fn number(&self, sql: &str) -> Option<i64> {
        match self {
            Database::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
            Database::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
        }
    }

    /// Runs `sql` with text parameters.
    pub async fn execute(&self, sql: &str, texts: &[&str]) {
        match self {
            Database::Sqlite(pool) => {
                let query = texts.iter().fold(sqlx::query(sql), |query, text| query.bind(*text));
                query.execute(pool).await.unwrap();
            }
            Database::Postgres(pool) => {
                let query = texts.iter().fold(sqlx::query(sql), |query, text| query.bind(*text));
                query.execute(pool).await.unwrap();
            }
        }
    }

    /// The bytes the database takes on disk (for SQLite, once the write-ahead log is folded in:
    /// a checkpoint between two measurements would otherwise move bytes from one file to another).
    pub async fn bytes(&self, app: &TestApp) -> u64 {
        match self {
            Database::Sqlite(pool) => {
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(pool).await.unwrap();
                ["portal.db", "portal.db-wal"]
                    .iter()
                    .filter_map(|name| std::fs::metadata(app.dir.path().join(name)).ok())
                    .map(|metadata| metadata.len())
                    .sum()
            }
            Database::Postgres(pool) => {
                let bytes: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())").fetch_one(pool).await.unwrap();
                bytes as u64
            }
        }
    }

    /// The plan of `sql`, one step per line, with sequential scans ruled out on PostgreSQL: what
    /// it shows is whether an index can serve the query, not what a planner picks for ten rows.
    pub async fn plan(&self, sql: &str) -> Vec<String> {
        match self {
            Database::Sqlite(pool) => {
                let steps = sqlx::query(&format!("EXPLAIN QUERY PLAN {sql}")).fetch_all(pool).await.unwrap();
                steps.iter().map(|step| sqlx::Row::get(step, "detail")).collect()
            }
            Database::Postgres(pool) => {
                let mut connection = pool.acquire().await.unwrap();
                sqlx::query("SET enable_seqscan = off").execute(&mut *connection).await.unwrap();
                sqlx::query_scalar(&format!("EXPLAIN {sql}")).fetch_all(&mut *connection).await.unwrap()
            }
        }
    }
}
