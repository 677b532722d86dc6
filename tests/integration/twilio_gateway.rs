//! The Twilio Messaging + Voice gateway and its webhooks, driven through the real portal against
//! the Twilio stand-in over HTTP on 127.0.0.1.

use crate::support;
use crate::twilio_standin;

use leptos_2fa::config::{GatewayKind, Settings};
use leptos_2fa::testing::FakeClock;
use std::sync::Arc;
use support::{START, TestApp, spawn_app_with, visible_text};
use twilio_standin::{ACCOUNT_SID, API_KEY_SECRET, API_KEY_SID, AUTH_TOKEN, CallbackStyle, FROM, Fault, MESSAGING_SERVICE_SID, Standin};

pub(crate) async fn twilio_portal_with(configure: impl FnOnce(&mut Settings)) -> (TestApp, Standin) {
    let standin = Standin::start("127.0.0.1:0").await;
    let api_url = standin.base_url.parse().unwrap();
    let app = spawn_app_with(Arc::new(tempfile::tempdir().unwrap()), FakeClock::at(START), |settings| {
        settings.gateway = GatewayKind::Twilio;
        settings.methods = vec![leptos_2fa::Channel::Sms, leptos_2fa::Channel::Call];
        settings.twilio_account_sid = Some(ACCOUNT_SID.into());
        settings.twilio_auth_token = Some(AUTH_TOKEN.into());
        settings.twilio_from = Some(FROM.into());
        settings.twilio_api_url = api_url;
        configure(settings);
    })
    .await;
    (app, standin)
}

async fn twilio_portal() -> (TestApp, Standin) {
    twilio_portal_with(|_| {}).await
}

/// The six digits of the text message Twilio was asked to send to `to`.
fn code_texted_to(standin: &Standin, to: &str) -> String {
    let message = standin.messages().into_iter().rev().find(|m| m.to == to).expect("a message to this number");
    message.body.split_whitespace().find(|w| w.len() == 6 && w.chars().all(|c| c.is_ascii_digit())).unwrap().to_owned()
}

fn delivered_by_callback(standin: &Standin, status: &str) -> bool {
    standin
        .callbacks()
        .iter()
        .any(|c| c.fields.iter().any(|(k, v)| (k == "MessageStatus" || k == "CallStatus") && v == status) && c.answered == 204)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_text_message_goes_through_twilio_and_its_delivery_shows_on_the_token_page() {
    let (app, standin) = twilio_portal().await;
    let to = app.reach_token_page("ada").await;
    let message = standin.messages().pop().unwrap();
    assert_eq!((message.to.as_str(), message.from.as_deref()), (to.as_str(), Some(FROM)));
    assert!(message.body.contains("is your leptos-2fa verification code"), "{}", message.body);
    assert_eq!(message.validity_period.as_deref(), Some("600"));
    let callback = message.status_callback.unwrap();
    assert!(callback.starts_with(&app.url("/webhooks/twilio/status/")), "{callback}");

    standin.wait_until("the delivered report taken", |s| delivered_by_callback(s, "delivered")).await;
    let page = visible_text(&app.page_text("/verify").await);
    assert!(page.contains("Delivered to your phone"), "{page}");

    let code = code_texted_to(&standin, &to);
    assert_eq!(app.post_form("/api/check_code", &[("code", &code)]).await, "/success");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whatsapp_message_goes_to_the_whatsapp_address_of_the_number() {
    let (app, standin) = twilio_portal_with(|settings| {
        settings.methods.push(leptos_2fa::Channel::Whatsapp);
    })
    .await;
    let to = app.reach_token_page_by("ada", "whatsapp").await;
    let message = standin.messages().pop().unwrap();
    assert_eq!(message.to, format!("whatsapp:{to}"));
    assert_eq!(message.from.as_deref(), Some(format!("whatsapp:{FROM}").as_str()));
    let page = visible_text(&app.page_text("/verify").await);
    assert!(page.contains("Enter the 6-digit code from the WhatsApp message"), "{page}");
    let code = code_texted_to(&standin, &message.to);
    assert_eq!(app.post_form("/api/check_code", &[("code", &code)]).await, "/success");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_asks_for_a_key_then_reads_the_code_twice_and_what_was_heard_verifies() {
    let (app, standin) = twilio_portal().await;
    let to = app.reach_token_page_by("grace", "call").await;
    standin.wait_until("the call completed", |s| s.calls().iter().any(|c| c.status == "completed")).await;
    let call = standin.calls().pop().unwrap();
    assert_eq!((call.to.as_str(), call.from.as_str()), (to.as_str(), FROM));
    assert!(call.url.starts_with(&app.url("/webhooks/twilio/voice/")), "{}", call.url);
    assert_eq!(call.events, ["initiated", "ringing", "answered", "completed"]);
    // Nothing secret before the key press: the greeting and the prompt only.
    assert!(call.heard[0].contains("this is leptos-2fa") && call.heard[1].contains("Press any key"), "{:?}", call.heard);
    let digits = call.digits_heard.clone();
    assert_eq!(digits.len(), 12, "the code read twice: {:?}", call.heard);
    let (code, again) = digits.split_at(6);
    assert_eq!(code, again);

    standin.wait_until("the completed report taken", |s| delivered_by_callback(s, "completed")).await;
    let page = visible_text(&app.page_text("/verify").await);
    assert!(page.contains("The call ended"), "{page}");
    assert_eq!(app.post_form("/api/check_code", &[("code", code)]).await, "/success");

    // The call is over: its token no longer reads the code, even with Twilio's signature.
    let fields = vec![("CallSid".to_owned(), call.sid.clone()), ("Digits".to_owned(), "1".to_owned())];
    let code_url = format!("{}/code", call.url);
    let response = reqwest::Client::new()
        .post(&code_url)
        .header("X-Twilio-Signature", twilio_standin::twilio_signature(AUTH_TOKEN, &code_url, &fields))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "application/xml; charset=utf-8");
    let twiml = response.text().await.unwrap();
    assert!(twiml.contains("no longer available") && twiml.contains("<Hangup/>"), "{twiml}");
    assert_eq!(twiml.matches("<Say").count(), 1, "only the apology is said: {twiml}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_in_french_speaks_french() {
    let (app, standin) = twilio_portal().await;
    app.client.post(app.url("/locale")).form(&[("locale", "fr")]).send().await.unwrap();
    app.reach_token_page_by("marie", "call").await;
    standin.wait_until("the call completed", |s| s.calls().iter().any(|c| c.status == "completed")).await;
    let call = standin.calls().pop().unwrap();
    assert!(call.heard[0].starts_with("Bonjour"), "{:?}", call.heard);
    assert_eq!(call.voice.as_deref(), Some("alice fr-FR"));
    assert_eq!(call.digits_heard.len(), 12);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_speaks_each_language_a_twilio_voice_speaks_and_english_otherwise() {
    let (app, standin) = twilio_portal().await;
    for (locale, voice, greeting) in [
        ("ar", "Polly.Zeina arb", "مرحبًا"),
        ("cs", "Google.cs-CZ-Standard-A cs-CZ", "Dobrý den"),
        ("ja", "alice ja-JP", "こちらは"),
        // No Twilio voice speaks Persian: the call speaks English, in English.
        ("fa", "alice en-US", "Hello, this is leptos-2fa"),
    ] {
        let calls = standin.calls().len();
        app.client.post(app.url("/locale")).form(&[("locale", locale)]).send().await.unwrap();
        app.reach_token_page_by(&format!("caller-{locale}"), "call").await;
        standin.wait_until("the call completed", |s| s.calls().len() > calls && s.calls().last().is_some_and(|c| c.status == "completed")).await;
        let call = standin.calls().pop().unwrap();
        assert_eq!(call.voice.as_deref(), Some(voice), "{locale}");
        assert!(call.heard.first().is_some_and(|said| said.contains(greeting)), "{locale}: {:?}", call.heard);
        assert_eq!(call.digits_heard.len(), 12, "{locale}: the code read twice");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_twilio_refusal_gives_its_own_message_and_keeps_the_user_on_the_phone_form() {
    let cases = [
        (21211, "This phone number is not valid"),
        (21408, "We cannot send codes to phone numbers in this country"),
        (21612, "We cannot send codes to phone numbers in this country"),
        (21610, "opted out of our text messages"),
        (21614, "Text messages can only go to a mobile number"),
        (60410, "blocked for now"),
        (20003, "We could not send your code"),
    ];
    let (app, standin) = twilio_portal().await;
    for (index, (code, message)) in cases.into_iter().enumerate() {
        assert_eq!(app.begin(&format!("user-{index}")).await, "/methods");
        assert_eq!(app.post_form("/api/choose_method", &[("channel", "sms")]).await, "/phone");
        let (national, e164) = support::fresh_mobile();
        standin.refuse(&e164, code);
        let next = app.post_form("/api/register_phone", &[("country", "FR"), ("number", &national)]).await;
        assert_eq!(next, "/phone", "Twilio code {code}");
        let html = app.page_text("/phone").await;
        let page = visible_text(&html);
        assert!(page.contains(message), "Twilio code {code}: {page}");
        assert!(html.contains(&format!(r#"value="{national}""#)), "the number typed is kept in its field: {html}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_key_and_a_messaging_service_send_in_place_of_the_auth_token_and_number() {
    let (app, standin) = twilio_portal_with(|settings| {
        settings.twilio_api_key_sid = Some(API_KEY_SID.into());
        settings.twilio_api_key_secret = Some(API_KEY_SECRET.into());
        settings.twilio_messaging_service_sid = Some(MESSAGING_SERVICE_SID.into());
    })
    .await;
    let to = app.reach_token_page("ada").await;
    let message = standin.messages().pop().unwrap();
    assert_eq!((message.messaging_service_sid.as_deref(), message.from), (Some(MESSAGING_SERVICE_SID), None));
    standin.wait_until("the delivered report taken", |s| delivered_by_callback(s, "delivered")).await;
    assert_eq!(app.post_form("/api/check_code", &[("code", &code_texted_to(&standin, &to))]).await, "/success");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_credentials_are_not_retried_and_the_user_is_told_to_try_later() {
    let (app, standin) =
        twilio_portal_with(|settings| settings.twilio_auth_token = Some("a-revoked-auth-token".to_owned().into())).await;
    assert_eq!(app.begin("joan").await, "/methods");
    assert_eq!(app.post_form("/api/choose_method", &[("channel", "sms")]).await, "/phone");
    let (national, _) = support::fresh_mobile();
    assert_eq!(app.post_form("/api/register_phone", &[("country", "FR"), ("number", &national)]).await, "/phone");
    assert!(visible_text(&app.page_text("/phone").await).contains("We could not send your code"));
    assert_eq!(standin.requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_and_server_errors_are_retried_honouring_retry_after() {
    let (app, standin) = twilio_portal().await;
    standin.fail_next(Fault::Error { status: 429, code: Some(20429), retry_after: Some(1) });
    standin.fail_next(Fault::Error { status: 503, code: None, retry_after: None });
    let started = std::time::Instant::now();
    let to = app.reach_token_page("linus").await;
    assert!(started.elapsed() >= std::time::Duration::from_secs(1), "Retry-After was not honoured");
    assert_eq!(standin.requests(), 3);
    assert_eq!(standin.messages().len(), 1);
    assert_eq!(code_texted_to(&standin, &to).len(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_twilio_that_stays_down_gets_a_try_again_message_and_no_code_is_pending() {
    let (app, standin) = twilio_portal_with(|settings| settings.twilio_timeout_secs = 1).await;
    standin.fail_next(Fault::Slow { millis: 3000 });
    standin.fail_next(Fault::Error { status: 500, code: None, retry_after: None });
    standin.fail_next(Fault::Error { status: 429, code: Some(20429), retry_after: Some(3600) });
    assert_eq!(app.begin("barbara").await, "/methods");
    assert_eq!(app.post_form("/api/choose_method", &[("channel", "sms")]).await, "/phone");
    let (national, _) = support::fresh_mobile();
    assert_eq!(app.post_form("/api/register_phone", &[("country", "FR"), ("number", &national)]).await, "/phone");
    let page = visible_text(&app.page_text("/phone").await);
    assert!(page.contains("We could not send your code. Try again in a moment or choose another method."), "{page}");
    // A Retry-After of an hour is not waited for: three attempts, then the user is told.
    assert_eq!(standin.requests(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transient_failure_goes_out_through_the_fallback_gateway() {
    let (app, standin) = twilio_portal_with(|settings| settings.fallback_gateway = Some(GatewayKind::Console)).await;
    for _ in 0..3 {
        standin.fail_next(Fault::Error { status: 503, code: None, retry_after: None });
    }
    let to = app.reach_token_page("edsger").await;
    assert!(standin.messages().is_empty());
    let code = app.latest_code(&to);
    assert_eq!(app.post_form("/api/check_code", &[("code", &code)]).await, "/success");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undelivered_text_suggests_a_call_and_an_unanswered_call_suggests_a_text() {
    let (app, standin) = twilio_portal().await;
    assert_eq!(app.begin("alan").await, "/methods");
    assert_eq!(app.post_form("/api/choose_method", &[("channel", "sms")]).await, "/phone");
    let (national, e164) = support::fresh_mobile();
    standin.undeliverable(&e164, 30003);
    standin.unanswered(&e164);
    assert_eq!(app.post_form("/api/register_phone", &[("country", "FR"), ("number", &national)]).await, "/verify");
    standin.wait_until("the undelivered report taken", |s| delivered_by_callback(s, "undelivered")).await;
    let page = visible_text(&app.page_text("/verify").await);
    assert!(page.contains("Not delivered") && page.contains("Call me instead"), "{page}");

    // One click: the same number, called this time.
    assert_eq!(app.post_form("/api/switch_channel", &[("channel", "call")]).await, "/verify");
    standin.wait_until("the call placed", |s| s.calls().iter().any(|c| c.to == e164)).await;
    standin.wait_until("the no-answer report taken", |s| delivered_by_callback(s, "no-answer")).await;
    let page = visible_text(&app.page_text("/verify").await);
    assert!(page.contains("The call was not answered") && page.contains("Text me instead"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_out_of_order_or_twice_end_in_the_latest_state() {
    let (app, standin) = twilio_portal().await;
    standin.callback_style(CallbackStyle::Reversed);
    app.reach_token_page("ken").await;
    standin.wait_until("both reports sent", |s| s.callbacks().len() == 2).await;
    assert!(visible_text(&app.page_text("/verify").await).contains("Delivered to your phone"));

    standin.callback_style(CallbackStyle::Duplicated);
    app.reach_token_page_by("dennis", "call").await;
    standin.wait_until("the call completed", |s| s.calls().iter().any(|c| c.status == "completed")).await;
    standin.wait_until("the reports sent", |s| delivered_by_callback(s, "completed")).await;
    assert!(visible_text(&app.page_text("/verify").await).contains("The call ended"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_tampered_and_replayed_reports_change_nothing() {
    let (app, standin) = twilio_portal().await;
    app.reach_token_page("mallory").await;
    standin.wait_until("the delivered report taken", |s| delivered_by_callback(s, "delivered")).await;
    let delivered = standin.callbacks().into_iter().find(|c| c.fields.iter().any(|(_, v)| v == "delivered")).unwrap();
    let sent = standin.callbacks().into_iter().find(|c| c.fields.iter().any(|(_, v)| v == "sent")).unwrap();
    let undelivered: Vec<(String, String)> = delivered
        .fields
        .iter()
        .map(|(k, v)| (k.clone(), if v == "delivered" { "undelivered".to_owned() } else { v.clone() }))
        .collect();

    // No signature, another's signature, a signature from another token, a tampered body.
    assert_eq!(standin.post_with_signature(&delivered.url, &undelivered, "forged-1", None).await, 403);
    assert_eq!(standin.post_with_signature(&delivered.url, &undelivered, "forged-2", Some(&sent.signature)).await, 403);
    let wrong_key = twilio_standin::twilio_signature("not-the-auth-token", &delivered.url, &undelivered);
    assert_eq!(standin.post_with_signature(&delivered.url, &undelivered, "forged-3", Some(&wrong_key)).await, 403);
    assert_eq!(standin.post_with_signature(&delivered.url, &undelivered, "forged-4", Some(&delivered.signature)).await, 403);
    // A genuine report replayed, and an old one arriving late: accepted, but nothing moves back.
    assert_eq!(standin.post_with_signature(&sent.url, &sent.fields, &sent.idempotency_token, Some(&sent.signature)).await, 204);
    assert_eq!(standin.post_signed(&sent.url, &sent.fields, "a-late-sent-report").await, 204);
    let page = visible_text(&app.page_text("/verify").await);
    assert!(page.contains("Delivered to your phone") && !page.contains("Not delivered"), "{page}");

    // A signed report for a delivery that does not exist.
    let unknown = format!("{}/webhooks/twilio/status/{}", app.base, "A".repeat(43));
    assert_eq!(standin.post_signed(&unknown, &undelivered, "unknown").await, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_call_token_gets_an_apology_and_a_hang_up() {
    let (app, standin) = twilio_portal().await;
    let url = format!("{}/webhooks/twilio/voice/{}", app.base, "B".repeat(43));
    let fields = vec![("CallSid".to_owned(), "CA00000000000000000000000000000009".to_owned())];
    assert_eq!(standin.post_signed(&url, &fields, "call-1").await, 200);
    let twiml = reqwest::Client::new()
        .post(&url)
        .header("X-Twilio-Signature", twilio_standin::twilio_signature(AUTH_TOKEN, &url, &fields))
        .form(&fields)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(twiml.contains("no longer available") && twiml.ends_with("<Hangup/></Response>"), "{twiml}");
    assert!(!twiml.contains("<Gather"), "{twiml}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_twilio_that_hangs_past_the_gateway_deadline_gets_a_try_again_message_and_no_code_is_pending() {
    let (app, standin) = twilio_portal_with(|settings| {
        settings.twilio_timeout_secs = 10;
        settings.gateway_deadline_secs = 1;
    })
    .await;
    standin.fail_next(Fault::Slow { millis: 5000 });
    assert_eq!(app.begin("hugo").await, "/methods");
    assert_eq!(app.post_form("/api/choose_method", &[("channel", "sms")]).await, "/phone");
    let (national, _) = support::fresh_mobile();
    assert_eq!(app.post_form("/api/register_phone", &[("country", "FR"), ("number", &national)]).await, "/phone");
    let page = visible_text(&app.page_text("/phone").await);
    assert!(page.contains("We could not send your code. Try again in a moment or choose another method."), "{page}");
    assert_eq!(standin.requests(), 1, "one request, cut off by the deadline rather than retried");
}
