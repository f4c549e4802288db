-- The usage ledger, as SQLite's V3 (see db/migration/sqlite/V3__model_calls.sql for what each column means), in
-- PostgreSQL's types: BIGINT for ids, epoch milliseconds, prices and picodollar costs.
CREATE TABLE model_calls (
    id                 BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at         BIGINT  NOT NULL,
    conversation_id    BIGINT,
    message_id         BIGINT,
    model              TEXT    NOT NULL,
    provider           TEXT    NOT NULL,
    upstream_model     TEXT    NOT NULL,
    input_tokens       INTEGER NOT NULL CHECK (input_tokens >= 0),
    output_tokens      INTEGER NOT NULL CHECK (output_tokens >= 0),
    cache_read_tokens  INTEGER NOT NULL CHECK (cache_read_tokens >= 0),
    cache_write_tokens INTEGER NOT NULL CHECK (cache_write_tokens >= 0),
    price_input        BIGINT,
    price_output       BIGINT,
    price_cache_read   BIGINT,
    price_cache_write  BIGINT,
    cost_pico_usd      BIGINT
);

-- /v1/usage reads a time range of the ledger.
CREATE INDEX model_calls_by_time ON model_calls (created_at);

-- A stored reply's call (the conversation API shows its cache tokens and cost), and unlinking a deleted conversation.
CREATE INDEX model_calls_by_message ON model_calls (conversation_id, message_id);
