-- A conversation's messages had two indexes on (conversation_id, id): messages_by_conversation over all of them
-- (a conversation's history, its deletion, its message count) and messages_live over the live ones (the window). Every
-- stored message went into both, one more b-tree page written per exchange for a window that SQLite mostly serves from
-- memory since issue 27 (haia.store.WindowCache). The window now walks messages_by_conversation backwards and skips the
-- rows that are not live (the superseded replies among the newest: few), so its cost still does not grow with
-- history. PostgreSQL keeps its partial index: it has no such memory, and its replicas read windows every request.
DROP INDEX messages_live;
