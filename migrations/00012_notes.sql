-- Caseworkers' notes on a request. The workflow sends a note's text with
-- its note.added event to the projection, which seals it here with the
-- subject's data key (the audit log, append-only, keeps only the note's
-- number). Retention erases the text with the rest of the person's data.

-- +goose Up
CREATE TABLE notes (
    request_id  uuid NOT NULL REFERENCES requests (id),
    seq         integer NOT NULL,          -- the note's number on its request, from 1
    at          timestamptz NOT NULL,
    actor       text NOT NULL,
    text        bytea,                     -- sealed; NULL once the person's data is erased
    PRIMARY KEY (request_id, seq)
);

-- +goose Down
DROP TABLE notes;
