-- Who read a subject's personal data, and when: append-only, like events.

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
CREATE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'access_log is append-only: % is not allowed', TG_OP;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION access_log_append_only();

-- +goose Down
DROP TRIGGER access_log_append_only ON access_log;
DROP FUNCTION access_log_append_only();
DROP TABLE access_log;
