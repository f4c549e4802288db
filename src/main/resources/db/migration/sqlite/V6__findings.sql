-- HAIA's watch (docs/watching.md). A finding is one problem seen: an alert that came in (Alertmanager's webhook,
-- POST /v1/alerts) or something HAIA's own scheduled checks found. It is identified by its fingerprint: while it is
-- firing, repeats update last_seen and start nothing new; once resolved, the same fingerprint firing again is a new
-- finding (a new row). Times are epoch milliseconds.
--
-- An investigation is one bounded agent-loop run of the chat pipeline about one finding, or about several that opened
-- together (a storm is grouped). Its answer is Markdown; summary is its first line, for lists and the chat's "since
-- you last looked" section; conversation_id is the stored conversation that holds the whole loop (tool calls and
-- results). result: running, answered, failed, or limited (past HAIA_WATCH_MAX_INVESTIGATIONS per hour: notified,
-- not investigated).
CREATE TABLE investigations (
    id              INTEGER PRIMARY KEY,
    started_at      INTEGER NOT NULL,
    finished_at     INTEGER,
    result          TEXT    NOT NULL CHECK (result IN ('running', 'answered', 'failed', 'limited')),
    answer          TEXT,
    summary         TEXT,
    conversation_id INTEGER
);

-- The hourly limit counts the investigations started in the last hour.
CREATE INDEX investigations_by_start ON investigations (started_at);

-- detail is the alert as the model reads it, a JSON object: its labels and annotations verbatim, and where it came
-- from. title is one line without control characters.
CREATE TABLE findings (
    id               INTEGER PRIMARY KEY,
    fingerprint      TEXT    NOT NULL,
    source           TEXT    NOT NULL,
    title            TEXT    NOT NULL,
    severity         TEXT    NOT NULL CHECK (severity IN ('critical', 'warning', 'info')),
    status           TEXT    NOT NULL CHECK (status IN ('firing', 'resolved')),
    first_seen       INTEGER NOT NULL,
    last_seen        INTEGER NOT NULL,
    resolved_at      INTEGER,
    detail           TEXT    NOT NULL,
    investigation_id INTEGER
);

-- At most one firing finding per fingerprint: the insert of a repeat (or of the same alert by another replica)
-- conflicts with it and changes nothing.
CREATE UNIQUE INDEX findings_firing ON findings (fingerprint) WHERE status = 'firing';

-- Lists, newest first, and what resolved since a moment.
CREATE INDEX findings_by_last_seen ON findings (last_seen);
CREATE INDEX findings_by_resolved ON findings (resolved_at) WHERE status = 'resolved';
CREATE INDEX findings_by_investigation ON findings (investigation_id);
