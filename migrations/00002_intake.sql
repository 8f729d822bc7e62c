-- Intake: the encrypted kind-specific details of a request, and how identity
-- was verified at intake (a method and an actor ID, no personal data), so the
-- sweeper can start a request's workflow from its row alone.

-- +goose Up
ALTER TABLE requests
    ADD COLUMN details             bytea,
    ADD COLUMN intake_identity     text,
    ADD COLUMN intake_identity_by  text,
    ADD COLUMN registered_by       text NOT NULL DEFAULT 'subject';

-- +goose Down
ALTER TABLE requests
    DROP COLUMN details,
    DROP COLUMN intake_identity,
    DROP COLUMN intake_identity_by,
    DROP COLUMN registered_by;
