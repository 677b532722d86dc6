use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::time::Duration;

use super::delivery::DeliveryLine;
use super::journey_page::JourneyPage;
use super::notice::NoticeBanner;
use crate::domain::Channel;
use crate::i18n::{t, t_string, use_i18n};
use crate::view::{PendingCode, PortalView, Step};
use crate::server_fns::{CheckCode, ResendCode};

/// The token form: where the user types the code they received.
#[component]
pub fn TokenPage() -> impl IntoView {
    let render = move |view: PortalView| match view.pending.clone() {
        Some(pending) => view! { <TokenForm view pending/> }.into_any(),
        None => ().into_any(),
    };
    view! { <JourneyPage accepts=&[Step::EnterCode] render/> }
}

#[component]
fn TokenForm(view: PortalView, pending: PendingCode) -> impl IntoView {
    let i18n = use_i18n();
    let check = ServerAction::<CheckCode>::new();
    let resend = ServerAction::<ResendCode>::new();
    let length = pending.code_length;
    let destination = pending.destination.clone();
    let sent = move || match pending.channel {
        Channel::Sms => t_string!(i18n, verify.sent_sms, length = length, destination = destination.clone()),
        Channel::Call => t_string!(i18n, verify.sent_call, length = length, destination = destination.clone()),
        Channel::Email => t_string!(i18n, verify.sent_email, length = length, destination = destination.clone()),
        Channel::Whatsapp => t_string!(i18n, verify.sent_whatsapp, length = length, destination = destination.clone()),
    };
    let expiry = move || match pending.expires_in.div_ceil(60) {
        0 | 1 => t_string!(i18n, verify.expires_soon).to_string(),
        minutes => t_string!(i18n, verify.expires_in, minutes = minutes),
    };
    let change_link = match pending.channel {
        Channel::Email => view.can_change_email.then(|| view! { <a href=view.href(Step::RegisterEmail)>{t!(i18n, verify.change_email)}</a> }.into_any()),
        _ => view.can_change_phone.then(|| view! { <a href=view.href(Step::RegisterPhone)>{t!(i18n, verify.change_phone)}</a> }.into_any()),
    };
    view! {
        <h1>{t!(i18n, verify.title)}</h1>
        <p class="lead">{sent}</p>
        <NoticeBanner notice=view.notice.clone()/>
        {pending.delivery.map(|state| {
            let methods = view.methods.iter().map(|method| method.channel).collect::<Vec<_>>();
            view! { <DeliveryLine channel=pending.channel state methods/> }
        })}
        <ActionForm action=check attr:class="form" attr:novalidate=true>
            <div class="field">
                <label for="code">{t!(i18n, verify.code)}</label>
                <input
                    id="code"
                    name="code"
                    class="code-input"
                    type="text"
                    inputmode="numeric"
                    autocomplete="one-time-code"
                    spellcheck="false"
                    required
                    autofocus
                    aria-describedby="code-status"
                />
                <p class="hint" id="code-status">
                    <span class="attempts">{move || t_string!(i18n, verify.attempts_left, count = pending.attempts_left)}</span>
                    " · "
                    <span class="expiry">{expiry}</span>
                </p>
            </div>
            <button type="submit" class="button primary" disabled=move || check.pending().get()>
                {t!(i18n, verify.submit)}
            </button>
        </ActionForm>
        <ResendForm resend seconds=pending.resend_in/>
        <p class="secondary-links">
            {change_link}
            {(view.methods.len() > 1).then(|| view! { <a href=view.href(Step::ChooseMethod)>{t!(i18n, verify.other_method)}</a> })}
        </p>
    }
}

/// "Send a new code": a plain form; where JavaScript runs, its button waits out the cooldown.
/// Without it the server answers an early click with the seconds left.
#[component]
fn ResendForm(resend: ServerAction<ResendCode>, seconds: u64) -> impl IntoView {
    let i18n = use_i18n();
    let label = t_string!(i18n, verify.resend).to_string();
    let waiting = Countdown::split(&t_string!(i18n, verify.resend_in, seconds = Countdown::MARK));
    view! {
        <ActionForm action=resend attr:class="resend">
            <ResendButton label seconds waiting/>
        </ActionForm>
    }
}

/// "You can ask for a new code in N s." around its number, worded by the server so that no
/// catalogue of sentences ships to the browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Countdown {
    before: String,
    /// None: the sentence does not say the number (then it is shown as it is).
    after: Option<String>,
}

impl Countdown {
    /// Stands for the number while the server words the sentence.
    const MARK: &str = "\u{1}";

    fn split(sentence: &str) -> Self {
        match sentence.split_once(Self::MARK) {
            Some((before, after)) => Countdown { before: before.to_owned(), after: Some(after.to_owned()) },
            None => Countdown { before: sentence.to_owned(), after: None },
        }
    }

    fn with(&self, seconds: u64) -> String {
        match &self.after {
            Some(after) => format!("{}{seconds}{after}", self.before),
            None => self.before.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Countdown;

    #[test]
    fn the_countdown_puts_each_second_where_the_sentence_has_its_number() {
        let countdown = Countdown::split(&format!("Nouveau code dans {} s.", Countdown::MARK));
        assert_eq!(countdown.with(27), "Nouveau code dans 27 s.");
        assert_eq!(countdown.with(1), "Nouveau code dans 1 s.");
    }

    #[test]
    fn a_sentence_without_the_number_is_shown_as_it_is() {
        assert_eq!(Countdown::split("Wait a moment.").with(12), "Wait a moment.");
    }
}

/// The button and its countdown: an island, the only part of the form that runs in the browser.
#[island]
fn ResendButton(label: String, seconds: u64, waiting: Countdown) -> impl IntoView {
    let remaining = RwSignal::new(seconds);
    let counting = RwSignal::new(false);
    Effect::new(move |_| {
        counting.set(true);
        if let Ok(handle) = set_interval_with_handle(
            move || remaining.update(|left| *left = left.saturating_sub(1)),
            Duration::from_secs(1),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    view! {
        <button type="submit" class="button secondary" disabled=move || { counting.get() && remaining.get() > 0 }>
            {label}
        </button>
        <Show when=move || { remaining.get() > 0 }>
            <span class="hint" aria-live="polite">{
                let waiting = waiting.clone();
                move || waiting.with(remaining.get())
            }</span>
        </Show>
    }
}
