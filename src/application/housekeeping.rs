//! Clearing away what has aged out, so that no table grows without bound. Every portal runs it
//! on a timer; with several sharing a database, one round runs at a time (`Storage::housekeep`).

use std::time::Duration;

use super::Application;
use crate::domain::UnixTime;
use crate::store::{Cutoffs, StoreError, Swept};

/// How long a verification, its attempts and deliveries are kept after it expired: for the
/// operator's questions about a recent sign-in, not longer.
pub const RECORDS_KEPT: Duration = Duration::from_secs(7 * 24 * 3600);

/// The longest any fixed send limit looks back (the per-prefix, per-client and hourly budgets).
const FIXED_LIMIT_WINDOW: Duration = Duration::from_secs(3600);

impl Application {
    /// One round of housekeeping; `None` when another portal is doing it right now.
    pub async fn housekeep(&self) -> Result<Option<Swept>, StoreError> {
        let policy = self.verifier.policy();
        let now = self.verifier.now();
        let before = |age: Duration| UnixTime(now.0 - age.as_secs() as i64);
        let cutoffs = Cutoffs {
            now,
            call_codes_before: before(policy.code_ttl),
            send_slots_before: before(policy.send_window.max(policy.user_send_window).max(FIXED_LIMIT_WINDOW)),
            records_before: before(RECORDS_KEPT),
        };
        let swept = self.store.housekeep(&cutoffs).await?;
        if swept.is_some() {
            self.sessions.delete_expired().await.map_err(|error| StoreError::Sessions(error.to_string()))?;
        }
        Ok(swept)
    }
}
