//! The site's pages, its layout around leptos-2fa's pages, and its server functions.

use leptos::prelude::*;
use leptos_2fa::app::TwoFactorRoutes;
use leptos_2fa::Channel;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::hooks::use_query_map;
use leptos_router::{SsrMode, path};
use leptos_i18n::Locale as _;
use serde::{Deserialize, Serialize};

use crate::i18n::{I18nContextProvider, Locale, t, t_string, use_i18n};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <I18nContextProvider>
            <Stylesheet id="leptos" href="/pkg/host-site.css"/>
            <Title text="Northwind Savings"/>
            <Router>
                <Header/>
                <main class="site-main">
                    <Routes fallback=|| view! { <p>"Not found."</p> }>
                        <Route path=path!("/") view=HomePage/>
                        <Route path=path!("/sign-in") view=SignInPage ssr=SsrMode::Async/>
                        <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async/>
                        // leptos-2fa's pages, inside this layout: /2fa/methods, /2fa/verify, …
                        <TwoFactorRoutes segment=crate::TWO_FACTOR_SEGMENT/>
                    </Routes>
                </main>
                <footer class="site-footer">{t!(use_i18n(), footer)}</footer>
            </Router>
        </I18nContextProvider>
    }
}

#[component]
fn Header() -> impl IntoView {
    let i18n = use_i18n();
    let user = Resource::new(|| (), |_| signed_in_user());
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <header class="site-header">
            <a class="site-brand" href="/">{t!(i18n, brand)}</a>
            <nav>
                <a href="/account">{t!(i18n, nav_account)}</a>
                <Suspense>
                    {move || Suspend::new(async move {
                        match user.await.ok().flatten() {
                            Some(name) => view! {
                                <span class="site-user">{t_string!(i18n, signed_in_as, user = name)}</span>
                                <ActionForm action=sign_out>
                                    <button type="submit" class="site-link">{t!(i18n, nav_sign_out)}</button>
                                </ActionForm>
                            }.into_any(),
                            None => view! { <a href="/sign-in">{t!(i18n, nav_sign_in)}</a> }.into_any(),
                        }
                    })}
                </Suspense>
                // The 2FA pages share the language cookie, so one picker serves both.
                <form class="site-language" method="post" action=format!("{}/locale", crate::TWO_FACTOR_MOUNT)>
                    // A button, not an inline `onchange`: the pages' Content-Security-Policy runs no inline script.
                    <select name="locale" aria-label=move || t_string!(i18n, language)>
                        {Locale::get_all().iter().map(|&locale| view! {
                            <option value=locale.as_str() selected=move || i18n.get_locale() == locale>{locale.as_str().to_uppercase()}</option>
                        }).collect_view()}
                    </select>
                    <input type="hidden" name="back" value="/"/>
                    <button type="submit" class="site-link">{t!(i18n, apply_language)}</button>
                </form>
            </nav>
        </header>
    }
}

#[component]
fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="site-card">
            <h1>{t!(i18n, home_title)}</h1>
            <p>{t!(i18n, home_body)}</p>
            <p><a class="site-button" href="/account">{t!(i18n, home_go)}</a></p>
        </section>
    }
}

#[component]
fn SignInPage() -> impl IntoView {
    let i18n = use_i18n();
    let sign_in = ServerAction::<SignIn>::new();
    let next = move || use_query_map().read().get("next").unwrap_or_else(|| "/account".to_owned());
    let failed = move || matches!(sign_in.value().get(), Some(Err(_)));
    view! {
        <section class="site-card">
            <h1>{t!(i18n, sign_in_title)}</h1>
            <Show when=failed>
                <p class="site-error" role="alert">{t!(i18n, sign_in_failed)}</p>
            </Show>
            <ActionForm action=sign_in>
                <label for="user">{t!(i18n, user)}</label>
                <input id="user" name="user" autocomplete="username" required/>
                <label for="password">{t!(i18n, password)}</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required/>
                <input type="hidden" name="next" prop:value=next/>
                <button type="submit" class="site-button">{t!(i18n, sign_in)}</button>
            </ActionForm>
            <p class="site-hint">{t!(i18n, sign_in_hint)}</p>
        </section>
    }
}

/// What the guarded page shows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountView {
    pub user: String,
    pub method: Channel,
    pub phone: Option<String>,
}

#[component]
fn AccountPage() -> impl IntoView {
    let i18n = use_i18n();
    let account = Resource::new_blocking(|| (), |_| account());
    view! {
        <section class="site-card">
            <h1>{t!(i18n, account_title)}</h1>
            <Suspense>
                {move || Suspend::new(async move {
                    account.await.ok().map(|account| view! {
                        <p>{t!(i18n, account_body)}</p>
                        <p class="site-verified" data-method=account.method.as_str()>
                            {t_string!(i18n, account_verified, method = account.method.as_str())}
                        </p>
                        <p class="site-phone">
                            {match account.phone {
                                Some(phone) => t_string!(i18n, account_phone, phone = phone),
                                None => t_string!(i18n, account_no_phone).to_string(),
                            }}
                        </p>
                    })
                })}
            </Suspense>
        </section>
    }
}

#[server]
pub async fn signed_in_user() -> Result<Option<String>, ServerFnError> {
    let session: tower_sessions::Session = leptos_axum::extract().await?;
    Ok(session.get(crate::users::USER_KEY).await?)
}

#[server]
pub async fn sign_in(user: String, password: String, next: String) -> Result<(), ServerFnError> {
    let directory = expect_context::<crate::users::Directory>();
    if !directory.check_password(&user, &password) {
        return Err(ServerFnError::new("wrong user name or password"));
    }
    let session: tower_sessions::Session = leptos_axum::extract().await?;
    // A new user in this browser: a new session id, and no second factor from before.
    session.cycle_id().await?;
    leptos_2fa::embed::forget_second_factor(&session).await?;
    session.insert(crate::users::USER_KEY, user).await?;
    let next = if leptos_2fa::redirect::is_local_path(&next) { next } else { "/account".to_owned() };
    leptos_axum::redirect(&next);
    Ok(())
}

#[server]
pub async fn sign_out() -> Result<(), ServerFnError> {
    let session: tower_sessions::Session = leptos_axum::extract().await?;
    session.flush().await?;
    leptos_axum::redirect("/");
    Ok(())
}

/// The guarded page's data: only for a signed-in user who passed the second factor in this
/// session; anyone else is sent to sign in, or through 2FA and back here.
#[server]
pub async fn account() -> Result<AccountView, ServerFnError> {
    let session: tower_sessions::Session = leptos_axum::extract().await?;
    let Some(user) = session.get::<String>(crate::users::USER_KEY).await? else {
        leptos_axum::redirect("/sign-in?next=/account");
        return Err(ServerFnError::new("not signed in"));
    };
    match leptos_2fa::embed::second_factor(&session).await {
        Some(passed) if passed.user_id == user => {
            let phone = expect_context::<crate::users::Directory>().account(&user).and_then(|account| account.phone);
            Ok(AccountView { user, method: passed.channel, phone })
        }
        _ => {
            leptos_axum::redirect(&leptos_2fa::embed::start_path(crate::TWO_FACTOR_MOUNT, "/account"));
            Err(ServerFnError::new("second factor needed"))
        }
    }
}
