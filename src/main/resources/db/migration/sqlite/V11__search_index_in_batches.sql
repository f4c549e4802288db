-- The full-text index (V8) is brought up to date in batches, shortly after the exchanges that store messages, not
-- inside each of them (haia.store.SearchIndex): FTS5 writes a segment of its own per transaction, which was about a
-- third of SQLite's work per exchange; one batch of a few hundred messages writes one. A search brings the index up to
-- date first, so it still finds every stored message.
--
-- search_indexed.through: every message with an id up to it is in the index, none above it.
CREATE TABLE search_indexed (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    through INTEGER NOT NULL
);

INSERT INTO search_indexed (id, through) SELECT 1, coalesce(max(id), 0) FROM messages;

-- A message stored at or below the mark is indexed at once: SQLite gives a new row the highest id plus one, so after
-- the newest message was deleted (with its conversation) the next one takes its id, which the batches have passed.
DROP TRIGGER messages_fts_insert;

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.id <= (SELECT through FROM search_indexed) BEGIN INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content); END;

-- Only an indexed message is taken out of the index (FTS5 must not be told to delete what it does not hold).
DROP TRIGGER messages_fts_delete;

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.id <= (SELECT through FROM search_indexed) BEGIN INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content); END;
