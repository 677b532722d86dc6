//! The delivery line of the token page: how far the code has got, followed live where JavaScript
//! runs, with a one-click switch to the other phone channel when it did not get through.

use leptos::prelude::*;
use std::time::Duration;

use crate::domain::{Channel, DeliveryState};
use crate::i18n::{t, t_string, use_i18n};
use crate::server_fns::{SwitchChannel, poll_delivery};

/// How often the page asks while the provider's reports come in.
const POLL_EVERY: Duration = Duration::from_secs(3);

/// Shown for codes whose gateway reports their progress (Twilio Verify's does not).
#[component]
pub fn DeliveryLine(channel: Channel, state: DeliveryState, methods: Vec<Channel>) -> impl IntoView {
    let i18n = use_i18n();
    let current = RwSignal::new(state);
    let awaits_reports = move || current.get_untracked().expects_reports(channel);
    Effect::new(move |_| {
        if !awaits_reports() {
            return;
        }
        if let Ok(handle) = set_interval_with_handle(
            move || {
                if awaits_reports() {
                    leptos::task::spawn_local(async move {
                        if let Ok(Some(state)) = poll_delivery().await {
                            current.set(state);
                        }
                    });
                }
            },
            POLL_EVERY,
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    let text = move || {
        match (current.get(), channel) {
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
        }
    };
    let other = match channel {
        Channel::Sms | Channel::Whatsapp => Some(Channel::Call),
        Channel::Call => Some(Channel::Sms),
        Channel::Email => None,
    }
    .filter(|other| methods.contains(other));
    let switch = ServerAction::<SwitchChannel>::new();
    view! {
        <div class="delivery" role="status" aria-live="polite">
            <p
                class="delivery-state"
                class:failed=move || current.get().failed()
                data-delivery=move || current.get().as_str()
            >
                {text}
            </p>
            {move || {
                other
                    .filter(|_| current.get().failed())
                    .map(|other| {
                        view! {
                            <ActionForm action=switch attr:class="switch">
                                <input type="hidden" name="channel" value=other.as_str()/>
                                <button type="submit" class="button secondary">
                                    {match other {
                                        Channel::Call => t!(i18n, delivery.call_instead).into_any(),
                                        _ => t!(i18n, delivery.text_instead).into_any(),
                                    }}
                                </button>
                            </ActionForm>
                        }
                    })
            }}
        </div>
    }
}
