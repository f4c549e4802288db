-- The same schema as SQLite's V1 (see db/migration/sqlite/V1__conversations.sql for what each column means), in
-- PostgreSQL's types: identity columns for ids, BIGINT for epoch milliseconds and the 64-bit content hash. Flags stay
-- INTEGER 0/1 so the store's SQL is the same on both databases.
CREATE TABLE conversations (
    id           BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         TEXT    NOT NULL CHECK (kind IN ('default', 'keyed', 'openwebui')),
    external_key TEXT,
    title        TEXT,
    archived     INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);

-- At most one live conversation per identity.
CREATE UNIQUE INDEX conversations_live_identity ON conversations (kind, coalesce(external_key, '')) WHERE archived = 0;

-- Ids grow in commit order within a conversation: its writes are serialized (conversation_leases below).
CREATE TABLE messages (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id BIGINT  NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    role            TEXT    NOT NULL CHECK (role IN ('user', 'assistant')),
    content         TEXT    NOT NULL,
    content_hash    BIGINT  NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('ok', 'failed', 'incomplete', 'superseded', 'imported')),
    model           TEXT,
    finish_reason   TEXT,
    input_tokens    INTEGER,
    output_tokens   INTEGER,
    error           TEXT,
    created_at      BIGINT  NOT NULL
);

-- The window query walks this partial index backwards, as on SQLite.
CREATE INDEX messages_live ON messages (conversation_id, id) WHERE status IN ('ok', 'imported');

-- Paging through a conversation's full history, and deleting it.
CREATE INDEX messages_by_conversation ON messages (conversation_id, id);

-- Which replica is running a request on a conversation right now (see PostgresLeases): requests on one
-- conversation through different replicas take turns. Keyed by identity, since a conversation's first request
-- comes before its row exists. conversation_key is '' for the default conversation.
CREATE TABLE conversation_leases (
    kind             TEXT        NOT NULL,
    conversation_key TEXT        NOT NULL,
    holder           TEXT        NOT NULL,
    expires_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (kind, conversation_key)
);
