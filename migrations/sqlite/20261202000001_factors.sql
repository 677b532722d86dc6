-- A user's phone and e-mail are only what the portal verified itself: what a relying application
-- named in a request is its word for that request, kept in the session, never stored as the user's.
UPDATE users SET phone = NULL WHERE phone_verified_at IS NULL;
UPDATE users SET email = NULL WHERE email_verified_at IS NULL;
-- Why a code went out: 'challenge' (to a factor the user holds), 'first_enrolment' (a user with
-- none registers one) or 'enrolment' (a destination added after a code to a factor was entered).
ALTER TABLE verifications ADD COLUMN purpose TEXT NOT NULL DEFAULT 'challenge';
-- The destination the owner may add once this code, to one of their factors, is entered.
ALTER TABLE verifications ADD COLUMN enrols TEXT;
ALTER TABLE verifications ADD COLUMN enrols_channel TEXT;
-- The request a verification answers: wrong codes count for the whole request.
ALTER TABLE verifications ADD COLUMN request_ref TEXT;
CREATE INDEX verifications_by_request ON verifications (subject, request_ref);
