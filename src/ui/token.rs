use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::time::Duration;

use super::delivery::DeliveryLine;
use super::journey_page::JourneyPage;
use super::layout::PageHeading;
use super::notice::{FieldFault, NoticeBanner};
use super::web_otp::WebOtp;
use crate::domain::Channel;
use crate::i18n::{t, t_string, use_i18n};
use crate::refusal::Field;
use crate::view::{Notice, PendingCode, PortalView, Step, left_to_right};
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
    let destination = left_to_right(&pending.destination);
    let sent = match pending.channel {
        Channel::Sms => t_string!(i18n, verify.sent_sms, length = length, destination = destination),
        Channel::Call => t_string!(i18n, verify.sent_call, length = length, destination = destination),
        Channel::Email => t_string!(i18n, verify.sent_email, length = length, destination = destination),
        Channel::Whatsapp => t_string!(i18n, verify.sent_whatsapp, length = length, destination = destination),
    };
    let expiry = match pending.expires_in.div_ceil(60) {
        0 | 1 => t_string!(i18n, verify.expires_soon).to_string(),
        minutes => t_string!(i18n, verify.expires_in, count = minutes),
    };
    let change_link = match pending.channel {
        Channel::Email => view.can_change_email.then(|| view! { <a href=view.href(Step::RegisterEmail)>{t!(i18n, verify.change_email)}</a> }.into_any()),
        _ => view.can_change_phone.then(|| view! { <a href=view.href(Step::RegisterPhone)>{t!(i18n, verify.change_phone)}</a> }.into_any()),
    };
    // Where the delivery line follows the code, it says how far the code got: a notice that it
    // is on its way would contradict "Delivered".
    let notice = view.notice.clone().filter(|shown| pending.delivery.is_none() || shown.notice != Notice::CodeSent);
    let fault = FieldFault::of(&notice, Field::Code);
    view! {
        <PageHeading text=t_string!(i18n, verify.title).to_string()/>
        <p class="lead">{sent}</p>
        <NoticeBanner notice field=Field::Code/>
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
                    dir="ltr"
                    required
                    autofocus=fault.field_takes_focus()
                    aria-invalid=fault.aria_invalid()
                    aria-describedby=fault.described_by("code-status")
                />
                <p class="hint" id="code-status">
                    <span class="attempts">{t_string!(i18n, verify.attempts_left, count = pending.attempts_left)}</span>
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
        {(pending.channel == Channel::Sms).then(|| view! { <WebOtp/> })}
    }
}

/// "Send a new code": a plain form; where JavaScript runs, its button waits out the cooldown.
/// Without it the button only looks unavailable, and the server answers an early click with
/// the seconds left.
#[component]
fn ResendForm(resend: ServerAction<ResendCode>, seconds: u64) -> impl IntoView {
    let i18n = use_i18n();
    let label = t_string!(i18n, verify.resend).to_string();
    let waiting = Countdown::new(seconds, |count| t_string!(i18n, verify.resend_in, count = count));
    let ready = t_string!(i18n, verify.resend_ready).to_string();
    view! {
        <ActionForm action=resend attr:class="resend">
            <ResendButton label seconds waiting ready/>
        </ActionForm>
    }
}

/// "You can ask for a new code in N seconds." for every N of the wait, worded by the server so
/// that no catalogue of sentences nor plural rules ship to the browser: each plural form the wait
/// meets once, around its number, and which form each second takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Countdown {
    forms: Vec<Sentence>,
    /// `form_of[n - 1]`: the index in `forms` of the sentence for `n` seconds.
    form_of: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Sentence {
    before: String,
    /// None: the sentence does not say the number (then it is shown as it is).
    after: Option<String>,
}

impl Countdown {
    fn new(seconds: u64, sentence: impl Fn(u64) -> String) -> Self {
        let mut forms: Vec<Sentence> = Vec::new();
        let mut form_of = Vec::new();
        for count in 1..=seconds {
            let text = sentence(count);
            let number = count.to_string();
            let form = match text.split_once(&number) {
                Some((before, after)) => Sentence { before: before.to_owned(), after: Some(after.to_owned()) },
                None => Sentence { before: text, after: None },
            };
            let index = forms.iter().position(|known| *known == form).unwrap_or_else(|| {
                forms.push(form);
                forms.len() - 1
            });
            form_of.push(u8::try_from(index).unwrap_or_default());
        }
        Countdown { forms, form_of }
    }

    fn with(&self, seconds: u64) -> String {
        let index = usize::try_from(seconds).ok().and_then(|n| self.form_of.get(n.checked_sub(1)?));
        match index.and_then(|&i| self.forms.get(usize::from(i))) {
            Some(Sentence { before, after: Some(after) }) => format!("{before}{seconds}{after}"),
            Some(Sentence { before, after: None }) => before.clone(),
            None => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Countdown;

    fn english(count: u64) -> String {
        if count == 1 { "New code in 1 second.".into() } else { format!("New code in {count} seconds.") }
    }

    #[test]
    fn each_second_of_the_countdown_takes_its_own_plural_form() {
        let countdown = Countdown::new(30, english);
        assert_eq!(countdown.with(27), "New code in 27 seconds.");
        assert_eq!(countdown.with(1), "New code in 1 second.");
        // Two sentences travel, not thirty.
        assert_eq!(countdown.forms.len(), 2);
    }

    #[test]
    fn a_language_with_more_forms_keeps_them_apart() {
        let russian = |n: u64| match (n % 10, n % 100) {
            (1, 11) | (2..=4, 12..=14) | (0 | 5..=9, _) | (_, 11..=14) => format!("через {n} секунд"),
            (1, _) => format!("через {n} секунду"),
            _ => format!("через {n} секунды"),
        };
        let countdown = Countdown::new(25, russian);
        assert_eq!(countdown.with(21), "через 21 секунду");
        assert_eq!(countdown.with(22), "через 22 секунды");
        assert_eq!(countdown.with(25), "через 25 секунд");
    }

    #[test]
    fn a_sentence_without_the_number_is_shown_as_it_is() {
        assert_eq!(Countdown::new(12, |_| "Wait a moment.".into()).with(12), "Wait a moment.");
    }
}

/// The button and its countdown: an island, the only part of the form that runs in the browser.
/// The countdown is not a live region (a screen reader would read every second); a polite one
/// says once that a new code can be asked for.
#[island]
fn ResendButton(label: String, seconds: u64, waiting: Countdown, ready: String) -> impl IntoView {
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
    let waits = move || remaining.get() > 0;
    view! {
        <button
            type="submit"
            class="button secondary"
            disabled=move || counting.get() && waits()
            aria-disabled=move || waits().then_some("true")
            aria-describedby="resend-wait"
        >
            {label}
        </button>
        <span class="hint" id="resend-wait">{
            let waiting = waiting.clone();
            move || if waits() { waiting.with(remaining.get()) } else { String::new() }
        }</span>
        <span class="visually-hidden" role="status">{move || (seconds > 0 && !waits()).then(|| ready.clone())}</span>
    }
}
