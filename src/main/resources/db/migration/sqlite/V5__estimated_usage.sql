-- Whether a ledger row's token counts are HAIA's estimate rather than the provider's report. llama.cpp's server (and
-- other OpenAI-compatible servers) sends no usage in streams, whatever stream_options asks: HAIA then estimates the
-- missing counts (input from the request, output from the streamed reply, both at the tokens per character it learned
-- from that model's reported prompts) and marks the row, so /v1/usage can say how many of its figures are estimates.
-- Rows written before this migration hold the counts providers reported (0 where they reported none). 0 or 1 (no
-- CHECK here: SQLite checks an added column's constraint with a query of its own, which the JDBC driver refuses in
-- a migration statement; HAIA writes 0 or 1 only, and PostgreSQL's V5 checks it).
ALTER TABLE model_calls ADD COLUMN usage_estimated INTEGER NOT NULL DEFAULT 0;
