use leptos::prelude::*;

use super::journey_page::JourneyPage;
use super::layout::PageHeading;
use super::notice::{FieldFault, NoticeBanner};
use super::outcome::SkipForm;
use crate::i18n::{t, t_string, use_i18n};
use crate::refusal::Field;
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
        let fault = FieldFault::of(&view.notice, Field::Email);
        view! {
            <PageHeading text=if view.has_email { t_string!(i18n, email.title_change) } else { t_string!(i18n, email.title_register) }.to_string()/>
            <p class="lead" id="email-intro">{t!(i18n, email.intro)}</p>
            <NoticeBanner notice=view.notice.clone() field=Field::Email/>
            <ActionForm action=register attr:class="form" attr:novalidate=true>
                <div class="field">
                    <label for="email">{t!(i18n, email.address)}</label>
                    <input
                        id="email"
                        name="email"
                        type="email"
                        autocomplete="email"
                        dir="ltr"
                        required
                        autofocus=fault.field_takes_focus()
                        aria-invalid=fault.aria_invalid()
                        aria-describedby=fault.described_by("email-intro")
                        value=view.email_input.clone()
                    />
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
