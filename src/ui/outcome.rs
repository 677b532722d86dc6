//! The way back to the relying application, from the success and failure pages.

use leptos::prelude::*;

/// Back to the relying application: a plain form post, so the signed result is minted once,
/// when the user leaves, with or without JavaScript.
#[component]
pub fn FinishForm(label: String, #[prop(optional)] secondary: bool) -> impl IntoView {
    let class = if secondary { "button secondary" } else { "button primary" };
    view! {
        <form method="post" action="/finish">
            <button type="submit" class=class>{label}</button>
        </form>
    }
}
