-- The part of a ledger row's output_tokens the model spent reasoning: as SQLite's V10 (see
-- db/migration/sqlite/V10__reasoning_tokens.sql), checked to be a part of the output.
ALTER TABLE model_calls
    ADD COLUMN reasoning_tokens INTEGER NOT NULL DEFAULT 0 CHECK (reasoning_tokens >= 0),
    ADD CONSTRAINT model_calls_reasoning_in_output CHECK (reasoning_tokens <= output_tokens);
