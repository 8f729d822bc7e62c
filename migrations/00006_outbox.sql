-- The outbox: every letter and notice is a row before it is sent, and the
-- send is keyed by it. Its content is personal data, sealed with the
-- subject's data key like the rest; the status says how far it got.

-- +goose Up
CREATE TABLE letters (
    id          uuid PRIMARY KEY,          -- the stable message ID: Message-ID, MeMo messageUUID, webhook-id
    letter_key  text NOT NULL UNIQUE,      -- the workflow's key for the notice
    request_id  uuid NOT NULL REFERENCES requests (id),
    kind        text NOT NULL,
    audience    text NOT NULL CHECK (audience IN ('subject', 'staff')),
    channel     text NOT NULL CHECK (channel IN ('email', 'digital_post', 'se_digital_mail', 'print')),
    language    text NOT NULL,
    content     bytea NOT NULL,            -- sealed JSON: address, subject line, text, HTML
    pdf         bytea,                     -- sealed
    status      text NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'confirm', 'print', 'printed')),
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz
);
CREATE INDEX letters_request ON letters (request_id, created_at);
CREATE INDEX letters_open ON letters (status) WHERE status IN ('pending', 'sending', 'confirm', 'print');

-- The status link, sealed with the subject's key, so that the receipt
-- letter can carry it; only its hash is used to find the request.
ALTER TABLE requests ADD COLUMN status_token_sealed bytea;

-- A task to print a letter, or to confirm an e-mail, names the letter.
ALTER TABLE tasks ADD COLUMN letter_id uuid REFERENCES letters (id);

-- The daily digest of breached and soon-due requests, one a controller,
-- day and recipient: an outbox of its own (it belongs to no request and
-- holds no personal data, only references).
CREATE TABLE digests (
    id            uuid PRIMARY KEY,
    digest_key    text NOT NULL UNIQUE,
    controller_id text NOT NULL REFERENCES controllers (id),
    recipient     text NOT NULL,
    subject_line  text NOT NULL,
    body_text     text NOT NULL,
    body_html     text NOT NULL,
    status        text NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'unknown')),
    attempts      integer NOT NULL DEFAULT 0,
    last_error    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    sent_at       timestamptz
);

-- +goose Down
DROP TABLE digests;
ALTER TABLE tasks DROP COLUMN letter_id;
ALTER TABLE requests DROP COLUMN status_token_sealed;
DROP TABLE letters;
