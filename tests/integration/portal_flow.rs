//! The portal over real HTTP: pages, server functions and the integration contract,
//! against a real SQLite file.

use crate::support;

use leptos_2fa::Channel;
use leptos_2fa::testing::{FakeClock, VerificationId};
use leptos_2fa::testing::Owner;
use leptos_2fa::testing::PortalError;
use std::sync::Arc;
use support::{START, TestApp, fresh_mobile, spawn_app, spawn_app_in, visible_text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_answers_when_the_database_does() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_registers_a_phone_verifies_it_and_returns_with_a_signed_result() {
    let app = spawn_app().await;
    let claims = app.request_claims("alice", None);
    assert_eq!(app.begin_with(&claims).await, "/methods");
    let methods = visible_text(&app.page_text("/methods").await);
    assert!(methods.contains("How should we send your code?"), "{methods}");
    assert!(methods.contains("to a phone number you enter next"), "{methods}");

    assert_eq!(app.post_form("/api/choose_method", &[("channel", "sms")]).await, "/phone");
    let (national, e164) = fresh_mobile();
    assert_eq!(app.post_form("/api/register_phone", &[("country", "FR"), ("number", &national)]).await, "/verify");
    let token_page = visible_text(&app.page_text("/verify").await);
    // The delivery line says how far the code got: no "on its way" beside "Delivered".
    assert!(token_page.contains("Enter the 6-digit code from the text message to"), "{token_page}");
    assert!(token_page.contains("Delivered to your phone.") && !token_page.contains("on its way"), "{token_page}");
    assert!(token_page.contains(&e164[e164.len() - 2..]), "{token_page}");

    let code = app.latest_code(&e164);
    assert!(!token_page.contains(&code), "the page never shows the code");
    assert_eq!(app.post_form("/api/check_code", &[("code", &code)]).await, "/success");
    let success = visible_text(&app.page_text("/success").await);
    assert!(success.contains("You are verified"), "{success}");
    // The application's name from its signed request, not its host.
    assert!(success.contains("Continue to Acme Mail"), "{success}");

    let back = app.post_form("/finish", &[]).await;
    let back = url::Url::parse(&back).unwrap();
    assert_eq!(back.path(), "/after-2fa");
    let query: std::collections::HashMap<_, _> = back.query_pairs().into_owned().collect();
    assert_eq!(query["state"], "abc", "the relying application's own query survives");
    let result = app.state.application.client_keys.verify_result(&query["result"], START).unwrap();
    assert_eq!((result.sub.as_str(), result.method, result.nonce.as_str()), ("alice", Channel::Sms, claims.nonce.as_str()));

    let factors = app.state.application.store.factors("alice").await.unwrap();
    assert_eq!(factors.phone.unwrap().e164(), e164, "the number is saved once verified");
    assert_eq!(app.post_form("/finish", &[]).await, "/", "a result is issued only once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_is_not_saved_before_its_code_is_entered() {
    let app = spawn_app().await;
    app.reach_token_page("bob").await;
    assert_eq!(app.state.application.store.factors("bob").await.unwrap().phone, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_known_phone_number_gets_its_code_from_the_picker() {
    let app = spawn_app().await;
    let (_, e164) = fresh_mobile();
    let claims = app.request_claims("carol", Some(&e164));
    assert_eq!(app.begin_with(&claims).await, "/methods");
    let page = app.page_text("/methods").await;
    // Kept left to right (U+2066 … U+2069) even inside right-to-left text.
    let masked = format!("to \u{2066}+33\u{a0}•\u{a0}••\u{a0}••\u{a0}••\u{a0}{}\u{2069}", &e164[e164.len() - 2..]);
    assert!(page.contains(&masked), "the known number is shown masked: {page}");
    assert_eq!(app.post_form("/api/choose_method", &[("channel", "call")]).await, "/verify");
    let code = app.latest_code_spoken(&e164);
    assert_eq!(app.post_form("/api/check_code", &[("code", &code)]).await, "/success");
}

impl TestApp {
    /// The code a call script spells out ("4, 8, 2, ...").
    fn latest_code_spoken(&self, to: &str) -> String {
        let entry = self.state.application.outbox.as_ref().unwrap().entries().into_iter().find(|e| e.to == to).unwrap();
        assert_eq!(entry.channel, Channel::Call);
        let spelled = entry.body.split(": ").nth(1).unwrap();
        spelled.chars().filter(char::is_ascii_digit).take(6).collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_is_replaced_only_after_the_current_one_and_then_the_new_one_are_verified() {
    let app = spawn_app().await;
    let (_, old) = fresh_mobile();
    app.begin_with(&app.request_claims("rita", Some(&old))).await;
    let change = visible_text(&app.page_text("/phone").await);
    assert!(change.contains("Change your phone number"), "{change}");
    let stored = || async { app.state.application.store.factors("rita").await.unwrap().phone.map(|phone| phone.e164().to_owned()) };

    // First a code to the number the user has now: someone holding only the session cannot
    // move the second factor to their own phone.
    let (national, new) = fresh_mobile();
    assert_eq!(app.post_form("/api/register_phone", &[("country", "FR"), ("number", &national)]).await, "/verify");
    let page = visible_text(&app.page_text("/verify").await);
    assert!(page.contains("first enter the code we just sent to a number or address you already use"), "{page}");
    assert!(app.codes_sent_to(&new).is_empty(), "nothing goes to the new number yet");
    assert_eq!(app.post_form("/api/check_code", &[("code", &app.latest_code(&old))]).await, "/verify");
    assert_eq!(stored().await, Some(old.clone()), "still the old number while the new one is unverified");

    // Then the new number's own code.
    let page = visible_text(&app.page_text("/verify").await);
    assert!(page.contains("Now enter the code we sent to the new number or address"), "{page}");
    assert_eq!(app.post_form("/api/check_code", &[("code", &app.latest_code(&new))]).await, "/success");
    assert_eq!(stored().await, Some(new.clone()));

    // The old number hears about it.
    let outbox = app.state.application.outbox.as_ref().unwrap().entries();
    let notice = outbox.iter().find(|e| e.to == old && e.body.contains("was just set to receive")).expect("a notice to the old number");
    assert!(notice.body.contains(&new[new.len() - 2..]) && !notice.body.contains(&new), "the new number, masked: {}", notice.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_code_from_the_current_number_changes_nothing() {
    let app = spawn_app().await;
    let (_, old) = fresh_mobile();
    app.begin_with(&app.request_claims("sam", Some(&old))).await;
    let (national, new) = fresh_mobile();
    assert_eq!(app.post_form("/api/register_phone", &[("country", "FR"), ("number", &national)]).await, "/verify");
    let wrong = if app.latest_code(&old) == "000000" { "111111" } else { "000000" };
    assert_eq!(app.post_form("/api/check_code", &[("code", wrong)]).await, "/verify");
    assert!(app.codes_sent_to(&new).is_empty());
    assert_eq!(app.state.application.store.factors("sam").await.unwrap().phone, None, "nothing is saved: the request's number was its word only");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unparseable_number_is_refused_and_the_form_keeps_what_was_typed() {
    let app = spawn_app().await;
    app.begin("dave").await;
    app.post_form("/api/choose_method", &[("channel", "sms")]).await;
    assert_eq!(app.post_form("/api/register_phone", &[("country", "FR"), ("number", "06 12 <b>oops</b>")]).await, "/phone");
    let html = app.page_text("/phone").await;
    assert!(visible_text(&html).contains("This phone number is not valid."), "{html}");
    assert!(html.contains("value=\"06 12 &lt;b&gt;oops&lt;/b&gt;\""), "typed value kept, escaped: {html}");
    assert!(html.contains("<option value=\"FR\" selected"), "country kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_country_of_a_new_number_follows_the_browsers_region() {
    let app = spawn_app().await;
    app.begin("sam").await;
    app.post_form("/api/choose_method", &[("channel", "sms")]).await;
    let response = app
        .client
        .get(app.url("/phone"))
        .header("accept", "text/html")
        .header("accept-language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap();
    let html = response.text().await.unwrap();
    assert!(html.contains("<option value=\"GB\" selected"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_of_countries_left_out_get_no_code() {
    let app = support::spawn_app_with(Arc::new(tempfile::tempdir().unwrap()), FakeClock::at(START), |settings| {
        settings.disallowed_countries = vec!["FR".into()];
    })
    .await;
    assert_eq!(app.begin("ana").await, "/methods");
    assert_eq!(app.post_form("/api/choose_method", &[("channel", "sms")]).await, "/phone");
    let (national, e164) = fresh_mobile();
    assert_eq!(app.post_form("/api/register_phone", &[("country", "FR"), ("number", &national)]).await, "/phone");
    let html = app.page_text("/phone").await;
    let page = visible_text(&html);
    assert!(page.contains("We cannot send codes to phone numbers in this country"), "{page}");
    assert!(app.codes_sent_to(&e164).is_empty());
    // The country selector no longer offers it.
    assert!(!html.contains(r#"<option value="FR""#) && html.contains(r#"<option value="BE""#), "{html}");
    // A Belgian mobile is fine.
    assert_eq!(app.post_form("/api/register_phone", &[("country", "BE"), ("number", "0470 12 34 56")]).await, "/verify");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_landline_is_refused_for_text_messages() {
    let app = spawn_app().await;
    app.begin("erin").await;
    app.post_form("/api/choose_method", &[("channel", "sms")]).await;
    app.post_form("/api/register_phone", &[("country", "FR"), ("number", "01 42 68 53 00")]).await;
    let page = visible_text(&app.page_text("/phone").await);
    assert!(page.contains("Text messages can only go to a mobile number."), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_with_spaces_and_dashes_is_accepted() {
    let app = spawn_app().await;
    let e164 = app.reach_token_page("frank").await;
    let code = app.latest_code(&e164);
    let typed = format!(" {}-{} {} ", &code[..2], &code[2..4], &code[4..]);
    assert_eq!(app.post_form("/api/check_code", &[("code", &typed)]).await, "/success");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn letters_or_an_over_long_code_are_refused_without_spending_an_attempt() {
    let app = spawn_app().await;
    app.reach_token_page("grace").await;
    app.post_form("/api/check_code", &[("code", "12a456")]).await;
    let page = visible_text(&app.page_text("/verify").await);
    assert!(page.contains("The code is made of digits only."), "{page}");
    assert!(page.contains("5 attempts left"), "{page}");
    app.post_form("/api/check_code", &[("code", "1234567")]).await;
    let page = visible_text(&app.page_text("/verify").await);
    assert!(page.contains("The code has 6 digits."), "{page}");
    assert!(page.contains("5 attempts left"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_code_shows_the_attempts_left_and_the_fifth_ends_on_the_failure_page() {
    let app = spawn_app().await;
    let e164 = app.reach_token_page("heidi").await;
    let code = app.latest_code(&e164);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for left in (1..=4).rev() {
        assert_eq!(app.post_form("/api/check_code", &[("code", wrong)]).await, "/verify");
        let page = visible_text(&app.page_text("/verify").await);
        // The refusal once, the attempts left once.
        assert!(page.contains("This code is not right. Check it and try again."), "{page}");
        let attempts = if left == 1 { "1 attempt left".to_owned() } else { format!("{left} attempts left") };
        assert_eq!(page.matches(&attempts).count(), 1, "{page}");
    }
    assert_eq!(app.post_form("/api/check_code", &[("code", wrong)]).await, "/failure");
    let page = visible_text(&app.page_text("/failure").await);
    assert!(page.contains("Too many wrong codes were entered"), "{page}");
    assert!(!page.contains("Try again"), "wrong codes count for the whole request: {page}");
    assert!(page.contains("Back to Acme Mail"), "{page}");
    assert_eq!(app.get_location("/verify").await, "/failure", "the token page is closed");

    assert_eq!(app.post_form("/api/restart", &[]).await, "/failure");
    app.advance(31);
    assert_eq!(app.post_form("/api/choose_method", &[("channel", "call")]).await, "/failure");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_entered_after_ten_minutes_has_expired() {
    let app = spawn_app().await;
    let e164 = app.reach_token_page("ivan").await;
    let code = app.latest_code(&e164);
    app.advance(600);
    assert_eq!(app.post_form("/api/check_code", &[("code", &code)]).await, "/failure");
    let page = visible_text(&app.page_text("/failure").await);
    assert!(page.contains("The code expired before it was entered."), "{page}");
    assert!(page.contains("Try again"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_code_too_soon_is_refused_with_the_seconds_left_then_sent_after_the_cooldown() {
    let app = spawn_app().await;
    let e164 = app.reach_token_page("judy").await;
    app.advance(12);
    assert_eq!(app.post_form("/api/resend_code", &[]).await, "/verify");
    let page = visible_text(&app.page_text("/verify").await);
    assert!(page.contains("Please wait 18 seconds before asking for a new code."), "{page}");
    assert_eq!(app.codes_sent_to(&e164).len(), 1);

    app.advance(18);
    app.post_form("/api/resend_code", &[]).await;
    let page = visible_text(&app.page_text("/verify").await);
    assert!(page.contains("You asked for a new code: the previous one no longer works."), "{page}");
    let codes = app.codes_sent_to(&e164);
    assert_eq!(codes.len(), 2);
    assert_eq!(app.post_form("/api/check_code", &[("code", &codes[0])]).await, "/success");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sixth_code_to_one_number_within_ten_minutes_is_refused() {
    let app = spawn_app().await;
    let e164 = app.reach_token_page("ken").await;
    for _ in 0..4 {
        app.advance(30);
        app.post_form("/api/resend_code", &[]).await;
    }
    assert_eq!(app.codes_sent_to(&e164).len(), 5);
    app.advance(30);
    app.post_form("/api/resend_code", &[]).await;
    let page = visible_text(&app.page_text("/verify").await);
    assert!(page.contains("Too many codes were sent to this destination. Try again in 8 minutes."), "{page}");
    assert_eq!(app.codes_sent_to(&e164).len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_calls_code_is_kept_sealed_only_while_it_can_be_used() {
    let app = spawn_app().await;
    app.reach_token_page_by("ada", "call").await;
    let ids = support::Database::of(&app).await.texts("SELECT id FROM verifications WHERE subject = 'ada'").await;
    let id = leptos_2fa::testing::VerificationId::parse(&ids[0]).unwrap();
    let sealed = || async { app.state.application.store.latest_delivery(&id).await.unwrap().unwrap().sealed_code };
    let sealed_code = sealed().await.expect("the code waits, sealed, for the call to ask for it");
    assert!(sealed_code.len() > 6);
    let housekeep = || async { app.state.application.housekeep().await.unwrap().expect("nobody else is housekeeping") };
    assert_eq!(housekeep().await.call_codes, 0);
    app.advance(601);
    assert_eq!(housekeep().await.call_codes, 1);
    assert!(sealed().await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clearing_cookies_resets_no_counter() {
    let mut app = spawn_app().await;
    let e164 = app.reach_token_page("ken").await;
    for _ in 0..4 {
        app.advance(30);
        app.post_form("/api/resend_code", &[]).await;
    }
    // The same user in a browser with no cookies: a new session, the same limits.
    app.client = support::browser_client(&app.base);
    app.advance(30);
    assert_eq!(app.begin("ken").await, "/methods");
    assert_eq!(app.post_form("/api/choose_method", &[("channel", "sms")]).await, "/phone");
    let national = format!("0{}", &e164[3..]);
    assert_eq!(app.post_form("/api/register_phone", &[("country", "FR"), ("number", &national)]).await, "/phone");
    let page = visible_text(&app.page_text("/phone").await);
    assert!(page.contains("Too many codes were sent to this destination"), "{page}");
    assert_eq!(app.codes_sent_to(&e164).len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verification_cannot_be_checked_by_another_user() {
    let app = spawn_app().await;
    let e164 = app.reach_token_page("leo").await;
    let code = app.latest_code(&e164);
    let ids = support::Database::of(&app).await.texts("SELECT id FROM verifications WHERE subject = 'leo'").await;
    let alice_id = VerificationId::parse(&ids[0]).unwrap();
    assert_eq!(app.state.application.verifier.check(Owner::session("mallory"), &alice_id, &code).await, Err(PortalError::VerificationNotFound));
    let unknown = VerificationId::generate();
    assert_eq!(app.state.application.verifier.check(Owner::session("leo"), &unknown, &code).await, Err(PortalError::VerificationNotFound));
    assert!(app.state.application.verifier.check(Owner::session("leo"), &alice_id, &code).await.is_ok(), "the owner still can");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_expired_or_replayed_request_is_refused_with_a_clear_page() {
    let app = spawn_app().await;
    let claims = app.request_claims("mia", None);
    let token = app.state.application.client_keys.sign_request(&claims);

    let tampered = format!("{}x", token);
    assert_eq!(app.get_location(&format!("/start?request={tampered}")).await, "/failure");
    let page = visible_text(&app.page_text("/failure").await);
    assert!(page.contains("The link that brought you here is not valid."), "{page}");
    assert!(!page.contains("Try again"), "{page}");

    assert_eq!(app.get_location(&format!("/start?request={token}")).await, "/methods");
    assert_eq!(app.get_location(&format!("/start?request={token}")).await, "/failure");
    let page = visible_text(&app.page_text("/failure").await);
    assert!(page.contains("The link that brought you here has already been used."), "{page}");

    let mut late = app.request_claims("mia", None);
    late.exp = app.clock_now() - 1;
    assert_eq!(app.begin_with(&late).await, "/failure");
    let page = visible_text(&app.page_text("/failure").await);
    assert!(page.contains("The link that brought you here has expired."), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn even_a_signed_request_cannot_send_the_user_to_an_origin_that_is_not_allowed() {
    let app = spawn_app().await;
    for elsewhere in ["https://evil.example/steal", "https://app.example.evil.example/", "http://app.example/after-2fa"] {
        let mut claims = app.request_claims("eve", None);
        claims.return_url = elsewhere.into();
        assert_eq!(app.begin_with(&claims).await, "/failure", "{elsewhere}");
        let page = visible_text(&app.page_text("/failure").await);
        assert!(page.contains("The link that brought you here is not valid."), "{page}");
        assert!(!page.contains("evil") && !page.contains("Back to"), "{page}");
        // Leaving the failure page goes nowhere outside.
        let back = app.post_form("/finish", &[]).await;
        assert!(!back.contains("evil") && !back.starts_with("http://app.example"), "{back}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_failure_page_never_shows_text_taken_from_its_address() {
    let app = spawn_app().await;
    app.reach_token_page("trudy").await;
    for _ in 0..5 {
        app.post_form("/api/check_code", &[("code", "000000")]).await;
    }
    let page = app.page_text("/failure?error=%3Cb%3EAccount+locked%3C%2Fb%3E&message=Call+0800+123").await;
    let text = visible_text(&page);
    assert!(text.contains("Too many wrong codes were entered"), "{text}");
    assert!(!page.contains("Account") && !text.contains("0800"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_verification_survives_a_restart_of_the_portal() {
    let first = spawn_app().await;
    let e164 = first.reach_token_page("nina").await;
    let code = first.latest_code(&e164);
    let restarted = spawn_app_in(first.dir.clone(), first.clock.clone()).await;
    // Same browser (cookies are per host, not per port), new process on the same database.
    let continued = support::TestApp { client: first.client.clone(), ..restarted };
    let page = visible_text(&continued.page_text("/verify").await);
    assert!(page.contains("Enter your code"), "{page}");
    assert_eq!(continued.post_form("/api/check_code", &[("code", &code)]).await, "/success");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_id_changes_when_the_second_factor_succeeds() {
    let app = spawn_app().await;
    let e164 = app.reach_token_page("oscar").await;
    let code = app.latest_code(&e164);
    let response = app
        .client
        .post(app.url("/api/check_code"))
        .header("accept", "text/html")
        .form(&[("code", code.as_str())])
        .send()
        .await
        .unwrap();
    let cookie = response.headers().get("set-cookie").expect("a new session cookie").to_str().unwrap();
    assert!(cookie.starts_with("twofa_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_request_the_portal_explains_where_to_go() {
    let app = spawn_app().await;
    let home = visible_text(&app.page_text("/").await);
    assert!(home.contains("Nothing to verify here"), "{home}");
    assert_eq!(app.get_location("/verify").await, "/");
    assert_eq!(app.post_form("/api/check_code", &[("code", "123456")]).await, "/");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_follow_the_browser_language_and_the_picker() {
    let app = spawn_app().await;
    app.begin("pia").await;
    let french = app.client.get(app.url("/methods")).header("accept", "text/html").header("accept-language", "fr-FR,fr;q=0.9").send().await.unwrap();
    // Only the picker sets the language cookie: a page that did would pin its guess, and one
    // without a path (as leptos_i18n's went out) would shadow the picker's choice under its path.
    let sets_language = |response: &reqwest::Response| response.headers().get_all("set-cookie").iter().any(|c| c.to_str().unwrap().starts_with("i18n_pref_locale"));
    assert!(!sets_language(&french));
    let french = visible_text(&french.text().await.unwrap());
    assert!(french.contains("Comment recevoir votre code ?"), "{french}");

    // Quality values order the languages, q=0 refuses one; a region or a script falls back to the
    // language shipped; a right-to-left language turns the whole document.
    let page_in = |accepted: &'static str| {
        let request = app.client.get(app.url("/methods")).header("accept", "text/html").header("accept-language", accepted);
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    assert!(page_in("fr;q=0, en").await.contains("How should we send your code?"));
    assert!(page_in("de;q=0.3, it;q=0.8").await.contains(r#"<html lang="it""#));
    assert!(page_in("pt-BR,pt;q=0.9").await.contains(r#"<html lang="pt""#));
    assert!(page_in("zh-Hant-TW").await.contains(r#"<html lang="zh-Hant""#));
    let arabic = page_in("ar-EG").await;
    assert!(arabic.contains(r#"<html lang="ar" dir="rtl">"#), "{arabic}");
    assert!(arabic.contains("<title>"), "{arabic}");

    let back = app.post_form("/locale", &[("locale", "fr"), ("back", "/methods")]).await;
    assert_eq!(back, "/methods");
    let picked = visible_text(&app.page_text("/methods").await);
    assert!(picked.contains("Comment recevoir votre code ?"), "the cookie wins over Accept-Language: {picked}");
    let chose = app.client.post(app.url("/api/choose_method")).form(&[("channel", "sms")]).send().await.unwrap();
    assert!(!sets_language(&chose), "a server function sets no language cookie");
    assert_eq!(app.post_form("/locale", &[("locale", "fr"), ("back", "https://evil.example")]).await, "/");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_lists_messages_as_json_with_the_documented_fields() {
    let app = spawn_app().await;
    let e164 = app.reach_token_page("quinn").await;
    let entries: serde_json::Value = app.client.get(app.url("/dev/outbox?format=json")).send().await.unwrap().json().await.unwrap();
    let entry = &entries[0];
    assert_eq!(entry["to"], e164.as_str());
    assert_eq!(entry["channel"], "sms");
    let body = entry["body"].as_str().unwrap();
    assert!(body.contains("is your leptos-2fa verification code"));
    // The origin-bound last line phones and the WebOTP API read: `@host #code`.
    let host = url::Url::parse(&app.url("/")).unwrap().host_str().unwrap().to_owned();
    assert!(body.ends_with(&format!("\n\n@{host} #{}", app.latest_code(&e164))), "{body}");
    assert!(entry["sent_at"].as_str().unwrap().ends_with('Z'));
    let html = app.page_text("/dev/outbox").await;
    assert!(html.contains(&e164));
}
