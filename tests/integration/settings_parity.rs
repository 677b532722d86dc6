//! django-twilio-2fa's settings, as the portal enforces them: registration and change allowed,
//! user must have a phone, send immediately on a single method, optional registration, cancel
//! on max attempts, message and method overrides.

use crate::support;

use leptos_2fa::Channel;
use std::sync::Arc;
use support::{START, TestApp, fresh_mobile, spawn_app_with, visible_text};

async fn portal(configure: impl FnOnce(&mut leptos_2fa::config::Settings)) -> TestApp {
    spawn_app_with(Arc::new(tempfile::tempdir().unwrap()), leptos_2fa::testing::FakeClock::at(START), configure).await
}

#[tokio::test]
async fn without_registration_only_methods_with_a_known_destination_are_offered() {
    let app = portal(|settings| settings.allow_registration = false).await;
    let mut claims = app.request_claims("ada", None);
    claims.email = Some("ada@example.org".into());
    assert_eq!(app.begin_with(&claims).await, "/methods");
    let page = visible_text(&app.page_text("/methods").await);
    assert!(page.contains("E-mail") && !page.contains("Text message"), "{page}");
    // The phone form is refused outright, whatever is posted.
    assert_eq!(app.post_form("/api/choose_method", &[("channel", "sms")]).await, "/methods");
    assert!(visible_text(&app.page_text("/methods").await).contains("This method is not available."));
}

#[tokio::test]
async fn a_user_with_nothing_to_send_to_and_no_registration_is_told_at_once() {
    let app = portal(|settings| settings.allow_registration = false).await;
    assert_eq!(app.begin("nobody").await, "/failure");
    let page = visible_text(&app.page_text("/failure").await);
    assert!(page.contains("There is no way to send you a code"), "{page}");
    assert!(app.state.application.outbox.as_ref().unwrap().entries().is_empty());
}

#[tokio::test]
async fn without_change_a_known_number_stays_and_no_change_link_is_shown() {
    let app = portal(|settings| settings.allow_change = false).await;
    let (_, known) = fresh_mobile();
    assert_eq!(app.begin_with(&app.request_claims("bea", Some(&known))).await, "/methods");
    assert!(!app.page_text("/methods").await.contains("Change phone number"));
    let (other, _) = fresh_mobile();
    assert_eq!(app.post_form("/api/register_phone", &[("country", "FR"), ("number", &other)]).await, "/phone");
    let page = visible_text(&app.page_text("/phone").await);
    assert!(page.contains("You cannot change your phone number"), "{page}");
    assert!(app.codes_sent_to(&known).is_empty(), "no code goes out for a refused change");
}

#[tokio::test]
async fn a_user_who_must_have_a_phone_registers_one_first() {
    let app = portal(|settings| settings.user_must_have_phone = true).await;
    let mut claims = app.request_claims("cy", None);
    claims.email = Some("cy@example.org".into());
    assert_eq!(app.begin_with(&claims).await, "/phone");
    // Choosing e-mail instead still leads to the phone form, and sends nothing.
    assert_eq!(app.post_form("/api/choose_method", &[("channel", "email")]).await, "/phone");
    assert!(app.codes_sent_to("cy@example.org").is_empty());
}

#[tokio::test]
async fn a_single_method_with_a_known_number_sends_at_once_when_asked_to() {
    let (_, known) = fresh_mobile();
    let immediate = portal(|settings| {
        settings.methods = vec![Channel::Sms];
        settings.send_immediately_on_single = true;
    })
    .await;
    assert_eq!(immediate.begin_with(&immediate.request_claims("di", Some(&known))).await, "/verify");
    assert_eq!(immediate.codes_sent_to(&known).len(), 1);

    let asking = portal(|settings| settings.methods = vec![Channel::Sms]).await;
    assert_eq!(asking.begin_with(&asking.request_claims("di", Some(&known))).await, "/methods");
    assert!(asking.codes_sent_to(&known).is_empty(), "by default the picker asks before sending");
}

#[tokio::test]
async fn optional_registration_offers_not_now_back_to_the_application() {
    let app = portal(|settings| settings.registration_optional = true).await;
    assert_eq!(app.begin("ed").await, "/methods");
    assert_eq!(app.post_form("/api/choose_method", &[("channel", "sms")]).await, "/phone");
    assert!(visible_text(&app.page_text("/phone").await).contains("Not now"));
    assert_eq!(app.post_form("/skip", &[]).await, "https://app.example/after-2fa?state=abc&error=registration_skipped");
    // The flow is over: nothing to finish, nothing to skip again.
    assert_eq!(app.post_form("/skip", &[]).await, "/");

    let required = portal(|_| {}).await;
    assert_eq!(required.begin("ed").await, "/methods");
    assert_eq!(required.post_form("/api/choose_method", &[("channel", "sms")]).await, "/phone");
    assert!(!visible_text(&required.page_text("/phone").await).contains("Not now"));
    assert_eq!(required.post_form("/skip", &[]).await, "/");
}

async fn five_wrong_codes(app: &TestApp) {
    let phone = app.reach_token_page("fay").await;
    let wrong = if app.latest_code(&phone) == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        app.post_form("/api/check_code", &[("code", wrong)]).await;
    }
}

#[tokio::test]
async fn cancel_on_max_attempts_ends_the_request_without_a_second_try() {
    let app = portal(|settings| settings.cancel_on_max_attempts = true).await;
    five_wrong_codes(&app).await;
    let page = visible_text(&app.page_text("/failure").await);
    assert!(page.contains("this sign-in was canceled") && !page.contains("Try again"), "{page}");
    assert_eq!(app.post_form("/api/restart", &[]).await, "/failure");
    assert_eq!(app.post_form("/finish", &[]).await, "https://app.example/after-2fa?state=abc&error=verification_failed");

    // Without the setting the request ends too (wrong codes count for the whole request); only
    // the wording differs.
    let lenient = portal(|_| {}).await;
    five_wrong_codes(&lenient).await;
    let page = visible_text(&lenient.page_text("/failure").await);
    assert!(page.contains("Too many wrong codes were entered") && !page.contains("Try again"), "{page}");
    assert_eq!(lenient.post_form("/api/restart", &[]).await, "/failure");
}

#[tokio::test]
async fn a_site_rewords_messages_and_renames_methods_without_a_rebuild() {
    let app = portal(|settings| {
        let english = [
            ("errors.wrong_code".to_owned(), "Nope, not that one.".to_owned()),
            ("channel.sms".to_owned(), "SMS to your mobile".to_owned()),
        ];
        settings.messages = [("en".to_owned(), english.into())].into();
        settings.method_icons = [(Channel::Sms, "/static/sms.svg".to_owned())].into();
    })
    .await;
    assert_eq!(app.begin("gus").await, "/methods");
    let methods = app.page_text("/methods").await;
    assert!(visible_text(&methods).contains("SMS to your mobile"), "{methods}");
    assert!(methods.contains(r#"src="/static/sms.svg""#));
    assert_eq!(app.post_form("/api/choose_method", &[("channel", "sms")]).await, "/phone");
    let (national, e164) = fresh_mobile();
    app.post_form("/api/register_phone", &[("country", "FR"), ("number", &national)]).await;
    let wrong = if app.latest_code(&e164) == "000000" { "111111" } else { "000000" };
    app.post_form("/api/check_code", &[("code", wrong)]).await;
    assert!(visible_text(&app.page_text("/verify").await).contains("Nope, not that one."));
    // The JSON API says the same.
    let answer: serde_json::Value = app
        .client
        .post(app.url("/api/v1/verify"))
        .header("accept-language", "en")
        .json(&serde_json::json!({ "code": wrong }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["display"], "Nope, not that one.");
}

#[tokio::test]
async fn an_override_of_an_unknown_message_is_refused_at_start() {
    let figment = figment::Figment::from(figment::providers::Serialized::defaults(leptos_2fa::config::Settings::default()))
        .merge(figment::providers::Serialized::global("messages", serde_json::json!({ "en": { "errors.made_up": "x" } })));
    let error = leptos_2fa::config::Settings::from_figment(figment).unwrap_err().to_string();
    assert!(error.contains("TWOFA_MESSAGES") && error.contains("errors.made_up"), "{error}");
    // An override kept from before a placeholder was renamed would show `{{ seconds }}` as written.
    let figment = figment::Figment::from(figment::providers::Serialized::defaults(leptos_2fa::config::Settings::default()))
        .merge(figment::providers::Serialized::global("messages", serde_json::json!({ "en": { "errors.check_wait": "Wait {{ seconds }} s." } })));
    let error = leptos_2fa::config::Settings::from_figment(figment).unwrap_err().to_string();
    assert!(error.contains("TWOFA_MESSAGES") && error.contains("seconds"), "{error}");
}
