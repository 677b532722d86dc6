use leptos::prelude::*;

use super::flow_page::FlowPage;
use crate::i18n::{t, t_string, use_i18n};
use crate::protocol::{PortalView, Step};

#[component]
pub fn SuccessPage() -> impl IntoView {
    let i18n = use_i18n();
    let render = move |view: PortalView| {
        let host = view.return_host.unwrap_or_default();
        view! {
            <div class="outcome success">
                <svg class="outcome-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                    <path d="M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20Zm-1.3 14.3-4-4 1.4-1.4 2.6 2.6 5.6-5.6 1.4 1.4-7 7Z"/>
                </svg>
                <h1>{t!(i18n, success.title)}</h1>
                <p class="lead">{t!(i18n, success.body)}</p>
                // A plain form: the signed result is minted once, when the user leaves.
                <form method="post" action="/finish">
                    <button type="submit" class="button primary">{move || t_string!(i18n, success.continue_to, host = host.clone())}</button>
                </form>
            </div>
        }
    };
    view! { <FlowPage accepts=&[Step::Verified] render/> }
}
