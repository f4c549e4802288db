-- The usage ledger: one row per model call a provider billed (answered, also when its client left before reading the
-- reply), with its tokens and the price in force when it was answered. Written in the exchange's own transaction for
-- stored conversations; on its own, with no conversation, for requests HAIA stores nothing of (OpenWebUI's background
-- tasks, temporary chats, clients that send their own context). Rows outlive their conversation: deleting it keeps its
-- spend, unlinked (conversation_id and message_id set to NULL). GET /v1/usage sums these rows.
--
-- Token counts as OpenAI counts them: input_tokens is every prompt token; cache_read_tokens and cache_write_tokens
-- are parts of it. Prices are micro-USD per million tokens, cost_pico_usd is 10^-12 USD: whole numbers, so every cost
-- and every sum is exact (SQLite has no decimal type). NULL prices and cost: HAIA knew no price for the model.
CREATE TABLE model_calls (
    id                 INTEGER PRIMARY KEY,
    created_at         INTEGER NOT NULL,
    conversation_id    INTEGER,
    message_id         INTEGER,
    model              TEXT    NOT NULL,
    provider           TEXT    NOT NULL,
    upstream_model     TEXT    NOT NULL,
    input_tokens       INTEGER NOT NULL CHECK (input_tokens >= 0),
    output_tokens      INTEGER NOT NULL CHECK (output_tokens >= 0),
    cache_read_tokens  INTEGER NOT NULL CHECK (cache_read_tokens >= 0),
    cache_write_tokens INTEGER NOT NULL CHECK (cache_write_tokens >= 0),
    price_input        INTEGER,
    price_output       INTEGER,
    price_cache_read   INTEGER,
    price_cache_write  INTEGER,
    cost_pico_usd      INTEGER
);

-- /v1/usage reads a time range of the ledger.
CREATE INDEX model_calls_by_time ON model_calls (created_at);

-- A stored reply's call (the conversation API shows its cache tokens and cost), and unlinking a deleted conversation.
CREATE INDEX model_calls_by_message ON model_calls (conversation_id, message_id);
