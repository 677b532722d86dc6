//! The Northwind Savings server: its own pages and sign-in, with leptos-2fa mounted at `/2fa`.

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    use axum::Router;
    use host_site::pages::{App, shell};
    use host_site::users::Directory;
    use leptos::prelude::provide_context;
    use leptos_2fa::config::Settings;
    use leptos_2fa::web::AppState;
    use leptos_axum::{LeptosRoutes, generate_route_list};
    use std::sync::Arc;
    use tower_sessions::{MemoryStore, SessionManagerLayer};

    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let options = leptos::config::get_configuration(None)?.leptos_options;
    let address = options.site_addr;

    // The 2FA pages read TWOFA_* settings like the portal; the site says who is signed in.
    let directory = Directory::with_demo_accounts();
    let twofa = AppState::build(Settings::load()?, options.clone())
        .await?
        .embedded(host_site::TWO_FACTOR_MOUNT, Arc::new(directory.clone()));
    directory.follow(&twofa.application.events);
    leptos_2fa::web::spawn_housekeeping(&twofa);

    let context = {
        let (twofa, directory) = (twofa.clone(), directory.clone());
        move || {
            twofa.provide();
            provide_context(directory.clone());
            // The response's CSP nonce, for the hydration script.
            leptos_2fa::web::headers::provide_nonce();
        }
    };
    let app = Router::new()
        .leptos_routes_with_context(&options, generate_route_list(App), context, {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<leptos::config::LeptosOptions, _>(
            leptos_2fa::web::headers::provide_nonce,
            shell,
        ))
        .with_state(options)
        .merge(leptos_2fa::web::routes(twofa.clone()))
        .layer(SessionManagerLayer::new(MemoryStore::default()).with_secure(false));
    // Cross-site posts refused and the security headers, for the site's own pages as for 2FA's.
    let app = leptos_2fa::web::defend(app, &twofa);

    let listener = tokio::net::TcpListener::bind(address).await?;
    tracing::info!("Northwind Savings on http://{address}");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    leptos_2fa::web::serve(listener, app, &twofa.application.settings, shutdown).await;
    Ok(())
}

#[cfg(not(feature = "ssr"))]
fn main() {}
