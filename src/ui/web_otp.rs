//! The WebOTP API: where the browser has it (Chrome on Android), the code of the text message
//! fills the field and is sent once the user allows it. The message ends with `@host #code`,
//! which binds it to this site: no other site can read it that way.

use leptos::nonce::use_nonce;
use leptos::prelude::*;

/// A few lines of script with the response's nonce rather than WASM: the code can be filled
/// before the islands load, and the islands' module stays as small as it was.
#[component]
pub fn WebOtp() -> impl IntoView {
    view! { <script nonce=use_nonce() inner_html=SCRIPT></script> }
}

/// Stops asking once the form is sent by hand; a browser without the API skips it all.
const SCRIPT: &str = "if ('OTPCredential' in window) {
  const field = document.getElementById('code');
  const done = new AbortController();
  field.form.addEventListener('submit', () => done.abort());
  navigator.credentials.get({ otp: { transport: ['sms'] }, signal: done.signal })
    .then((otp) => { if (otp) { field.value = otp.code; field.form.requestSubmit(); } })
    .catch(() => {});
}";
