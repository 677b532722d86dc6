//! Redirect safety: which targets a browser may be sent to without leaving the site.

/// A path on this site (`/account`), never another site (`//evil.example`, `/\\evil.example`).
pub fn is_local_path(target: &str) -> bool {
    target.starts_with('/') && !target.starts_with("//") && !target.contains('\\') && !target.chars().any(char::is_control)
}
