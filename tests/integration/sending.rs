//! Send limits hold under concurrency, and one account's sends never lock another out of its own
//! number or tell it anything about that number.

use leptos_2fa::testing::FakeClock;
use reqwest::header::AUTHORIZATION;
use serde_json::{Value, json};
use std::sync::Arc;

use crate::support::{self, START, TestApp, fresh_mobile, statuses_in_parallel};

const API_KEY: &str = "relying-application-api-key-sending-01234";

async fn portal() -> TestApp {
    support::spawn_app_with(Arc::new(tempfile::tempdir().unwrap()), FakeClock::at(START), |settings| {
        settings.api_key = Some(API_KEY.to_owned().into());
    })
    .await
}

async fn send(app: &TestApp, user: &str, phone: &str) -> (u16, Value) {
    let body = json!({"user_id": user, "method": "sms", "phone_number": phone});
    let response = app.client.post(app.url("/api/v1/send")).header(AUTHORIZATION, format!("Bearer {API_KEY}")).json(&body).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_parallel_sends_to_one_number_give_one_code() {
    let app = portal().await;
    let (_, phone) = fresh_mobile();
    let send = json!({"user_id": "uma", "method": "sms", "phone_number": phone});
    let answers = statuses_in_parallel((0..20).map(|_| app.client.post(app.url("/api/v1/send")).bearer_auth(API_KEY).json(&send))).await;
    assert_eq!(answers.iter().filter(|status| **status == 200).count(), 1, "{answers:?}");
    assert_eq!(answers.iter().filter(|status| **status == 429).count(), 19, "{answers:?}");
    assert_eq!(app.codes_sent_to(&phone).len(), 1, "one paid text");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_account_cannot_use_up_a_users_own_number_nor_learn_of_its_codes() {
    let app = portal().await;
    let (_, phone) = fresh_mobile();
    // The owner gets a code now: the attacker's answers must not tell.
    let (status, _) = send(&app, "owner", &phone).await;
    assert_eq!(status, 200);
    let (status, first) = send(&app, "attacker", &phone).await;
    assert_eq!(status, 200, "the owner's code just now does not show in the attacker's answer: {first}");
    for _ in 0..4 {
        app.advance(31);
        assert_eq!(send(&app, "attacker", &phone).await.0, 200);
    }
    app.advance(31);
    let (status, refused) = send(&app, "attacker", &phone).await;
    assert_eq!((status, refused["error_code"].as_str()), (429, Some("max_sends_reached")), "{refused}");

    // The owner's own budget is untouched.
    let (status, sent) = send(&app, "owner", &phone).await;
    assert_eq!(status, 200, "{sent}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_user_gets_no_more_than_the_daily_limit_across_numbers() {
    let app = support::spawn_app_with(Arc::new(tempfile::tempdir().unwrap()), FakeClock::at(START), |settings| {
        settings.api_key = Some(API_KEY.to_owned().into());
        settings.max_sends_per_user = 3;
    })
    .await;
    for _ in 0..3 {
        let (_, phone) = fresh_mobile();
        assert_eq!(send(&app, "vera", &phone).await.0, 200);
    }
    let (_, phone) = fresh_mobile();
    let (status, refused) = send(&app, "vera", &phone).await;
    assert_eq!((status, refused["error_code"].as_str()), (429, Some("max_sends_reached")), "{refused}");
    assert!(app.codes_sent_to(&phone).is_empty());
}

async fn portal_with(configure: impl FnOnce(&mut leptos_2fa::config::Settings)) -> TestApp {
    support::spawn_app_with(Arc::new(tempfile::tempdir().unwrap()), FakeClock::at(START), |settings| {
        settings.api_key = Some(API_KEY.to_owned().into());
        configure(settings);
    })
    .await
}

async fn send_by(app: &TestApp, user: &str, method: &str, phone: &str, forwarded_for: Option<&str>) -> (u16, Value) {
    let body = json!({"user_id": user, "method": method, "phone_number": phone, "phone_country": "FR"});
    let mut request = app.client.post(app.url("/api/v1/send")).header(AUTHORIZATION, format!("Bearer {API_KEY}")).json(&body);
    if let Some(forwarded_for) = forwarded_for {
        request = request.header("x-forwarded-for", forwarded_for);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

fn refused_limits(events: &mut tokio::sync::broadcast::Receiver<leptos_2fa::events::Event>) -> Vec<&'static str> {
    std::iter::from_fn(|| events.try_recv().ok())
        .filter_map(|event| match event {
            leptos_2fa::events::Event::SendRefused { limit, .. } => Some(limit),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_call_goes_to_a_premium_rate_shared_cost_or_toll_free_number() {
    let app = portal().await;
    for number in ["0899234567", "0810123456", "0800123456"] {
        let (status, refused) = send_by(&app, "wade", "call", number, None).await;
        assert_eq!((status, refused["error_code"].as_str()), (400, Some("number_type_not_allowed")), "{number}: {refused}");
    }
    assert!(app.state.application.outbox.as_ref().unwrap().entries().is_empty(), "not one call was placed");
    // The pages say so too.
    app.begin("xavi").await;
    app.post_form("/api/choose_method", &[("channel", "call")]).await;
    assert_eq!(app.post_form("/api/register_phone", &[("country", "FR"), ("number", "0899234567")]).await, "/phone");
    let page = crate::support::visible_text(&app.page_text("/phone").await);
    assert!(page.contains("Codes cannot go to this kind of number"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_request_tries_at_most_three_numbers() {
    let app = portal().await;
    app.begin("yuri").await;
    app.post_form("/api/choose_method", &[("channel", "sms")]).await;
    for _ in 0..3 {
        let (national, _) = fresh_mobile();
        assert_eq!(app.post_form("/api/register_phone", &[("country", "FR"), ("number", &national)]).await, "/verify");
    }
    let (national, e164) = fresh_mobile();
    assert_eq!(app.post_form("/api/register_phone", &[("country", "FR"), ("number", &national)]).await, "/phone");
    let page = crate::support::visible_text(&app.page_text("/phone").await);
    assert!(page.contains("This sign-in has tried as many numbers and addresses as it may"), "{page}");
    assert!(app.codes_sent_to(&e164).is_empty());
}

/// A browser session of `user` asks for a code to a fresh number, through a proxy that says the
/// client is `forwarded_for`.
async fn send_from(app: &TestApp, user: &str, forwarded_for: &str) -> u16 {
    app.begin(user).await;
    let body = json!({"method": "sms", "phone_number": fresh_mobile().0, "phone_country": "FR"});
    let request = app.client.post(app.url("/api/v1/send")).header("x-forwarded-for", forwarded_for).json(&body);
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_client_gets_a_bounded_number_of_codes_and_forwarded_addresses_count_only_through_trusted_proxies() {
    let app = portal_with(|settings| settings.max_sends_per_client = 2).await;
    let mut events = app.state.application.events.subscribe();
    for user in ["c1", "c2"] {
        assert_eq!(send_from(&app, user, "198.51.100.1").await, 200);
    }
    // A forged header from an untrusted peer changes nothing: the peer is the client.
    assert_eq!(send_from(&app, "c3", "198.51.100.2").await, 429);
    assert_eq!(refused_limits(&mut events), ["per_client"]);
    // An application's server is not a client of its users: its API calls count per user.
    assert_eq!(send_by(&app, "c4", "sms", &fresh_mobile().0, None).await.0, 200);

    let proxied = portal_with(|settings| {
        settings.max_sends_per_client = 2;
        settings.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;
    for user in ["p1", "p2"] {
        assert_eq!(send_from(&proxied, user, "2001:db8:1:2::1").await, 200);
    }
    assert_eq!(send_from(&proxied, "p3", "2001:db8:1:2:ffff::7").await, 429, "the same IPv6 /64 is one client");
    assert_eq!(send_from(&proxied, "p4", "2001:db8:1:3::1").await, 200, "another client behind the proxy");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_block_of_numbers_gets_a_bounded_number_of_codes_across_users() {
    let app = portal_with(|settings| settings.max_sends_per_prefix = 2).await;
    let mut events = app.state.application.events.subscribe();
    for (user, number) in [("r1", "0612345001"), ("r2", "0612345002")] {
        assert_eq!(send_by(&app, user, "sms", number, None).await.0, 200);
    }
    let (status, refused) = send_by(&app, "r3", "sms", "0612345003", None).await;
    assert_eq!((status, refused["error_code"].as_str()), (429, Some("max_sends_reached")), "{refused}");
    assert_eq!(refused["retry_after"], 3600, "the whole hour: nothing about when the others' codes went");
    assert_eq!(refused_limits(&mut events), ["per_number_prefix"]);
    assert_eq!(send_by(&app, "r4", "sms", "0612346003", None).await.0, 200, "the next block is another prefix");

    // r1's number is now hers: the crowded block does not keep her from it.
    let (_, sent) = send_by(&app, "r5", "sms", "0612346004", None).await;
    let check = json!({"user_id": "r5", "verification_id": sent["verification_id"], "code": app.latest_code("+33612346004")});
    app.client.post(app.url("/api/v1/verify")).bearer_auth(API_KEY).json(&check).send().await.unwrap();
    assert_eq!(send_by(&app, "r6", "sms", "0612346005", None).await.0, 429, "the block is full for new numbers");
    app.advance(31);
    assert_eq!(send_by(&app, "r5", "sms", "0612346004", None).await.0, 200, "its owner still gets a code");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hourly_budget_stops_sending_and_says_so() {
    let app = portal_with(|settings| settings.max_sends_per_hour = 2).await;
    let mut events = app.state.application.events.subscribe();
    for user in ["b1", "b2"] {
        assert_eq!(send_by(&app, user, "sms", &fresh_mobile().0, None).await.0, 200);
    }
    let (status, refused) = send_by(&app, "b3", "sms", &fresh_mobile().0, None).await;
    assert_eq!((status, refused["error_code"].as_str()), (503, Some("sending_paused")), "{refused}");
    assert_eq!(refused_limits(&mut events), ["hourly_budget"]);
    assert!(!app.state.application.store.user_exists("b3").await.unwrap(), "a refused send writes no user");
    app.advance(3601);
    assert_eq!(send_by(&app, "b3", "sms", &fresh_mobile().0, None).await.0, 200, "a new hour, a new budget");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_accounts_cannot_flood_one_number_and_its_owner_is_not_held_up() {
    let app = portal_with(|settings| settings.max_sends_per_destination_across_users = 2).await;
    let (national, e164) = fresh_mobile();
    // The owner verifies the number as theirs.
    let (_, sent) = send_by(&app, "owner", "sms", &national, None).await;
    let check = json!({"user_id": "owner", "verification_id": sent["verification_id"], "code": app.latest_code(&e164)});
    let verified = app.client.post(app.url("/api/v1/verify")).header(AUTHORIZATION, format!("Bearer {API_KEY}")).json(&check).send().await.unwrap();
    assert_eq!(verified.json::<Value>().await.unwrap()["verified"], true);

    // Codes to the owner's own number do not count here (only the one that registered it did):
    // else mallory1 would already be refused.
    app.advance(31);
    assert_eq!(send_by(&app, "owner", "sms", &national, None).await.0, 200);
    assert_eq!(send_by(&app, "mallory1", "sms", &national, None).await.0, 200);
    let (status, refused) = send_by(&app, "mallory2", "sms", &national, None).await;
    assert_eq!((status, refused["retry_after"].as_u64()), (429, Some(3600)), "the wait tells nothing of the owner's codes: {refused}");
    app.advance(31);
    assert_eq!(send_by(&app, "owner", "sms", &national, None).await.0, 200, "the owner still gets their codes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_country_whose_codes_are_not_entered_gets_no_new_numbers_and_the_operator_hears_of_it() {
    let configure = |hold: bool| {
        move |settings: &mut leptos_2fa::config::Settings| {
            settings.conversion_min_sends = 4;
            settings.conversion_min_percent = 50;
            if !hold {
                settings.conversion_action = leptos_2fa::config::ConversionAction::Report;
            }
        }
    };
    let app = portal_with(configure(true)).await;
    let (owner_national, owner_e164) = fresh_mobile();
    let (_, sent) = send_by(&app, "owner", "sms", &owner_national, None).await;
    let check = json!({"user_id": "owner", "verification_id": sent["verification_id"], "code": app.latest_code(&owner_e164)});
    app.client.post(app.url("/api/v1/verify")).header(AUTHORIZATION, format!("Bearer {API_KEY}")).json(&check).send().await.unwrap();
    for user in ["pump1", "pump2", "pump3"] {
        assert_eq!(send_by(&app, user, "sms", &fresh_mobile().0, None).await.0, 200);
    }
    let mut events = app.state.application.events.subscribe();
    let (status, refused) = send_by(&app, "pump4", "sms", &fresh_mobile().0, None).await;
    assert_eq!((status, refused["error_code"].as_str()), (503, Some("sending_paused")), "{refused}");
    let alarms: Vec<_> = std::iter::from_fn(|| events.try_recv().ok())
        .filter_map(|event| match event {
            leptos_2fa::events::Event::ConversionAlarm { country, sent, entered, held } => Some((country, sent, entered, held)),
            _ => None,
        })
        .collect();
    assert_eq!(alarms, [("FR".to_owned(), 4, 1, true)]);
    app.advance(31);
    assert_eq!(send_by(&app, "owner", "sms", &owner_national, None).await.0, 200, "a user's own number still gets codes");

    let reporting = portal_with(configure(false)).await;
    for user in ["pump1", "pump2", "pump3", "pump4"] {
        assert_eq!(send_by(&reporting, user, "sms", &fresh_mobile().0, None).await.0, 200);
    }
    let mut events = reporting.state.application.events.subscribe();
    assert_eq!(send_by(&reporting, "pump5", "sms", &fresh_mobile().0, None).await.0, 200, "only reported");
    let reported = std::iter::from_fn(|| events.try_recv().ok())
        .any(|event| matches!(event, leptos_2fa::events::Event::ConversionAlarm { held: false, sent: 4, entered: 0, .. }));
    assert!(reported);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_parallel_resends_of_one_code_send_one_and_store_one_delivery() {
    let app = support::spawn_app().await;
    let e164 = app.reach_token_page("una").await;
    app.advance(31);
    let resend = || app.client.post(app.url("/api/resend_code")).header(reqwest::header::ACCEPT, "text/html").form(&[] as &[(&str, &str)]);
    let answers = statuses_in_parallel((0..20).map(|_| resend())).await;
    assert!(answers.iter().all(|status| *status == 302 || *status == 303), "{answers:?}");
    assert_eq!(app.codes_sent_to(&e164).len(), 2, "the first code and one resend");
    let database = support::Database::of(&app).await;
    assert_eq!(database.number("SELECT COUNT(*) FROM deliveries").await, Some(2), "each code with its one delivery");
    assert_eq!(database.number("SELECT COUNT(*) FROM send_slots").await, Some(2), "each code with its one slot");
    assert_eq!(database.number("SELECT sends FROM verifications").await, Some(2));
}
