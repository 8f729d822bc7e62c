-- Hardening: a request whose step keeps failing says so in the read model;
-- the staff directory (opaque IDs, no more than staff gave their employer);
-- Idempotency-Keys of caseworker actions, bound to the action they were
-- first used for.

-- +goose Up
ALTER TABLE requests
    ADD COLUMN attention       text,
    ADD COLUMN attention_since timestamptz;
CREATE INDEX requests_attention ON requests (controller_id) WHERE attention IS NOT NULL;

CREATE TABLE staff (
    id           text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
    display_name text NOT NULL DEFAULT '',
    email        text NOT NULL DEFAULT '',
    language     text NOT NULL DEFAULT '',
    -- The controllers the person acts for, space-separated; empty means every controller.
    controllers  text NOT NULL DEFAULT '',
    source       text NOT NULL CHECK (source IN ('token', 'oidc')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE action_keys (
    actor      text NOT NULL,
    key        text NOT NULL,
    action     text NOT NULL,
    request_id uuid NOT NULL REFERENCES requests (id),
    -- A keyed hash of the body, to tell a replay from a reuse.
    digest     bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor, key)
);

-- +goose Down
DROP TABLE action_keys;
DROP TABLE staff;
DROP INDEX requests_attention;
ALTER TABLE requests
    DROP COLUMN attention,
    DROP COLUMN attention_since;
