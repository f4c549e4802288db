-- The part of a ledger row's output_tokens the model spent reasoning, where the provider counts it apart: OpenAI-
-- compatible servers' completion_tokens_details.reasoning_tokens, Gemini's thoughtsTokenCount (HAIA's output_tokens
-- holds candidates and thoughts together, so this is a part of it, as OpenAI counts reasoning). Anthropic, Ollama and
-- servers that send no details report none: 0, with the thinking still in output_tokens. Estimated, with the output,
-- where the provider reported no counts at all (usage_estimated). Rows written before this migration hold 0.
-- No CHECK (reasoning_tokens between 0 and output_tokens) here, for the reason V5 gives: HAIA writes only counts its
-- sanitizer found plausible, and PostgreSQL's V10 checks it.
ALTER TABLE model_calls ADD COLUMN reasoning_tokens INTEGER NOT NULL DEFAULT 0;
