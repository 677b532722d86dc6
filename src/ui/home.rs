use leptos::prelude::*;

use super::journey_page::JourneyPage;
use crate::i18n::{t, use_i18n};
use crate::view::{PortalView, Step};

/// Shown to a visitor who came without a request from a relying application.
#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    let render = move |view: PortalView| {
        view! {
            <h1>{t!(i18n, home.title)}</h1>
            <p>{t!(i18n, home.body)}</p>
            {view.demo.then(|| view! { <p><a class="button" href="/demo">{t!(i18n, home.demo)}</a></p> })}
        }
    };
    view! { <JourneyPage accepts=&[Step::NoRequest] render/> }
}
