-- A user's wrong codes in a row, across requests, methods and codes (see flow::lockout).
ALTER TABLE users ADD COLUMN failed_checks INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN last_failed_at BIGINT;
-- Bumped on each change of the two above, so concurrent checks cannot both pass on one free failure.
ALTER TABLE users ADD COLUMN streak_revision BIGINT NOT NULL DEFAULT 0;
