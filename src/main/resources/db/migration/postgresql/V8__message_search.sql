-- Full-text search over every stored message (haia.store.MessageSearch): a tsvector of messages.content, a generated
-- column (computed by the insert that stores the message, in its transaction; existing rows computed by this
-- migration), with a GIN index. The 'english' configuration stems words ("restarted" finds "restart"); queries use
-- websearch_to_tsquery, ranked with ts_rank, shown with ts_headline.
ALTER TABLE messages ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('english', content)) STORED;

CREATE INDEX messages_search ON messages USING GIN (search);
