#[cfg(feature = "ssr")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    use leptos_2fa::config::Settings;
    use leptos_2fa::web::AppState;
    use leptos_2fa::web;
    use std::process::ExitCode;
    use tracing_subscriber::layer::{Layer, SubscriberExt};
    use tracing_subscriber::util::SubscriberInitExt;

    let directives = std::env::var("TWOFA_LOG").unwrap_or_else(|_| "info".into());
    let filter = match leptos_2fa::logging::filter(&directives) {
        Ok(filter) => filter,
        Err(error) => {
            eprintln!("leptos-2fa cannot start: TWOFA_LOG {error}");
            return ExitCode::FAILURE;
        }
    };
    tracing_subscriber::registry().with(tracing_subscriber::fmt::layer().with_filter(filter)).init();

    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("leptos-2fa cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    let leptos_options = match leptos::config::get_configuration(None) {
        Ok(configuration) => configuration.leptos_options,
        Err(error) => {
            eprintln!("leptos-2fa cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    let address = leptos_options.site_addr;
    let state = match AppState::build(settings, leptos_options).await {
        Ok(state) => state,
        Err(error) => {
            eprintln!("leptos-2fa cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    // `leptos-2fa unlock-user <user id>`: the operator lifts a user's waits and lock after wrong
    // codes, on the portal's own database, and exits.
    if let [_, command, user] = std::env::args().collect::<Vec<_>>().as_slice()
        && command == "unlock-user"
    {
        return match state.application.verifier.lift_lockout(user).await {
            Ok(true) => {
                println!("The user can check codes again.");
                ExitCode::SUCCESS
            }
            Ok(false) => {
                eprintln!("The portal knows no such user.");
                ExitCode::FAILURE
            }
            Err(error) => {
                eprintln!("leptos-2fa could not unlock the user: {error}");
                ExitCode::FAILURE
            }
        };
    }
    let settings = state.application.settings.clone();
    web::spawn_housekeeping(&state);
    let router = web::router(state);
    let listener = match tokio::net::TcpListener::bind(address).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("leptos-2fa cannot listen on {address}: {error}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(%address, gateway = ?settings.gateway, "leptos-2fa portal listening on http://{address}");
    web::serve(listener, router, &settings, shutdown_signal()).await;
    ExitCode::SUCCESS
}

#[cfg(feature = "ssr")]
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
}

#[cfg(not(feature = "ssr"))]
fn main() {}
