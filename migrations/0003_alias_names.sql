-- Version 3: which full names each alias stands for, one row per pair.
--
-- A quote listing by speaker also takes the quotes of every person the
-- speaker's name is an alias of ("Sherman" for "Wendy R. Sherman"). That
-- was a join of every alias row, one per mention, to its person: thousands
-- of rows for an alias of a much-mentioned person. Here each pair is kept
-- once and answered by one index range.
CREATE TABLE alias_names (
    alias_key TEXT NOT NULL,
    name_key  TEXT NOT NULL,
    PRIMARY KEY (alias_key, name_key)
);
INSERT INTO alias_names (alias_key, name_key)
    SELECT DISTINCT a.alias_key, p.name_key FROM person_aliases a JOIN persons p ON p.id = a.person_id
    ON CONFLICT DO NOTHING;
