-- Used nonces are cleared by expiry in the periodic housekeeping: found by index, not by a scan.
CREATE INDEX used_nonces_by_expiry ON used_nonces (expires_at);
