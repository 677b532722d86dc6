//! The delivery line of the token page: how far the code has got, followed live where JavaScript
//! runs, with a one-click switch to the other phone channel when it did not get through.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::{Deserialize, Serialize};

use crate::domain::{Channel, DeliveryState};
use crate::i18n::{t_string, use_i18n};
use crate::server_fns::SwitchChannel;

/// How often the page asks while the provider's reports come in.
#[cfg(feature = "hydrate")]
const POLL_EVERY: std::time::Duration = std::time::Duration::from_secs(3);

/// Shown for codes whose gateway reports their progress (Twilio Verify's does not).
#[component]
pub fn DeliveryLine(channel: Channel, state: DeliveryState, methods: Vec<Channel>) -> impl IntoView {
    let wording = DeliveryWording::new(channel, &methods);
    view! { <DeliveryProgress channel state wording/> }
}

/// Every sentence the line may show for this code, worded by the server: the browser gets these
/// few strings instead of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct DeliveryWording {
    states: Vec<(DeliveryState, String)>,
    /// The other phone channel, offered when the code did not get through.
    switch: Option<(Channel, String)>,
}

impl DeliveryWording {
    fn new(channel: Channel, methods: &[Channel]) -> Self {
        let i18n = use_i18n();
        let text = |state| match (state, channel) {
            (DeliveryState::Queued, Channel::Call) => t_string!(i18n, delivery.calling),
            (DeliveryState::Queued, _) => t_string!(i18n, delivery.queued),
            (DeliveryState::Sent, Channel::Email) => t_string!(i18n, delivery.sent_email),
            (DeliveryState::Sent, _) => t_string!(i18n, delivery.sent),
            (DeliveryState::Ringing, _) => t_string!(i18n, delivery.ringing),
            (DeliveryState::Answered, _) => t_string!(i18n, delivery.answered),
            (DeliveryState::Delivered, Channel::Email) => t_string!(i18n, delivery.delivered_email),
            (DeliveryState::Delivered, _) => t_string!(i18n, delivery.delivered_phone),
            (DeliveryState::Completed, _) => t_string!(i18n, delivery.completed),
            (DeliveryState::Undelivered, _) => t_string!(i18n, delivery.undelivered),
            (DeliveryState::NotAnswered, _) => t_string!(i18n, delivery.not_answered),
        };
        let other = match channel {
            Channel::Sms | Channel::Whatsapp => Some(Channel::Call),
            Channel::Call => Some(Channel::Sms),
            Channel::Email => None,
        }
        .filter(|other| methods.contains(other));
        DeliveryWording {
            states: DeliveryState::ALL.into_iter().map(|state| (state, text(state).to_string())).collect(),
            switch: other.map(|other| {
                let label = match other {
                    Channel::Call => t_string!(i18n, delivery.call_instead),
                    _ => t_string!(i18n, delivery.text_instead),
                };
                (other, label.to_string())
            }),
        }
    }

    fn text(&self, state: DeliveryState) -> String {
        self.states.iter().find(|(known, _)| *known == state).map(|(_, text)| text.clone()).unwrap_or_default()
    }
}

/// The line itself: an island that asks the server while reports may still come. Its source
/// must read the same in the server's and the browser's build: Leptos names an island by a hash
/// of it, and a `cfg` here would give the two builds different names.
#[island]
fn DeliveryProgress(channel: Channel, state: DeliveryState, wording: DeliveryWording) -> impl IntoView {
    let current = RwSignal::new(state);
    Effect::new(move |_| follow_reports(channel, current));
    let failed = move || current.get().failed();
    let switch = wording.switch.clone().map(|(other, label)| {
        // A plain form: the server answers it with the token page, as without JavaScript.
        view! {
            <form method="post" action=SwitchChannel::url() class="switch" hidden=move || !failed()>
                <input type="hidden" name="channel" value=other.as_str()/>
                <button type="submit" class="button secondary">{label}</button>
            </form>
        }
    });
    view! {
        <div class="delivery" role="status" aria-live="polite">
            <p class="delivery-state" class:failed=failed data-delivery=move || current.get().as_str()>
                {move || wording.text(current.get())}
            </p>
            {switch}
        </div>
    }
}

/// Asks the server every few seconds while the provider may still report. Effects run only in
/// the browser: the server's build has nothing to follow.
fn follow_reports(channel: Channel, current: RwSignal<DeliveryState>) {
    #[cfg(feature = "hydrate")]
    {
        let awaits_reports = move || current.get_untracked().expects_reports(channel);
        if !awaits_reports() {
            return;
        }
        let ask = move || {
            if awaits_reports() {
                leptos::task::spawn_local(async move {
                    if let Some(state) = fetch_delivery_state().await {
                        current.set(state);
                    }
                });
            }
        };
        if let Ok(handle) = set_interval_with_handle(ask, POLL_EVERY) {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (channel, current);
}

/// `poll_delivery`'s answer (`"delivered"`, or `null` when there is no news) by a bare `fetch`:
/// the server-function client and the error types it decodes would triple the browser build.
#[cfg(feature = "hydrate")]
async fn fetch_delivery_state() -> Option<DeliveryState> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    let response = JsFuture::from(window().fetch_with_str_and_init(crate::server_fns::PollDelivery::url(), &init)).await.ok()?;
    let response: web_sys::Response = response.dyn_into().ok()?;
    if !response.ok() {
        return None;
    }
    let body = JsFuture::from(response.text().ok()?).await.ok()?.as_string()?;
    body.trim().trim_matches('"').parse().ok()
}
