import * as path from 'path';

/** Where the second portal, the Twilio stand-in and the SMTP server of the provider tests listen. */
const target = process.env.CARGO_TARGET_DIR ?? path.resolve(__dirname, '../../target');
export const E2E_DATA = process.env.E2E_DATA ?? path.join(target, 'e2e-data');
export const TARGET_DIR = target;
/** Where `make e2e` builds the example host site (its own folder, see the Makefile). */
export const HOST_TARGET_DIR = process.env.HOST_TARGET_DIR ?? target;
export const TWILIO_PORTAL_URL = 'http://127.0.0.1:3002';
export const VERIFY_PORTAL_URL = 'http://127.0.0.1:3004';
export const STANDIN_URL = 'http://127.0.0.1:3010';
export const SMTP_PORT = 2526;
export const MAILDIR = path.join(E2E_DATA, 'maildir');
/** The example host site (examples/host-site), which embeds the 2FA pages under /2fa. */
export const HOST_SITE_URL = 'http://127.0.0.1:3006';
/** The key the provider portals share with their relying application (played by `signInThroughRelyingApp`). */
export const CLIENT_SECRET = 'e2e-relying-application-client-secret-0123456789';
