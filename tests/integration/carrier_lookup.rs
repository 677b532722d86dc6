//! Carrier lookup (django-twilio-2fa's `PHONE_NUMBER_CARRIER_LOOKUP` and friends): new numbers
//! are looked up with Twilio Lookup, here the stand-in over HTTP, before a code goes out.

use crate::support;
use crate::twilio_standin;

use leptos_2fa::config::Settings;
use leptos_2fa::testing::FakeClock;
use std::sync::Arc;
use support::{START, TestApp, fresh_mobile, spawn_app_with, visible_text};
use twilio_standin::{ACCOUNT_SID, AUTH_TOKEN, Standin};

/// A portal on the console gateway whose new numbers are looked up at the stand-in.
async fn portal_looking_up(configure: impl FnOnce(&mut Settings)) -> (TestApp, Standin) {
    let standin = Standin::start("127.0.0.1:0").await;
    let lookup_url = standin.base_url.parse().unwrap();
    let app = spawn_app_with(Arc::new(tempfile::tempdir().unwrap()), FakeClock::at(START), |settings| {
        settings.carrier_lookup = true;
        settings.twilio_account_sid = Some(ACCOUNT_SID.into());
        settings.twilio_auth_token = Some(AUTH_TOKEN.into());
        settings.twilio_lookup_url = lookup_url;
        configure(settings);
    })
    .await;
    (app, standin)
}

/// Picks `channel` and registers a French number; returns where the portal sends the user.
async fn register(app: &TestApp, user: &str, channel: &str, national: &str) -> String {
    assert_eq!(app.begin(user).await, "/methods");
    assert_eq!(app.post_form("/api/choose_method", &[("channel", channel)]).await, "/phone");
    app.post_form("/api/register_phone", &[("country", "FR"), ("number", national)]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_lookup_calls_a_landline_gets_no_text_message() {
    let (app, standin) = portal_looking_up(|_| {}).await;
    let (national, e164) = fresh_mobile();
    standin.line_type(&e164, "landline");
    assert_eq!(register(&app, "ada", "sms", &national).await, "/phone");
    let page = visible_text(&app.page_text("/phone").await);
    assert!(page.contains("Text messages can only go to a mobile number"), "{page}");
    assert!(app.codes_sent_to(&e164).is_empty());
    assert_eq!(standin.lookups(), vec![e164.clone()]);
    // A call reaches a landline.
    assert_eq!(app.post_form("/api/choose_method", &[("channel", "call")]).await, "/phone");
    assert_eq!(app.post_form("/api/register_phone", &[("country", "FR"), ("number", &national)]).await, "/verify");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn line_types_left_out_of_the_settings_are_refused_with_their_message() {
    let (app, standin) = portal_looking_up(|settings| settings.allowed_line_types = vec!["mobile".into()]).await;
    let (national, e164) = fresh_mobile();
    standin.line_type(&e164, "nonFixedVoip");
    assert_eq!(register(&app, "bo", "call", &national).await, "/phone");
    let page = visible_text(&app.page_text("/phone").await);
    assert!(page.contains("This kind of phone line cannot receive codes"), "{page}");
    assert!(app.state.application.outbox.as_ref().unwrap().entries().is_empty());

    let (national, e164) = fresh_mobile();
    assert_eq!(app.post_form("/api/register_phone", &[("country", "FR"), ("number", &national)]).await, "/verify");
    assert_eq!(app.codes_sent_to(&e164).len(), 0, "a call's code is spoken");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_lookup_cannot_tell_is_accepted_unless_the_settings_refuse_it() {
    let (lenient, standin) = portal_looking_up(|_| {}).await;
    let (national, e164) = fresh_mobile();
    standin.line_type(&e164, "unknown");
    assert_eq!(register(&lenient, "cy", "sms", &national).await, "/verify");

    let (strict, standin) = portal_looking_up(|settings| settings.allow_unknown_line_type = false).await;
    standin.line_type(&e164, "unknown");
    assert_eq!(register(&strict, "cy", "sms", &national).await, "/phone");
    assert!(visible_text(&strict.page_text("/phone").await).contains("This kind of phone line cannot receive codes"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canadian_numbers_are_looked_up_only_with_twilios_approval() {
    let (app, standin) = portal_looking_up(|_| {}).await;
    assert_eq!(app.begin("dee").await, "/methods");
    assert_eq!(app.post_form("/api/choose_method", &[("channel", "call")]).await, "/phone");
    assert_eq!(app.post_form("/api/register_phone", &[("country", "CA"), ("number", "416 979 1234")]).await, "/verify");
    assert!(standin.lookups().is_empty(), "no lookup without the Canadian approval");

    let (approved, standin) = portal_looking_up(|settings| settings.carrier_lookup_canada = true).await;
    assert_eq!(approved.begin("dee").await, "/methods");
    assert_eq!(approved.post_form("/api/choose_method", &[("channel", "call")]).await, "/phone");
    assert_eq!(approved.post_form("/api/register_phone", &[("country", "CA"), ("number", "416 979 1234")]).await, "/verify");
    assert_eq!(standin.lookups(), ["+14169791234"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_already_known_is_not_looked_up_again() {
    let (app, standin) = portal_looking_up(|_| {}).await;
    let (_, known) = fresh_mobile();
    assert_eq!(app.begin_with(&app.request_claims("eve", Some(&known))).await, "/methods");
    assert_eq!(app.post_form("/api/choose_method", &[("channel", "sms")]).await, "/verify");
    assert!(standin.lookups().is_empty());
}
