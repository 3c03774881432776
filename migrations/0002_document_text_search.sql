-- Version 2: full-text search over documents (ListDocuments' `text`).
--
-- The words of the first 100000 characters of each text (TEXT_SEARCH_CHARS in
-- src/store/mod.rs), in the `simple` configuration as for quotes: lower case,
-- whole words, no stemming. ASCII punctuation is read as a space first, so
-- that words are runs of letters and digits as in the embedded store ("2.92"
-- is the words 2 and 92, "state.gov" is state and gov) rather than the
-- parser's decimals, hosts and compounds. The bound keeps the vector of any
-- text under PostgreSQL's 1 MiB limit for a tsvector, and its words within the
-- 16383 positions phrases are matched by.
--
-- A generated column fills itself for the documents already stored and for
-- every insert; the GIN index serves `words @@ websearch_to_tsquery(...)`.
ALTER TABLE documents ADD COLUMN words TSVECTOR GENERATED ALWAYS AS (
    to_tsvector('simple', regexp_replace(left(text, 100000), '[[:punct:]]+', ' ', 'g'))
) STORED;
CREATE INDEX documents_words ON documents USING GIN (words);
