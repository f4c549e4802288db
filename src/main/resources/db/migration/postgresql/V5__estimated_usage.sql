-- Whether a ledger row's token counts are HAIA's estimate rather than the provider's report: as SQLite's V5 (see
-- db/migration/sqlite/V5__estimated_usage.sql), 0 or 1 like conversations.archived.
ALTER TABLE model_calls ADD COLUMN usage_estimated INTEGER NOT NULL DEFAULT 0 CHECK (usage_estimated IN (0, 1));
