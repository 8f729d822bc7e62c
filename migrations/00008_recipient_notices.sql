-- Letters to the recipients of disclosed data: an erasure, rectification
-- or restriction is told to each (GDPR Art. 19), through the outbox like
-- every other letter, so each notification is logged.

-- +goose Up
ALTER TABLE letters DROP CONSTRAINT letters_audience_check;
ALTER TABLE letters ADD CONSTRAINT letters_audience_check CHECK (audience IN ('subject', 'staff', 'recipient'));

-- +goose Down
DELETE FROM letters WHERE audience = 'recipient';
ALTER TABLE letters DROP CONSTRAINT letters_audience_check;
ALTER TABLE letters ADD CONSTRAINT letters_audience_check CHECK (audience IN ('subject', 'staff'));
