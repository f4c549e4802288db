-- The same as SQLite's V2 (see db/migration/sqlite/V2__parts.sql for what each column means), in PostgreSQL's types.
ALTER TABLE messages ADD COLUMN parts TEXT;

CREATE TABLE images (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id BIGINT  NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    sha256          TEXT    NOT NULL,
    media_type      TEXT    NOT NULL,
    size            INTEGER NOT NULL,
    data            BYTEA   NOT NULL,
    created_at      BIGINT  NOT NULL
);

CREATE UNIQUE INDEX images_by_content ON images (conversation_id, sha256);
