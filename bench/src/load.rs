//! The load: oha for requests that can repeat, a closed loop of our own for steps that cannot.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::portal::{API_KEY, Phone, Portal, Visitor, unique};

/// What a scenario measured at one concurrency.
#[derive(Debug, Default)]
pub struct Figures {
    /// Answers as expected per second.
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub answered: u64,
    /// Unexpected answers and failed requests.
    pub errors: u64,
    /// What the first of them answered.
    pub first_error: Option<String>,
}

/// oha against one URL for `duration`; any status but 2xx counts as an error.
pub async fn oha(url: &str, clients: usize, duration: Duration, headers: &[String], body: Option<&str>) -> Figures {
    let mut command = std::process::Command::new("oha");
    command.args(["--no-tui", "--output-format", "json", "-z", &format!("{}s", duration.as_secs()), "-c", &clients.to_string()]);
    for header in headers {
        command.args(["-H", header]);
    }
    if let Some(body) = body {
        command.args(["-m", "POST", "-d", body]);
    }
    command.arg(url);
    let output = tokio::task::spawn_blocking(move || command.output()).await.unwrap().expect("run oha (make bench installs it)");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("oha's JSON report");
    let seconds = report["summary"]["total"].as_f64().unwrap_or(f64::NAN);
    let (mut answered, mut errors, mut first_error) = (0, 0, None);
    for (status, count) in report["statusCodeDistribution"].as_object().into_iter().flatten() {
        let count = count.as_u64().unwrap_or(0);
        if status.starts_with('2') {
            answered += count;
        } else {
            errors += count;
            first_error.get_or_insert_with(|| format!("status {status}"));
        }
    }
    // Requests still in flight when the time is up are cut off by oha itself, not refused.
    for (error, count) in report["errorDistribution"].as_object().into_iter().flatten() {
        if !error.contains("aborted due to deadline") {
            errors += count.as_u64().unwrap_or(0);
            first_error.get_or_insert_with(|| error.clone());
        }
    }
    let latency = &report["metrics"]["latency_ms"];
    Figures {
        per_second: answered as f64 / seconds,
        p50_ms: latency["p50"].as_f64().unwrap_or(f64::NAN),
        p99_ms: latency["p99"].as_f64().unwrap_or(f64::NAN),
        answered,
        errors,
        first_error,
    }
}

/// A timed step: which one, how long it took, and whether it answered as expected (else what it answered).
type Sample = (&'static str, Duration, Result<(), String>);

/// A step that should have led to `wanted`.
fn led_to(at: Option<String>, wanted: &str) -> Result<(), String> {
    match at {
        Some(at) if at == wanted => Ok(()),
        other => Err(format!("{} instead of {wanted}", other.unwrap_or_else(|| "no answer".into()))),
    }
}

/// `clients` workers, each running `round` (untimed set-up, then timed steps) again and again
/// until `duration` is over. Returns every sample and the time it all took.
async fn closed_loop<F, Fut>(clients: usize, duration: Duration, round: F) -> (Vec<Sample>, Duration)
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Vec<Sample>> + Send,
{
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let round = round.clone();
            tokio::spawn(async move {
                let mut samples = Vec::new();
                while started.elapsed() < duration {
                    samples.extend(round().await);
                }
                samples
            })
        })
        .collect();
    let mut samples = Vec::new();
    for worker in workers {
        samples.extend(worker.await.unwrap());
    }
    (samples, started.elapsed())
}

/// The figures of one kind of step.
fn figures(samples: &[Sample], step: &str, elapsed: Duration) -> Figures {
    let of_step = || samples.iter().filter(|(kind, _, _)| *kind == step);
    let mut times: Vec<f64> = of_step().filter(|(_, _, ok)| ok.is_ok()).map(|(_, time, _)| time.as_secs_f64() * 1000.0).collect();
    times.sort_by(f64::total_cmp);
    let percentile = |p: f64| times.get(((times.len() as f64 * p).ceil() as usize).saturating_sub(1)).copied().unwrap_or(f64::NAN);
    Figures {
        per_second: times.len() as f64 / elapsed.as_secs_f64(),
        p50_ms: percentile(0.50),
        p99_ms: percentile(0.99),
        answered: times.len() as u64,
        errors: of_step().filter(|(_, _, ok)| ok.is_err()).count() as u64,
        first_error: of_step().find_map(|(_, _, ok)| ok.clone().err()),
    }
}

async fn timed<T>(step: impl Future<Output = T>) -> (Duration, T) {
    let started = Instant::now();
    let result = step.await;
    (started.elapsed(), result)
}

/// Codes a flow may get wrong before the tenth check (`TWOFA_MAX_ATTEMPTS=10`) ends it.
const WRONG_CODES_PER_FLOW: usize = 9;

/// A new flow per worker round (untimed), then nine wrong codes through the page's form.
pub async fn wrong_codes(portal: &Arc<Portal>, clients: usize, duration: Duration) -> Figures {
    let portal = portal.clone();
    let (samples, elapsed) = closed_loop(clients, duration, move || {
        let portal = portal.clone();
        async move {
            let visitor = Visitor::new(&portal);
            if let Err(error) = visitor.reach_token_page_with(&portal, &Phone::unique()).await {
                return vec![(WRONG_CODE, Duration::ZERO, Err(error))];
            }
            let mut samples = Vec::new();
            for _ in 0..WRONG_CODES_PER_FLOW {
                let wrong = format!("{:06}", rand::random_range(0..1_000_000u32));
                let (time, at) = timed(visitor.post(&portal, "/api/check_code", &[("code", &wrong)])).await;
                samples.push((WRONG_CODE, time, led_to(at, "/verify")));
            }
            samples
        }
    })
    .await;
    figures(&samples, WRONG_CODE, elapsed)
}

const WRONG_CODE: &str = "wrong code";
const CYCLE: &str = "cycle";
const API_SEND: &str = "api send";
const API_VERIFY: &str = "api verify";

/// A whole sign-in, timed from `/start` to the right code checked (reading the code included).
pub async fn cycles(portal: &Arc<Portal>, clients: usize, duration: Duration) -> Figures {
    let portal = portal.clone();
    let (samples, elapsed) = closed_loop(clients, duration, move || {
        let portal = portal.clone();
        async move {
            let (time, passed) = timed(async {
                let visitor = Visitor::new(&portal);
                let phone = Phone::unique();
                visitor.reach_token_page_with(&portal, &phone).await?;
                let code = portal.latest_code(&visitor.client, &phone.e164).await.ok_or("no code was sent")?;
                led_to(visitor.post(&portal, "/api/check_code", &[("code", &code)]).await, "/success")
            })
            .await;
            vec![(CYCLE, time, passed)]
        }
    })
    .await;
    figures(&samples, CYCLE, elapsed)
}

/// The JSON API as a relying application calls it: a code to a new number, then a wrong code.
pub async fn api(portal: &Arc<Portal>, clients: usize, duration: Duration) -> (Figures, Figures) {
    let portal = portal.clone();
    let (samples, elapsed) = closed_loop(clients, duration, move || {
        let portal = portal.clone();
        async move {
            let client = reqwest::Client::new();
            let user = unique("api");
            let phone = Phone::unique();
            let send = serde_json::json!({ "method": "sms", "user_id": user, "phone_number": phone.e164 });
            let (send_time, sent) = timed(async {
                let response = client.post(portal.url("/api/v1/send")).bearer_auth(API_KEY).json(&send).send().await.ok()?;
                let body: serde_json::Value = response.json().await.ok()?;
                body["verification_id"].as_str().map(str::to_owned)
            })
            .await;
            let Some(id) = sent else { return vec![(API_SEND, send_time, Err("no verification_id".into()))] };
            let verify = serde_json::json!({ "code": "000000", "user_id": user, "verification_id": id });
            let (verify_time, checked) = timed(async {
                let response = client.post(portal.url("/api/v1/verify")).bearer_auth(API_KEY).json(&verify).send().await.ok()?;
                let body: serde_json::Value = response.json().await.ok()?;
                body["verified"].as_bool()
            })
            .await;
            let checked = match checked {
                Some(false) => Ok(()),
                other => Err(format!("verified: {other:?}")),
            };
            vec![(API_SEND, send_time, Ok(())), (API_VERIFY, verify_time, checked)]
        }
    })
    .await;
    (figures(&samples, API_SEND, elapsed), figures(&samples, API_VERIFY, elapsed))
}
