//! Who is asking: the client's address, for the per-client send limit. Behind a proxy every
//! connection comes from the proxy, so `X-Forwarded-For` is read, but only what proxies listed in
//! `TWOFA_TRUSTED_PROXIES` wrote: anyone else could put any address there.

use axum::extract::{ConnectInfo, Request};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};

use crate::application::journey::Asker;
use crate::application::Application;

/// The address of the client a request came from, as far as the portal can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// Records the request's `ClientIp` for the handlers after it (none when the server does not say
/// who connected: a host's own server without connect info).
pub async fn record(axum::extract::State(app): axum::extract::State<Application>, mut request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(peer)| peer.ip());
    if let Some(peer) = peer {
        let client = client_ip(peer, request.headers(), &app.settings.trusted_proxies);
        request.extensions_mut().insert(ClientIp(client));
    }
    next.run(request).await
}

/// Who asks, for handlers that send codes: the language of their `Accept-Language`, their address.
impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Asker {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        let client = parts.extensions.get::<ClientIp>().map(|client| client.0);
        Ok(Asker { locale: super::locale::locale_of(&parts.headers), client })
    }
}

/// The connecting address, or, when it is a trusted proxy, the rightmost address in
/// `X-Forwarded-For` that no trusted proxy owns (each proxy appends the address it saw).
/// Addresses are compared in their canonical form: on a dual-stack listener an IPv4 proxy
/// connects as `::ffff:a.b.c.d`.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let peer = peer.to_canonical();
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let forwarded = headers.get_all("x-forwarded-for").iter().filter_map(|value| value.to_str().ok());
    let hops: Vec<IpAddr> =
        forwarded.flat_map(|value| value.split(',')).filter_map(|hop| hop.trim().parse().ok()).map(|hop: IpAddr| hop.to_canonical()).collect();
    hops.into_iter().rev().find(|hop| !is_trusted(hop)).unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().unwrap());
        headers
    }

    #[test]
    fn forwarded_addresses_count_only_through_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let headers = forwarded("198.51.100.9, 203.0.113.7, 10.0.0.5");
        assert_eq!(client_ip(proxy, &headers, &trusted), "203.0.113.7".parse::<IpAddr>().unwrap(), "the rightmost untrusted hop");
        let stranger: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(client_ip(stranger, &headers, &trusted), stranger, "a header from anyone else is ignored");
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &trusted), proxy);
        let mapped: IpAddr = "::ffff:10.0.0.2".parse().unwrap();
        assert_eq!(client_ip(mapped, &headers, &trusted), "203.0.113.7".parse::<IpAddr>().unwrap(), "a proxy on a dual-stack listener");
    }
}
