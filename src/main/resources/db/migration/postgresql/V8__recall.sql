-- Full-text search over every stored message (haia.store.MessageSearch): a tsvector of messages.content, a generated
-- column (computed by the insert that stores the message, in its transaction; existing rows computed by this
-- migration), with a GIN index. The 'english' configuration stems words ("restarted" finds "restart"); queries use
-- websearch_to_tsquery, ranked with ts_rank, shown with ts_headline.
ALTER TABLE messages ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('english', content)) STORED;

CREATE INDEX messages_search ON messages USING GIN (search);

-- Notes: what HAIA should always know, as its owner asked (/remember, POST /v1/memory/notes, haia_memory_note). Sent
-- with every request of their owner, in a system block after the persona. owner: '' for HAIA's single user (and the
-- API key's holder); an OpenWebUI user's id once users are told apart. Deleted for good by /forget or the API.
CREATE TABLE notes (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner      TEXT   NOT NULL,
    text       TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE INDEX notes_by_owner ON notes (owner, id);
