//! How responses travel: the site's built files under `/pkg` (the WASM, its JS glue, the style
//! sheet) from disk, precompressed when the build left `.br`/`.gz` files beside them, kept by
//! browsers until they change; everything else compressed as it goes and never stored, as a
//! flow's pages change with the user's state.

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use leptos::config::LeptosOptions;
use tower_http::CompressionLevel;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// Files whose names carry a hash of their content never change under that name.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Files under a fixed name are asked for again each time; unchanged, the answer is a bodiless 304.
const REVALIDATE: &str = "no-cache";
/// Brotli's level 4 packs a page nearly as tight as level 5 for far less time (BENCHMARKS.md).
const BROTLI_LEVEL: i32 = 4;

/// The `/pkg` route, for the portal's own router.
pub fn site_files(options: &LeptosOptions) -> Router {
    let folder = std::path::Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    let kept = HeaderValue::from_static(if options.hash_files { IMMUTABLE } else { REVALIDATE });
    let files = ServeDir::new(folder).precompressed_br().precompressed_gzip();
    Router::new().nest_service(&format!("/{}", options.site_pkg_dir), files).layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, kept))
}

/// Compresses what the client accepts (brotli, gzip) and has not been compressed already.
pub fn compression() -> CompressionLayer {
    CompressionLayer::new().br(true).gzip(true).quality(CompressionLevel::Precise(BROTLI_LEVEL))
}

/// `Cache-Control: no-store` on every response that says nothing of caching.
pub async fn no_store(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    response.headers_mut().entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    response
}
