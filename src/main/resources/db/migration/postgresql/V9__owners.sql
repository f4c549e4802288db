-- Memory per OpenWebUI user (HAIA_OPENWEBUI_JWT_SECRET): every conversation and every usage row has an owner, the
-- verified user's id (the JWT's sub), or '' for HAIA's single user and the API key's holder (everything stored before
-- this migration). Two users' chats with the same key are two conversations, so the identity index takes the owner.
ALTER TABLE conversations ADD COLUMN owner TEXT NOT NULL DEFAULT '';

DROP INDEX conversations_live_identity;

CREATE UNIQUE INDEX conversations_live_identity ON conversations (kind, coalesce(external_key, ''), owner)
    WHERE archived = 0;

-- A user's conversations, for GET /v1/conversations and the search.
CREATE INDEX conversations_by_owner ON conversations (owner, updated_at);

ALTER TABLE model_calls ADD COLUMN owner TEXT NOT NULL DEFAULT '';
