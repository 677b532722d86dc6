//! The Twilio Verify gateway: Twilio makes, sends and checks the code. Driven through the real
//! portal against the stand-in's Verify API over HTTP, with the events a host receives.

use crate::support;
use crate::twilio_standin;

use leptos_2fa::config::{GatewayKind, Settings};
use leptos_2fa::Channel;
use leptos_2fa::events::Event;
use leptos_2fa::testing::FakeClock;
use std::sync::Arc;
use support::{START, TestApp, spawn_app_with, visible_text};
use tokio::sync::broadcast::Receiver;
use twilio_standin::verify::{SERVICE_SID, VerifySend};
use twilio_standin::{ACCOUNT_SID, AUTH_TOKEN, Standin};

pub(crate) async fn verify_portal_with(configure: impl FnOnce(&mut Settings)) -> (TestApp, Standin, Receiver<Event>) {
    let standin = Standin::start("127.0.0.1:0").await;
    let url: url::Url = standin.base_url.parse().unwrap();
    let app = spawn_app_with(Arc::new(tempfile::tempdir().unwrap()), FakeClock::at(START), |settings| {
        settings.gateway = GatewayKind::TwilioVerify;
        settings.service_name = "Acme".into();
        settings.twilio_account_sid = Some(ACCOUNT_SID.into());
        settings.twilio_auth_token = Some(AUTH_TOKEN.into());
        settings.twilio_verify_service_sid = Some(SERVICE_SID.into());
        settings.twilio_verify_url = url;
        settings.methods = Channel::ALL.to_vec();
        configure(settings);
    })
    .await;
    let events = app.state.application.events.subscribe();
    (app, standin, events)
}

async fn verify_portal() -> (TestApp, Standin, Receiver<Event>) {
    verify_portal_with(|_| {}).await
}

fn last_send(standin: &Standin) -> VerifySend {
    standin.verify_sends().pop().expect("Verify sent a code")
}

fn drain(events: &mut Receiver<Event>) -> Vec<Event> {
    std::iter::from_fn(|| events.try_recv().ok()).collect()
}

async fn start_by(app: &TestApp, user: &str, channel: &str) -> String {
    assert_eq!(app.begin(user).await, "/methods");
    assert_eq!(app.post_form("/api/choose_method", &[("channel", channel)]).await, if channel == "email" { "/email" } else { "/phone" });
    if channel == "email" {
        let address = format!("{user}@example.com");
        assert_eq!(app.post_form("/api/register_email", &[("email", &address)]).await, "/verify");
        address
    } else {
        let (national, e164) = support::fresh_mobile();
        assert_eq!(app.post_form("/api/register_phone", &[("country", "FR"), ("number", &national)]).await, "/verify");
        e164
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_gets_its_own_locale_for_the_users_language_or_none_to_pick_by_country() {
    let (app, standin, _events) = verify_portal().await;
    for (locale, expected) in [("pt", Some("pt-BR")), ("zh-Hant", Some("zh-HK")), ("de", Some("de")), ("fa", None)] {
        app.client.post(app.url("/locale")).form(&[("locale", locale)]).send().await.unwrap();
        start_by(&app, &format!("speaker-{locale}"), "sms").await;
        assert_eq!(last_send(&standin).locale.as_deref(), expected, "{locale}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_channel_is_verified_by_twilio_and_the_events_say_so() {
    let (app, standin, mut events) = verify_portal().await;
    for (index, channel) in ["sms", "call", "email", "whatsapp"].into_iter().enumerate() {
        let user = format!("user{index}");
        let to = start_by(&app, &user, channel).await;
        let send = last_send(&standin);
        assert_eq!((send.to.as_str(), send.channel.as_str()), (to.as_str(), channel));
        assert_eq!((send.locale.as_deref(), send.friendly_name.as_deref()), (Some("en"), Some("Acme")));
        let page = visible_text(&app.page_text("/verify").await);
        assert!(page.contains("Enter your code"), "{page}");
        assert_eq!(app.post_form("/api/check_code", &[("code", &send.code)]).await, "/success", "{channel}");

        let events = drain(&mut events);
        let method: Channel = channel.parse().unwrap();
        assert!(
            events.iter().any(|e| matches!(e, Event::VerificationSent { method: m, provider_sid: Some(sid), first_sent_at, last_sent_at, .. }
                if *m == method && *sid == send.sid && first_sent_at == last_sent_at)),
            "{events:?}"
        );
        assert!(events.iter().any(|e| matches!(e, Event::VerificationStatusChanged { status: "approved", provider_sid: Some(sid), .. } if *sid == send.sid)));
        assert!(events.iter().any(|e| matches!(e, Event::VerificationSuccess { subject, .. } if *subject == user)));
        let field = if channel == "email" { "email" } else { "phone_number" };
        assert!(
            events.iter().any(|e| matches!(e, Event::UserDataChanged { field: f, value, .. } if *f == field && *value == to)),
            "{events:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_code_counts_an_attempt_and_fires_verification_failed() {
    let (app, standin, mut events) = verify_portal().await;
    start_by(&app, "ada", "sms").await;
    let send = last_send(&standin);
    let wrong: String = send.code.chars().map(|c| if c == '9' { '0' } else { char::from(c as u8 + 1) }).collect();
    assert_eq!(app.post_form("/api/check_code", &[("code", &wrong)]).await, "/verify");
    assert!(visible_text(&app.page_text("/verify").await).contains("This code is not right. Check it and try again."));
    assert!(drain(&mut events).iter().any(|e| matches!(e, Event::VerificationFailed { provider_sid: Some(sid), .. } if *sid == send.sid)));
    assert_eq!(standin.verify_checks(&send.sid), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resend_within_verifys_window_reuses_the_pending_verification() {
    let (app, standin, mut events) = verify_portal().await;
    start_by(&app, "grace", "sms").await;
    let first = last_send(&standin);
    app.advance(31);
    assert_eq!(app.post_form("/api/resend_code", &[]).await, "/verify");
    let second = last_send(&standin);
    assert_eq!((second.sid.as_str(), second.code.as_str()), (first.sid.as_str(), first.code.as_str()));
    let sent: Vec<Event> = drain(&mut events).into_iter().filter(|e| matches!(e, Event::VerificationSent { .. })).collect();
    assert!(matches!(&sent[1], Event::VerificationSent { first_sent_at, last_sent_at, .. } if last_sent_at.0 == first_sent_at.0 + 31));
    assert_eq!(app.post_form("/api/check_code", &[("code", &first.code)]).await, "/success");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_number_cancels_the_verify_verification() {
    let (app, standin, mut events) = verify_portal().await;
    start_by(&app, "linus", "sms").await;
    let first = last_send(&standin);
    let (national, _) = support::fresh_mobile();
    assert_eq!(app.post_form("/api/register_phone", &[("country", "FR"), ("number", &national)]).await, "/verify");
    assert_eq!(standin.verify_status(&first.sid), "canceled");
    assert!(drain(&mut events).iter().any(|e| matches!(e, Event::VerificationStatusChanged { status: "canceled", provider_sid: Some(sid), .. } if *sid == first.sid)));
}

/// Each Verify refusal at the start: the page the user sees and what it says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_verify_refusal_has_its_own_message_and_next_step() {
    let cases = [
        (60200, "This phone number is not valid"),
        (60205, "Text messages can only go to a mobile number. Enter a mobile number or choose a phone call."),
        (60212, "Too many requests for this destination right now"),
        (60410, "blocked for now"),
        (60203, "Too many codes were sent to this destination"),
        (20429, "Too many requests for this destination right now"),
    ];
    let (app, standin, mut events) = verify_portal().await;
    for (index, (code, message)) in cases.into_iter().enumerate() {
        assert_eq!(app.begin(&format!("refused{index}")).await, "/methods");
        assert_eq!(app.post_form("/api/choose_method", &[("channel", "sms")]).await, "/phone");
        let (national, e164) = support::fresh_mobile();
        standin.refuse(&e164, code);
        assert_eq!(app.post_form("/api/register_phone", &[("country", "FR"), ("number", &national)]).await, "/phone");
        let page = visible_text(&app.page_text("/phone").await);
        assert!(page.contains(message), "Verify code {code}: {page}");
        let events = drain(&mut events);
        assert!(
            events.iter().any(|e| matches!(e, Event::ProviderError { code: Some(c), handled: true, .. } if *c == code)),
            "{code}: {events:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verifys_own_check_limit_ends_on_the_failure_page() {
    // A local limit above Verify's five checks, so Twilio's 60202 is what stops the user.
    let (app, standin, _) = verify_portal_with(|settings| settings.max_attempts = 10).await;
    start_by(&app, "mallory", "sms").await;
    let send = last_send(&standin);
    let wrong = if send.code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        assert_eq!(app.post_form("/api/check_code", &[("code", wrong)]).await, "/verify");
    }
    assert_eq!(app.post_form("/api/check_code", &[("code", &send.code)]).await, "/failure");
    assert!(visible_text(&app.page_text("/failure").await).contains("Too many wrong codes were entered"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verification_twilio_has_expired_ends_on_the_failure_page() {
    let (app, standin, _) = verify_portal().await;
    start_by(&app, "barbara", "sms").await;
    let send = last_send(&standin);
    standin.advance(601);
    assert_eq!(app.post_form("/api/check_code", &[("code", &send.code)]).await, "/failure");
    assert!(visible_text(&app.page_text("/failure").await).contains("The code expired before it was entered."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_verify_service_gets_a_try_again_message() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let (app, _standin, mut events) =
        verify_portal_with(|settings| settings.twilio_verify_url = format!("http://{closed}").parse().unwrap()).await;
    assert_eq!(app.begin("ken").await, "/methods");
    assert_eq!(app.post_form("/api/choose_method", &[("channel", "sms")]).await, "/phone");
    let (national, _) = support::fresh_mobile();
    assert_eq!(app.post_form("/api/register_phone", &[("country", "FR"), ("number", &national)]).await, "/phone");
    assert!(visible_text(&app.page_text("/phone").await).contains("We could not send your code. Try again in a moment"));
    assert!(drain(&mut events).iter().any(|e| matches!(e, Event::ProviderError { handled: false, .. })));
}
