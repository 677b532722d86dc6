-- What started a verification: the user's browser session, or an API client acting for the
-- user. Only the same holder may check, resend or cancel it.
ALTER TABLE verifications ADD COLUMN holder TEXT NOT NULL DEFAULT 'session';
