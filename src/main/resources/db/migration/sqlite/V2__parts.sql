-- Messages that are more than plain text (images, tool calls and results, the model's reasoning) keep their parts
-- here as JSON (haia.store.PartsJson); "content" keeps their text, for the conversation API, titles and exports.
-- NULL for a plain text message, the common case, so the window query reads no more than before for those.
ALTER TABLE messages ADD COLUMN parts TEXT;

-- Image bytes, once per conversation and content (OpenWebUI resends a pasted screenshot with every turn); a
-- message's parts refer to them by id. The window query never reads this table: only the images the window still
-- shows are loaded, by id, so old images cost nothing per request. Deleted with their conversation.
CREATE TABLE images (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    sha256          TEXT    NOT NULL,
    media_type      TEXT    NOT NULL,
    size            INTEGER NOT NULL,
    data            BLOB    NOT NULL,
    created_at      INTEGER NOT NULL
);

CREATE UNIQUE INDEX images_by_content ON images (conversation_id, sha256);
