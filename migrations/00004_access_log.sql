-- Who read a subject's personal data, and when: append-only, like events.
-- One trigger function now guards both logs.

-- +goose Up
CREATE TABLE access_log (
    id         bigserial PRIMARY KEY,
    request_id uuid NOT NULL REFERENCES requests (id),
    actor      text NOT NULL,
    at         timestamptz NOT NULL DEFAULT now(),
    what       text NOT NULL
);
CREATE INDEX access_log_request ON access_log (request_id, at);

-- +goose StatementBegin
CREATE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION append_only();
DROP TRIGGER events_append_only ON events;
DROP FUNCTION events_append_only();
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION append_only();

-- +goose Down
DROP TRIGGER events_append_only ON events;
DROP TRIGGER access_log_append_only ON access_log;
DROP FUNCTION append_only();
DROP TABLE access_log;
-- +goose StatementBegin
CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events is an append-only audit log: % is not allowed', TG_OP;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_append_only();
