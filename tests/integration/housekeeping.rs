//! Housekeeping keeps every table bounded: what has aged out goes, what a user may still need stays.

use crate::support::{self, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_a_week_past_their_expiry_are_cleared_and_recent_ones_kept() {
    let mut app = spawn_app().await;
    let old_phone = app.reach_token_page("old").await;
    let wrong = if app.latest_code(&old_phone) == "000000" { "111111" } else { "000000" };
    assert_eq!(app.post_form("/api/check_code", &[("code", wrong)]).await, "/verify");
    app.advance(2 * 24 * 3600);
    app.client = support::browser_client(&app.base);
    app.reach_token_page("recent").await;
    app.advance(6 * 24 * 3600);
    app.client = support::browser_client(&app.base);
    app.reach_token_page("new").await;

    let swept = app.state.application.housekeep().await.unwrap().expect("nobody else is housekeeping");
    assert_eq!((swept.verifications, swept.attempts), (1, 1), "only the code that expired over a week ago: {swept:?}");
    assert_eq!(swept.send_slots, 2, "slots older than every limit's window: {swept:?}");
    let database = support::Database::of(&app).await;
    let mut kept = database.texts("SELECT subject FROM verifications").await;
    kept.sort();
    assert_eq!(kept, ["new", "recent"]);
    assert_eq!(database.texts("SELECT subject FROM send_slots").await, ["new"]);
    assert_eq!(database.number("SELECT COUNT(*) FROM deliveries").await, Some(2));
    assert_eq!(database.number("SELECT COUNT(*) FROM attempts").await, Some(0));
    assert!(app.state.application.store.user_exists("old").await.unwrap(), "users stay: they hold their factors");

    let again = app.state.application.housekeep().await.unwrap().unwrap();
    assert_eq!((again.verifications, again.attempts, again.send_slots), (0, 0, 0), "nothing more to clear");
}
