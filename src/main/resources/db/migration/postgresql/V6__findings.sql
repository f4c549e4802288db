-- HAIA's watch: as SQLite's V6 (see db/migration/sqlite/V6__findings.sql for what each column means), in
-- PostgreSQL's types: identity columns for ids, BIGINT for epoch milliseconds.
CREATE TABLE investigations (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at      BIGINT  NOT NULL,
    finished_at     BIGINT,
    result          TEXT    NOT NULL CHECK (result IN ('running', 'answered', 'failed', 'limited')),
    answer          TEXT,
    summary         TEXT,
    conversation_id BIGINT
);

CREATE INDEX investigations_by_start ON investigations (started_at);

CREATE TABLE findings (
    id               BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    fingerprint      TEXT    NOT NULL,
    source           TEXT    NOT NULL,
    title            TEXT    NOT NULL,
    severity         TEXT    NOT NULL CHECK (severity IN ('critical', 'warning', 'info')),
    status           TEXT    NOT NULL CHECK (status IN ('firing', 'resolved')),
    first_seen       BIGINT  NOT NULL,
    last_seen        BIGINT  NOT NULL,
    resolved_at      BIGINT,
    detail           TEXT    NOT NULL,
    investigation_id BIGINT
);

CREATE UNIQUE INDEX findings_firing ON findings (fingerprint) WHERE status = 'firing';
CREATE INDEX findings_by_last_seen ON findings (last_seen);
CREATE INDEX findings_by_resolved ON findings (resolved_at) WHERE status = 'resolved';
CREATE INDEX findings_by_investigation ON findings (investigation_id);
