-- One row per code handed to a gateway, taken before the gateway is called: the limits are
-- checked and the slot written in one write transaction, so parallel sends cannot all pass.
-- Counted per user: another account's sends never use up a user's budget for their own number.
CREATE TABLE send_slots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subject TEXT NOT NULL,
    destination TEXT NOT NULL,
    channel TEXT NOT NULL,
    taken_at BIGINT NOT NULL
);
CREATE INDEX send_slots_by_destination ON send_slots (subject, destination, taken_at);
CREATE INDEX send_slots_by_subject ON send_slots (subject, taken_at);
INSERT INTO send_slots (subject, destination, channel, taken_at)
    SELECT verifications.subject, sends.destination, sends.channel, sends.sent_at
    FROM sends JOIN verifications ON verifications.id = sends.verification_id;
DROP TABLE sends;
