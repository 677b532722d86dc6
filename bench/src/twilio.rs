//! The Twilio stand-in (`examples/twilio_standin`, run as its own process), read over its test
//! endpoints, and Twilio's request signature.

use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The stand-in's account, as `tests/integration/twilio_standin` declares it.
pub const ACCOUNT_SID: &str = "AC00000000000000000000000000000001";
pub const AUTH_TOKEN: &str = "standin-auth-token-0123456789";

#[derive(Debug, Deserialize)]
pub struct SentMessage {
    pub sid: String,
    pub to: String,
    pub body: String,
    pub status_callback: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct PlacedCall {
    pub sid: String,
    pub to: String,
    pub url: String,
}

pub struct Standin {
    child: Child,
    pub base_url: String,
    http: reqwest::Client,
}

impl Standin {
    pub async fn start(binary: &str, port: u16) -> Standin {
        let child = Command::new(binary)
            .env("TWILIO_STANDIN_ADDR", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("start the Twilio stand-in ({binary}): {error}"));
        let standin = Standin { child, base_url: format!("http://127.0.0.1:{port}"), http: reqwest::Client::new() };
        for _ in 0..200 {
            if standin.http.get(standin.url("/_test/messages")).send().await.is_ok() {
                return standin;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the Twilio stand-in did not come up on {}", standin.base_url);
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    async fn records<T: for<'de> Deserialize<'de>>(&self, path: &str) -> Vec<T> {
        self.http.get(self.url(path)).send().await.unwrap().json().await.unwrap()
    }

    /// The newest text to `to`, once it was sent.
    pub async fn message_to(&self, to: &str) -> Option<SentMessage> {
        for _ in 0..100 {
            let messages: Vec<SentMessage> = self.records("/_test/messages").await;
            if let Some(message) = messages.into_iter().rev().find(|m| m.to == to) {
                return Some(message);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }

    pub async fn call_to(&self, to: &str) -> PlacedCall {
        for _ in 0..100 {
            let calls: Vec<PlacedCall> = self.records("/_test/calls").await;
            if let Some(call) = calls.into_iter().find(|c| c.to == to) {
                return call;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the portal placed no call to {to}");
    }
}

impl Drop for Standin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `X-Twilio-Signature`: base64(HMAC-SHA1(auth token, URL + each field's name and value, sorted)).
pub fn signature(url: &str, fields: &[(&str, &str)]) -> String {
    let mut sorted = fields.to_vec();
    sorted.sort();
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(AUTH_TOKEN.as_bytes()).unwrap();
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}
