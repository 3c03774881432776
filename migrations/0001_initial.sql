-- Briefing's PostgreSQL schema, version 1: documents and one table per kind
-- of fact, with the filter tables and indexes the listings use. Portable SQL
-- (no extensions), so PostgreSQL-compatible engines can run it too. JSON
-- columns hold plain data as text, as in the embedded store.

CREATE TABLE documents (
    seq             BIGSERIAL PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    url             TEXT,
    source          TEXT,
    title           TEXT,
    published       TEXT,
    language        TEXT,
    text            TEXT NOT NULL,
    text_hash       TEXT NOT NULL,
    text_bytes      BIGINT NOT NULL,
    ingested_at     BIGINT NOT NULL,
    facts_published TEXT,
    diagnostics     TEXT NOT NULL
);
CREATE INDEX documents_source ON documents (source, seq);

CREATE TABLE persons (
    id           BIGSERIAL PRIMARY KEY,
    doc_id       TEXT NOT NULL REFERENCES documents (id),
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    aliases      TEXT NOT NULL,
    titles       TEXT NOT NULL,
    organization TEXT,
    country      TEXT,
    evidence     TEXT NOT NULL
);
CREATE INDEX persons_name_key ON persons (name_key);
CREATE INDEX persons_country ON persons (country, name_key);
CREATE INDEX persons_doc ON persons (doc_id);
CREATE TABLE person_aliases (
    person_id BIGINT NOT NULL REFERENCES persons (id),
    alias_key TEXT NOT NULL
);
CREATE INDEX person_aliases_key ON person_aliases (alias_key);

CREATE TABLE organizations (
    id BIGSERIAL PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents (id),
    name TEXT NOT NULL, country TEXT, evidence TEXT NOT NULL
);
CREATE INDEX organizations_doc ON organizations (doc_id);
CREATE TABLE countries (
    id BIGSERIAL PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents (id),
    code TEXT NOT NULL, name TEXT NOT NULL, evidence TEXT NOT NULL
);
CREATE INDEX countries_doc ON countries (doc_id);
CREATE INDEX countries_code ON countries (code);
CREATE TABLE places (
    id BIGSERIAL PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents (id),
    name TEXT NOT NULL, country TEXT, evidence TEXT NOT NULL
);
CREATE INDEX places_doc ON places (doc_id);

CREATE TABLE events (
    id           BIGSERIAL PRIMARY KEY,
    doc_id       TEXT NOT NULL REFERENCES documents (id),
    kind         TEXT NOT NULL,
    date         TEXT,
    date_start   TEXT,
    date_end     TEXT,
    place        TEXT,
    place_key    TEXT,
    participants TEXT NOT NULL,
    ordinal      BIGINT,
    countries    TEXT NOT NULL,
    evidence     TEXT NOT NULL
);
CREATE INDEX events_doc ON events (doc_id);
CREATE INDEX events_kind ON events (kind);
CREATE INDEX events_place ON events (place_key);
CREATE INDEX events_date ON events (date_start, date_end);
CREATE TABLE event_participants (
    event_id BIGINT NOT NULL REFERENCES events (id),
    name_key TEXT NOT NULL
);
CREATE INDEX event_participants_key ON event_participants (name_key, event_id);
CREATE TABLE event_countries (
    event_id BIGINT NOT NULL REFERENCES events (id),
    code     TEXT NOT NULL
);
CREATE INDEX event_countries_code ON event_countries (code, event_id);

-- Quotes are searched with PostgreSQL's text search: the `simple`
-- configuration lower-cases words and keeps them whole (no stemming), as the
-- embedded store's FTS5 index does.
CREATE TABLE quotes (
    id          BIGSERIAL PRIMARY KEY,
    doc_id      TEXT NOT NULL REFERENCES documents (id),
    text        TEXT NOT NULL,
    speaker     TEXT,
    speaker_key TEXT,
    evidence    TEXT NOT NULL,
    words       TSVECTOR NOT NULL
);
CREATE INDEX quotes_doc ON quotes (doc_id);
CREATE INDEX quotes_speaker ON quotes (speaker_key, id);
CREATE INDEX quotes_words ON quotes USING GIN (words);

CREATE TABLE figures (
    id        BIGSERIAL PRIMARY KEY,
    doc_id    TEXT NOT NULL REFERENCES documents (id),
    value     DOUBLE PRECISION NOT NULL,
    unit      TEXT NOT NULL,
    metric    TEXT NOT NULL,
    period    TEXT,
    countries TEXT NOT NULL,
    evidence  TEXT NOT NULL
);
CREATE INDEX figures_doc ON figures (doc_id);
CREATE INDEX figures_metric ON figures (metric, id);
CREATE INDEX figures_period ON figures (period, id);
CREATE TABLE figure_countries (
    figure_id BIGINT NOT NULL REFERENCES figures (id),
    code      TEXT NOT NULL
);
CREATE INDEX figure_countries_code ON figure_countries (code, figure_id);

CREATE TABLE topics (
    id BIGSERIAL PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents (id),
    name TEXT NOT NULL, score DOUBLE PRECISION NOT NULL, evidence TEXT NOT NULL
);
CREATE INDEX topics_doc ON topics (doc_id);
CREATE INDEX topics_name ON topics (name);
