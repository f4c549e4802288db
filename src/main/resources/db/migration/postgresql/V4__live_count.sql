-- How many messages of each conversation are on its live branch (status 'ok' or 'imported'), kept by every write of
-- an exchange: the context window moves in blocks by position in the live branch, and reads the position here
-- instead of counting the conversation's messages on every request.
ALTER TABLE conversations ADD COLUMN live_count INTEGER NOT NULL DEFAULT 0;

UPDATE conversations SET live_count = (SELECT count(*) FROM messages m
                                       WHERE m.conversation_id = conversations.id AND m.status IN ('ok', 'imported'));
