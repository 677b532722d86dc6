use leptos::prelude::*;

use super::journey_page::JourneyPage;
use super::notice::NoticeBanner;
use super::outcome::SkipForm;
use crate::i18n::{t, use_i18n};
use crate::view::{PortalView, Step};
use crate::server_fns::RegisterEmail;

/// Registration or change of the e-mail address codes go to.
#[component]
pub fn EmailPage() -> impl IntoView {
    let i18n = use_i18n();
    let register = ServerAction::<RegisterEmail>::new();
    let render = move |view: PortalView| {
        let other_method = (view.methods.len() > 1).then(|| view.href(Step::ChooseMethod));
        let skip = view.clone();
        view! {
            <h1>
                {if view.has_email { t!(i18n, email.title_change).into_any() } else { t!(i18n, email.title_register).into_any() }}
            </h1>
            <p class="lead">{t!(i18n, email.intro)}</p>
            <NoticeBanner notice=view.notice.clone()/>
            <ActionForm action=register attr:class="form" attr:novalidate=true>
                <div class="field">
                    <label for="email">{t!(i18n, email.address)}</label>
                    <input id="email" name="email" type="email" autocomplete="email" required autofocus value=view.email_input.clone()/>
                </div>
                <button type="submit" class="button primary" disabled=move || register.pending().get()>
                    {t!(i18n, email.submit)}
                </button>
            </ActionForm>
            {other_method.map(|href| view! {
                <p class="secondary-links"><a href=href>{t!(i18n, phone.other_method)}</a></p>
            })}
            <SkipForm view=skip/>
        }
    };
    view! { <JourneyPage accepts=&[Step::RegisterEmail, Step::ChooseMethod, Step::EnterCode] render/> }
}
