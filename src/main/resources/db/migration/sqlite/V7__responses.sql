-- The Responses API (POST /v1/responses): a stored response is one exchange of a conversation of its own kind,
-- 'responses', which only previous_response_id continues (no header names it).
--
-- SQLite cannot alter a CHECK constraint, and rebuilding conversations would cascade-delete every message (foreign
-- keys are on); widening the kind's allowed values changes no stored row, so the table's definition is edited in
-- place, the way SQLite's documentation describes for loosening a constraint ("Making Other Kinds Of Table Schema
-- Changes"). The CREATE TABLE below bumps the schema cookie, so every new connection reads the new definition; RESET
-- makes this connection read it again too (without it, a later ALTER TABLE conversations ADD COLUMN on the same
-- connection, as V9 does, writes the column at the offset of the old text and corrupts the definition).
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, '''openwebui''))', '''openwebui'', ''responses''))')
    WHERE type = 'table' AND name = 'conversations';
PRAGMA writable_schema = RESET;

-- One row per stored response. Its exchange is the conversation's messages first_message_id..last_message_id
-- (message_count of them: one conversation's writes are serialized, so no other message falls in between): the
-- input items it stored (imported history, the user turn or tool results), then the reply. "request" keeps what the
-- response object echoes of its request (instructions, tools, sampling, text format, metadata...) as JSON; status is
-- 'answered', 'failed' or 'cancelled' (an answered reply cut at max_output_tokens reads as incomplete).
CREATE TABLE responses (
    id                   TEXT    PRIMARY KEY,
    conversation_id      INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    previous_response_id TEXT,
    first_message_id     INTEGER NOT NULL,
    last_message_id      INTEGER NOT NULL,
    message_count        INTEGER NOT NULL,
    status               TEXT    NOT NULL CHECK (status IN ('answered', 'failed', 'cancelled')),
    request              TEXT    NOT NULL,
    created_at           INTEGER NOT NULL
);

-- Deleting a conversation's responses with it, and finding the response a message belongs to.
CREATE INDEX responses_by_conversation ON responses (conversation_id, last_message_id);
