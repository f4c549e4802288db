-- The Responses API, as SQLite's V7 (see db/migration/sqlite/V7__responses.sql for what each column means): the
-- conversation kind 'responses' and the table of stored responses, in PostgreSQL's types.
ALTER TABLE conversations DROP CONSTRAINT conversations_kind_check;
ALTER TABLE conversations ADD CONSTRAINT conversations_kind_check
    CHECK (kind IN ('default', 'keyed', 'openwebui', 'responses'));

CREATE TABLE responses (
    id                   TEXT    PRIMARY KEY,
    conversation_id      BIGINT  NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    previous_response_id TEXT,
    first_message_id     BIGINT  NOT NULL,
    last_message_id      BIGINT  NOT NULL,
    message_count        INTEGER NOT NULL,
    status               TEXT    NOT NULL CHECK (status IN ('answered', 'failed', 'cancelled')),
    request              TEXT    NOT NULL,
    created_at           BIGINT  NOT NULL
);

CREATE INDEX responses_by_conversation ON responses (conversation_id, last_message_id);
