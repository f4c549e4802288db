-- Full-text search over every stored message (haia.store.MessageSearch): an FTS5 index whose content is
-- messages.content (an external-content table: the text is stored once, in messages). Triggers keep it in step, in
-- the same transaction as the write that stores or deletes a message (an exchange, a conversation's deletion); message
-- text never changes once stored (a status does). Ranked with bm25, shown with snippet. unicode61 folds case and
-- diacritics; "pve2", "vm-101" and "10.0.0.5" are split at punctuation, as a query is.
CREATE VIRTUAL TABLE messages_fts USING fts5(content, content = 'messages', content_rowid = 'id',
                                             tokenize = 'unicode61 remove_diacritics 2');

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content); END;

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content); END;

-- An existing database's messages, indexed once.
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');

-- Notes: what HAIA should always know, as its owner asked (/remember, POST /v1/memory/notes, haia_memory_note). Sent
-- with every request of their owner, in a system block after the persona. owner: '' for HAIA's single user (and the
-- API key's holder); an OpenWebUI user's id once users are told apart. Deleted for good by /forget or the API.
CREATE TABLE notes (
    id         INTEGER PRIMARY KEY,
    owner      TEXT    NOT NULL,
    text       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE INDEX notes_by_owner ON notes (owner, id);
