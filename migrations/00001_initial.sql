-- The first tables: controllers, subjects, requests, their tasks, the audit
-- log and the notices sent about them. Personal data lives only in
-- subjects.pii (encrypted) and subject_identifiers (keyed blind indexes).

-- +goose Up
CREATE TABLE controllers (
    id          text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name        text NOT NULL,
    role        text NOT NULL CHECK (role IN ('controller', 'processor')),
    forwards_to text,
    country     text NOT NULL CHECK (country IN ('DK', 'SE')),
    time_zone   text NOT NULL,
    language    text NOT NULL CHECK (language IN ('da', 'sv', 'en')),
    settings    jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE subjects (
    id            uuid PRIMARY KEY,
    controller_id text NOT NULL REFERENCES controllers (id),
    key_id        text NOT NULL,
    data_key      bytea NOT NULL,
    pii           bytea NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    erased_at     timestamptz
);

CREATE TABLE subject_identifiers (
    subject_id  uuid NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
    kind        text NOT NULL,
    blind_index bytea NOT NULL,
    PRIMARY KEY (subject_id, kind, blind_index)
);
CREATE INDEX subject_identifiers_lookup ON subject_identifiers (blind_index);

CREATE SEQUENCE request_reference_seq;

CREATE TABLE requests (
    id                uuid PRIMARY KEY,
    reference         text NOT NULL UNIQUE,
    controller_id     text NOT NULL REFERENCES controllers (id),
    subject_id        uuid REFERENCES subjects (id),
    group_id          uuid,
    kind              text NOT NULL CHECK (kind IN ('access', 'rectification', 'erasure', 'restriction',
                                                    'portability', 'objection', 'consent_withdrawal')),
    channel           text NOT NULL,
    language          text NOT NULL CHECK (language IN ('da', 'sv', 'en')),
    stage             text NOT NULL,
    received_on       date NOT NULL,
    due_on            date,
    statutory_due_on  date,
    extended_due_on   date,
    paused_at         timestamptz,
    assignee          text,
    outcome           text,
    breached          boolean NOT NULL DEFAULT false,
    late              boolean NOT NULL DEFAULT false,
    idempotency_key   text,
    status_token_hash bytea UNIQUE,
    workflow_started  boolean NOT NULL DEFAULT false,
    version           bigint NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    closed_at         timestamptz,
    UNIQUE (controller_id, idempotency_key)
);
CREATE INDEX requests_open_by_due ON requests (due_on, id) WHERE closed_at IS NULL;
CREATE INDEX requests_not_started ON requests (created_at) WHERE NOT workflow_started;
CREATE INDEX requests_subject ON requests (subject_id);

CREATE TABLE tasks (
    id           uuid PRIMARY KEY,
    request_id   uuid NOT NULL REFERENCES requests (id),
    kind         text NOT NULL,
    status       text NOT NULL CHECK (status IN ('open', 'done', 'cancelled')),
    assignee     text,
    due_on       date,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    completed_by text
);
CREATE INDEX tasks_open_by_due ON tasks (due_on, id) WHERE status = 'open';
CREATE INDEX tasks_request ON tasks (request_id);

-- The audit log. event_key makes recording idempotent: an activity that runs
-- twice records one row.
CREATE TABLE events (
    id          bigserial PRIMARY KEY,
    event_key   text NOT NULL UNIQUE,
    request_id  uuid NOT NULL REFERENCES requests (id),
    at          timestamptz NOT NULL,
    actor       text NOT NULL,
    action      text NOT NULL,
    data        jsonb NOT NULL DEFAULT '{}',
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_request ON events (request_id, at, id);

-- +goose StatementBegin
CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events is an append-only audit log: % is not allowed', TG_OP;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_append_only();

CREATE TABLE notices (
    id         uuid PRIMARY KEY,
    notice_key text NOT NULL UNIQUE,
    request_id uuid NOT NULL REFERENCES requests (id),
    kind       text NOT NULL,
    recipient  text NOT NULL,
    due_at     timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz
);
CREATE INDEX notices_request ON notices (request_id, due_at);

-- +goose Down
DROP TABLE notices;
DROP TRIGGER events_append_only ON events;
DROP FUNCTION events_append_only();
DROP TABLE events;
DROP TABLE tasks;
DROP TABLE requests;
DROP SEQUENCE request_reference_seq;
DROP TABLE subject_identifiers;
DROP TABLE subjects;
DROP TABLE controllers;
