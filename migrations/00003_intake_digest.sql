-- A keyed digest of what an intake asked, so a repeated Idempotency-Key
-- with a different request is refused instead of answered with the first.

-- +goose Up
ALTER TABLE requests ADD COLUMN intake_digest bytea;

-- +goose Down
ALTER TABLE requests DROP COLUMN intake_digest;
