//! Signed webhooks to the relying application: each event arrives signed, a refused delivery is
//! retried, and a receiver that does not answer holds up nobody's verification.

use crate::support;

use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use std::sync::{Arc, Mutex};
use support::{START, spawn_app_with};

const SECRET: &str = "relying-application-webhook-secret-0123";

#[derive(Default)]
struct Received {
    deliveries: Vec<(HeaderMap, Vec<u8>)>,
    refused_one: bool,
}

/// The relying application's endpoint: it answers nothing until released, then refuses the
/// first delivery with a 500 and takes the rest.
async fn receiver() -> (String, Arc<Mutex<Received>>, tokio::sync::watch::Sender<bool>) {
    let received = Arc::new(Mutex::new(Received::default()));
    let (release, released) = tokio::sync::watch::channel(false);
    let state = (received.clone(), released);
    let router = axum::Router::new()
        .route(
            "/hooks/2fa",
            axum::routing::post(
                |axum::extract::State((received, mut released)): axum::extract::State<(
                    Arc<Mutex<Received>>,
                    tokio::sync::watch::Receiver<bool>,
                )>,
                 headers: HeaderMap,
                 body: axum::body::Bytes| async move {
                    released.wait_for(|open| *open).await.ok();
                    let mut received = received.lock().unwrap();
                    received.deliveries.push((headers, body.to_vec()));
                    if received.refused_one {
                        StatusCode::NO_CONTENT
                    } else {
                        received.refused_one = true;
                        StatusCode::INTERNAL_SERVER_ERROR
                    }
                },
            ),
        )
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/2fa", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, received, release)
}

/// The signature as the README tells a receiver to compute it.
fn expected_signature(timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_reaches_the_application_signed_and_a_refusal_is_retried() {
    let (url, received, release) = receiver().await;
    let app = spawn_app_with(Arc::new(tempfile::tempdir().unwrap()), leptos_2fa::testing::FakeClock::at(START), |settings| {
        settings.webhook_url = Some(url.parse().unwrap());
        settings.webhook_secret = Some(SECRET.to_owned().into());
    })
    .await;

    // The whole verification, while the application's endpoint answers nothing.
    let e164 = app.reach_token_page("ada").await;
    let code = app.latest_code(&e164);
    assert_eq!(app.post_form("/api/check_code", &[("code", &code)]).await, "/success");
    assert!(received.lock().unwrap().deliveries.is_empty());

    release.send(true).unwrap();
    let wanted = ["verification_sent", "verification_status_changed", "verification_success", "user_data_changed"];
    let mut events: Vec<Value> = Vec::new();
    for _ in 0..200 {
        let deliveries = received.lock().unwrap().deliveries.clone();
        events = deliveries.iter().map(|(_, body)| serde_json::from_slice(body).unwrap()).collect();
        let distinct = wanted.iter().filter(|name| events.iter().any(|e| e["event"] == **name)).count();
        if distinct == wanted.len() && deliveries.len() > wanted.len() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let deliveries = received.lock().unwrap().deliveries.clone();
    for name in wanted {
        assert!(events.iter().any(|e| e["event"] == name), "no {name} in {events:?}");
    }
    // The refused delivery came again.
    let bodies: Vec<&Vec<u8>> = deliveries.iter().map(|(_, body)| body).collect();
    assert!(bodies.iter().enumerate().any(|(i, body)| bodies[i + 1..].contains(body)), "nothing was retried");
    for (headers, body) in &deliveries {
        let timestamp = headers["x-twofa-timestamp"].to_str().unwrap();
        assert_eq!(headers["x-twofa-signature"].to_str().unwrap(), expected_signature(timestamp, body));
    }
    let changed = events.iter().find(|e| e["event"] == "user_data_changed").unwrap();
    assert_eq!((changed["subject"].as_str(), changed["field"].as_str(), changed["value"].as_str()), (Some("ada"), Some("phone_number"), Some(e164.as_str())));
    assert!(!String::from_utf8_lossy(&deliveries.iter().flat_map(|(_, b)| b.clone()).collect::<Vec<u8>>()).contains(&code), "a code in a webhook");
}
