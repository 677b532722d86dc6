//! The way back to the relying application, from the success and failure pages.

use leptos::prelude::*;

use crate::i18n::{t, use_i18n};
use crate::view::PortalView;

/// Back to the relying application: a plain form post, so the signed result is minted once,
/// when the user leaves, with or without JavaScript. `mount` is where the pages live.
#[component]
pub fn FinishForm(label: String, mount: String, #[prop(optional)] secondary: bool) -> impl IntoView {
    let class = if secondary { "button secondary" } else { "button primary" };
    view! {
        <form method="post" action=format!("{mount}/finish")>
            <button type="submit" class=class>{label}</button>
        </form>
    }
}

/// "Not now" on the registration pages, where the settings make registration optional.
#[component]
pub fn SkipForm(view: PortalView) -> impl IntoView {
    let i18n = use_i18n();
    view.registration_optional.then(|| {
        view! {
            <form method="post" action=format!("{}/skip", view.mount) class="skip">
                <button type="submit" class="link-button">{t!(i18n, phone.skip)}</button>
            </form>
        }
    })
}
