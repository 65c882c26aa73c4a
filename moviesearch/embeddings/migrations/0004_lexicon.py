"""BM25 without counting postings at query time: each lexeme's document frequency
(Lexeme) and the corpus size (Corpus) kept by statement-level triggers, and each
posting's impact, so a query reads a common word's best postings first and stops
(moviesearch.search.lexical)."""

from django.db import migrations, models

from moviesearch.conf import movie_model_label

MOVIE_MODEL = movie_model_label()

POSTING = "moviesearch_embeddings_posting"
DOCUMENT = "moviesearch_embeddings_lexicaldocument"
LEXEME = "moviesearch_embeddings_lexeme"
CORPUS = "moviesearch_embeddings_corpus"

# Deltas in lexeme order (one statement), so concurrent writers lock shared rows in
# the same order; the corpus is one row (id 1). A TRUNCATE empties the counts.
TRIGGERS = f"""
CREATE FUNCTION moviesearch_lexeme_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO {LEXEME} AS l (lexeme, df)
  SELECT lexeme, count(*) FROM new_rows GROUP BY lexeme ORDER BY lexeme
  ON CONFLICT (lexeme) DO UPDATE SET df = l.df + EXCLUDED.df;
  RETURN NULL;
END $$;
CREATE FUNCTION moviesearch_lexeme_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE {LEXEME} AS l SET df = l.df - d.n
  FROM (SELECT lexeme, count(*) AS n FROM old_rows GROUP BY lexeme) AS d
  WHERE l.lexeme = d.lexeme;
  RETURN NULL;
END $$;
CREATE FUNCTION moviesearch_lexeme_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM {LEXEME};
  RETURN NULL;
END $$;
CREATE TRIGGER posting_df_added AFTER INSERT ON {POSTING}
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION moviesearch_lexeme_added();
CREATE TRIGGER posting_df_removed AFTER DELETE ON {POSTING}
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
  EXECUTE FUNCTION moviesearch_lexeme_removed();
CREATE TRIGGER posting_df_truncated AFTER TRUNCATE ON {POSTING}
  FOR EACH STATEMENT EXECUTE FUNCTION moviesearch_lexeme_truncated();

CREATE FUNCTION moviesearch_corpus_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM {CORPUS};
  ELSE
    INSERT INTO {CORPUS} AS c (id, documents, length)
    SELECT 1, sign * count(*), sign * coalesce(sum(length), 0)
    FROM (SELECT CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END AS sign) AS s,
         changed_rows GROUP BY sign
    ON CONFLICT (id) DO UPDATE SET documents = c.documents + EXCLUDED.documents,
                                   length = c.length + EXCLUDED.length;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER document_corpus_added AFTER INSERT ON {DOCUMENT}
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT
  EXECUTE FUNCTION moviesearch_corpus_changed();
CREATE TRIGGER document_corpus_removed AFTER DELETE ON {DOCUMENT}
  REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT
  EXECUTE FUNCTION moviesearch_corpus_changed();
CREATE TRIGGER document_corpus_truncated AFTER TRUNCATE ON {DOCUMENT}
  FOR EACH STATEMENT EXECUTE FUNCTION moviesearch_corpus_changed();
"""

# What the triggers would have counted, for the postings already there; the impacts
# at today's mean length (the same formula as embeddings.lexical, frozen here).
BACKFILL = f"""
INSERT INTO {CORPUS} (id, documents, length)
SELECT 1, count(*), coalesce(sum(length), 0) FROM {DOCUMENT};
INSERT INTO {LEXEME} (lexeme, df)
SELECT lexeme, count(*) FROM {POSTING} GROUP BY lexeme;
UPDATE {POSTING} SET impact = tf / (tf + 1.2 * (0.25 + 0.75 * dl / c.mean))
FROM (SELECT greatest(length / nullif(documents, 0), 1.0) AS mean FROM {CORPUS}) AS c;
"""

UNDO = f"""
DROP TRIGGER IF EXISTS posting_df_added ON {POSTING};
DROP TRIGGER IF EXISTS posting_df_removed ON {POSTING};
DROP TRIGGER IF EXISTS posting_df_truncated ON {POSTING};
DROP TRIGGER IF EXISTS document_corpus_added ON {DOCUMENT};
DROP TRIGGER IF EXISTS document_corpus_removed ON {DOCUMENT};
DROP TRIGGER IF EXISTS document_corpus_truncated ON {DOCUMENT};
DROP FUNCTION IF EXISTS moviesearch_lexeme_added();
DROP FUNCTION IF EXISTS moviesearch_lexeme_removed();
DROP FUNCTION IF EXISTS moviesearch_lexeme_truncated();
DROP FUNCTION IF EXISTS moviesearch_corpus_changed();
"""


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(MOVIE_MODEL),
        ("moviesearch_embeddings", "0003_fact_movie_related_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="Corpus",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("documents", models.BigIntegerField(default=0)),
                ("length", models.FloatField(default=0.0)),
            ],
            options={"verbose_name_plural": "corpus"},
        ),
        migrations.CreateModel(
            name="Lexeme",
            fields=[
                ("lexeme", models.TextField(primary_key=True, serialize=False)),
                ("df", models.IntegerField()),
            ],
        ),
        migrations.RemoveIndex(model_name="posting", name="posting_covering"),
        migrations.AddField(
            model_name="posting",
            name="impact",
            field=models.FloatField(default=0.0, help_text="BM25's term-frequency part at a reference length: the order in which a lexeme's postings are read."),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="posting",
            index=models.Index(fields=["lexeme", "-impact"], include=("movie", "tf", "dl"), name="posting_impact"),
        ),
        migrations.RunSQL(TRIGGERS, UNDO),
    ]
