//! Pieces shared by the success and failure pages.

use leptos::prelude::*;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum OutcomeKind {
    Success,
    Failure,
}

#[component]
pub fn OutcomeIcon(kind: OutcomeKind) -> impl IntoView {
    let path = match kind {
        OutcomeKind::Success => "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20Zm-1.3 14.3-4-4 1.4-1.4 2.6 2.6 5.6-5.6 1.4 1.4-7 7Z",
        OutcomeKind::Failure => "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20Zm1 15h-2v-2h2v2Zm0-4h-2V7h2v6Z",
    };
    view! {
        <svg class="outcome-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path d=path/>
        </svg>
    }
}

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
