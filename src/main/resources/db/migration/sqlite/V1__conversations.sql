-- Conversations: one row per remembered thread. "kind" says how clients address it:
--   default   - the single continuous thread of clients that send no conversation header (curl, scripts)
--   keyed     - picked by HAIA's own X-Haia-Conversation header (external_key = its value)
--   openwebui - one OpenWebUI chat (external_key = X-OpenWebUI-Chat-Id)
-- Archived conversations keep their messages but no longer answer to their identity.
CREATE TABLE conversations (
    id           INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL CHECK (kind IN ('default', 'keyed', 'openwebui')),
    external_key TEXT,
    title        TEXT,
    archived     INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

-- At most one live conversation per identity.
CREATE UNIQUE INDEX conversations_live_identity ON conversations (kind, coalesce(external_key, '')) WHERE archived = 0;

-- Messages, in conversation order (id is monotonic). Only 'ok' and 'imported' messages are on the live branch and
-- can enter the context window; the others stay as history:
--   failed     - a user turn whose model call failed (kept so nothing typed is lost)
--   incomplete - a reply cut short (client disconnected, upstream failed mid-stream)
--   superseded - replaced by a regeneration or an edit
--   imported   - history a client sent that HAIA had not seen before
CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    role            TEXT    NOT NULL CHECK (role IN ('user', 'assistant')),
    content         TEXT    NOT NULL,
    content_hash    INTEGER NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('ok', 'failed', 'incomplete', 'superseded', 'imported')),
    model           TEXT,
    finish_reason   TEXT,
    input_tokens    INTEGER,
    output_tokens   INTEGER,
    error           TEXT,
    created_at      INTEGER NOT NULL
);

-- The window query (newest live messages of one conversation) walks this partial index backwards: its cost does
-- not grow with the number of stored messages.
CREATE INDEX messages_live ON messages (conversation_id, id) WHERE status IN ('ok', 'imported');

-- Paging through a conversation's full history, and deleting it.
CREATE INDEX messages_by_conversation ON messages (conversation_id, id);
