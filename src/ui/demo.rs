//! The demo relying application (development only): signs a user in and shows the portal's answer.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::layout::{Frame, PageHeading};
use super::notice::ErrorPanel;
use crate::domain::Channel;
use crate::i18n::{t, t_string, use_i18n};
use crate::server_fns::{DemoOutcome, demo_result};

#[component]
pub fn DemoPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Frame>
            <p class="eyebrow">{t!(i18n, demo.title)}</p>
            <PageHeading text=t_string!(i18n, demo.title).to_string()/>
            <p class="lead">{t!(i18n, demo.intro)}</p>
            <form class="form" method="post" action="/demo/start">
                <div class="field">
                    <label for="user">{t!(i18n, demo.user)}</label>
                    <input id="user" name="user" type="text" autocomplete="username" required maxlength="64" autofocus/>
                </div>
                <div class="field">
                    <label for="phone">{t!(i18n, demo.phone)}</label>
                    <input id="phone" name="phone" type="tel" autocomplete="tel" dir="ltr" placeholder="+33 6 12 34 56 78"/>
                </div>
                <button type="submit" class="button primary">{t!(i18n, demo.submit)}</button>
            </form>
        </Frame>
    }
}

#[component]
pub fn DemoReturnPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let outcome = Resource::new_blocking(
        move || query.with(|q| (q.get("result").unwrap_or_default(), q.get("error").unwrap_or_default())),
        |(result, error)| demo_result(result, error),
    );
    view! {
        <Frame>
            <Suspense fallback=move || view! { <p class="loading">{t!(i18n, layout.loading)}</p> }>
                {move || Suspend::new(async move {
                    match outcome.await {
                        Ok(DemoOutcome::Verified { user, method, verified_at }) => {
                            let by = match method {
                                Channel::Sms => t_string!(i18n, demo.by_sms),
                                Channel::Call => t_string!(i18n, demo.by_call),
                                Channel::Email => t_string!(i18n, demo.by_email),
                                Channel::Whatsapp => t_string!(i18n, demo.by_whatsapp),
                            };
                            view! {
                                <div class="outcome success">
                                    <PageHeading text=t_string!(i18n, demo.result_title).to_string()/>
                                    <p class="lead" data-verified-user=user.clone()>
                                        {t_string!(i18n, demo.verified, user = user.clone(), method = by)}
                                    </p>
                                    <p>{t_string!(i18n, demo.verified_at, time = verified_at.clone())}</p>
                                </div>
                            }
                            .into_any()
                        }
                        Ok(DemoOutcome::Declined) => view! {
                            <PageHeading text=t_string!(i18n, demo.result_title).to_string()/>
                            <p class="notice error" role="alert">{t!(i18n, demo.declined)}</p>
                        }.into_any(),
                        Ok(DemoOutcome::Rejected) => view! {
                            <PageHeading text=t_string!(i18n, demo.result_title).to_string()/>
                            <p class="notice error" role="alert">{t!(i18n, demo.rejected)}</p>
                        }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </Suspense>
            <p class="centered-links"><a class="button secondary" href="/demo" rel="external">{t!(i18n, demo.again)}</a></p>
        </Frame>
    }
}
