-- What else a send is counted by: the request it answers, the client network that asked (an IPv4
-- address, an IPv6 /64), the block of numbers it went to, and the verification it carried (for
-- the conversion alarm: were its codes entered?), and whether it went to one of the user's own
-- factors (such sends never count against anyone else's limits).
ALTER TABLE send_slots ADD COLUMN request_ref TEXT;
ALTER TABLE send_slots ADD COLUMN client_net TEXT;
ALTER TABLE send_slots ADD COLUMN number_block TEXT;
ALTER TABLE send_slots ADD COLUMN country TEXT;
ALTER TABLE send_slots ADD COLUMN verification_id TEXT;
ALTER TABLE send_slots ADD COLUMN to_a_factor BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX send_slots_by_destination_only ON send_slots (destination, taken_at);
CREATE INDEX send_slots_by_block ON send_slots (number_block, taken_at);
CREATE INDEX send_slots_by_client ON send_slots (client_net, taken_at);
CREATE INDEX send_slots_by_time ON send_slots (taken_at);
CREATE INDEX send_slots_by_request ON send_slots (subject, request_ref);
CREATE INDEX send_slots_by_country ON send_slots (country, taken_at);
