use leptos::prelude::*;

use super::journey_page::JourneyPage;
use super::layout::PageHeading;
use crate::i18n::{t, t_string, use_i18n};
use crate::view::{PortalView, Step};

/// Shown to a visitor who came without a request from a relying application.
#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    let render = move |view: PortalView| {
        view! {
            <PageHeading text=t_string!(i18n, home.title).to_string()/>
            <p>{t!(i18n, home.body)}</p>
            {view.demo.then(|| view! { <p><a class="button" href="/demo">{t!(i18n, home.demo)}</a></p> })}
        }
    };
    view! { <JourneyPage accepts=&[Step::NoRequest] render/> }
}
