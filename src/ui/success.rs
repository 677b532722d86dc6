use leptos::prelude::*;

use super::journey_page::JourneyPage;
use super::layout::PageHeading;
use super::icons::{self, Icon};
use super::outcome::FinishForm;
use crate::i18n::{t, t_string, use_i18n};
use crate::view::{PortalView, Step};

#[component]
pub fn SuccessPage() -> impl IntoView {
    let i18n = use_i18n();
    let render = move |view: PortalView| {
        let label = match view.application_name {
            Some(app) => t_string!(i18n, success.continue_to, app = app),
            None => t_string!(i18n, success.go_on).to_string(),
        };
        view! {
            <div class="outcome success">
                <Icon path=icons::SUCCESS class="outcome-icon"/>
                <PageHeading text=t_string!(i18n, success.title).to_string()/>
                <p class="lead">{t!(i18n, success.body)}</p>
                <FinishForm label mount=view.mount/>
            </div>
        }
    };
    view! { <JourneyPage accepts=&[Step::Verified] render/> }
}
