use leptos::prelude::*;

use super::journey_page::JourneyPage;
use super::layout::PageHeading;
use super::notice::{FieldFault, NoticeBanner};
use super::outcome::SkipForm;
use crate::i18n::{t, t_string, use_i18n};
use crate::refusal::Field;
use crate::view::{PortalView, Step};
use crate::server_fns::{RegisterPhone, country_options};

/// Registration of a phone number, or its change when one is already known.
#[component]
pub fn PhonePage() -> impl IntoView {
    let i18n = use_i18n();
    let register = ServerAction::<RegisterPhone>::new();
    let countries = Resource::new_blocking(|| (), |_| country_options());
    let render = move |view: PortalView| {
        let selected = view.phone_input.country.clone();
        let other_method = (view.methods.len() > 1).then(|| view.href(Step::ChooseMethod));
        let skip = view.clone();
        let fault = FieldFault::of(&view.notice, Field::PhoneNumber);
        view! {
            <PageHeading text=if view.has_phone { t_string!(i18n, phone.title_change) } else { t_string!(i18n, phone.title_register) }.to_string()/>
            <p class="lead">{t!(i18n, phone.intro)}</p>
            <NoticeBanner notice=view.notice.clone() field=Field::PhoneNumber/>
            <ActionForm action=register attr:class="form" attr:novalidate=true>
                <div class="field">
                    <label for="country">{t!(i18n, phone.country)}</label>
                    <select id="country" name="country" autocomplete="tel-country-code">
                        <Suspense>
                            {
                                let selected = selected.clone();
                                move || {
                                    let selected = selected.clone();
                                    Suspend::new(async move {
                                        countries
                                            .await
                                            .unwrap_or_default()
                                            .into_iter()
                                            .map(|country| {
                                                let is_selected = country.code == selected;
                                                view! {
                                                    <option value=country.code.clone() selected=is_selected>
                                                        {format!("{} (+{})", country.name, country.calling_code)}
                                                    </option>
                                                }
                                            })
                                            .collect_view()
                                    })
                                }
                            }
                        </Suspense>
                    </select>
                </div>
                <div class="field">
                    <label for="number">{t!(i18n, phone.number)}</label>
                    <input
                        id="number"
                        name="number"
                        type="tel"
                        inputmode="tel"
                        autocomplete="tel-national"
                        dir="ltr"
                        required
                        autofocus=fault.field_takes_focus()
                        aria-invalid=fault.aria_invalid()
                        aria-describedby=fault.described_by("number-hint")
                        value=view.phone_input.number.clone()
                    />
                    <p class="hint" id="number-hint">{t!(i18n, phone.number_hint)}</p>
                </div>
                <button type="submit" class="button primary" disabled=move || register.pending().get()>
                    {t!(i18n, phone.submit)}
                </button>
            </ActionForm>
            {other_method.map(|href| view! {
                <p class="secondary-links"><a href=href>{t!(i18n, phone.other_method)}</a></p>
            })}
            <SkipForm view=skip/>
        }
    };
    view! { <JourneyPage accepts=&[Step::RegisterPhone, Step::ChooseMethod, Step::EnterCode] render/> }
}
