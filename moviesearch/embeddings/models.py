"""The plugin's own tables about the host's movies, rebuilt with their documents:

- the lexical index: each movie's full-text lexemes with field-weighted term
frequencies, so search can rank by BM25 (term rarity and length normalisation, which
PostgreSQL's ts_rank lacks). Rebuilt from `search_vector` by
moviesearch.embeddings.lexical.postings_refresh whenever a movie's document changes;
- the names each movie carries (people, genres, keywords) and in which role, read
  through the declaration (moviesearch.embeddings.facts)."""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Lower

from moviesearch.conf import movie_model_label

MOVIE_MODEL = movie_model_label()  # the host's movie model (settings)


class LexicalDocument(models.Model):
    """A movie's weighted document length (corpus size and mean length for BM25)."""

    movie = models.OneToOneField(
        MOVIE_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )
    length = models.FloatField()

    def __str__(self):
        return f"movie {self.movie_id}: {self.length:g}"


class Posting(models.Model):
    """One lexeme of one movie's document."""

    pk = models.CompositePrimaryKey("lexeme", "movie")
    lexeme = models.TextField()
    movie = models.ForeignKey(
        MOVIE_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    tf = models.FloatField(help_text="Field-weighted term frequency.")
    dl = models.FloatField(help_text="The document's weighted length (a copy).")
    impact = models.FloatField(
        default=0.0,
        help_text="BM25's term-frequency part at a reference length: the order in "
        "which a lexeme's postings are read.",
    )

    class Meta:
        indexes = [
            # moviesearch.search.lexical reads a lexeme's best postings first, by
            # index-only scans, and stops after a bounded number.
            models.Index(
                fields=["lexeme", "-impact"],
                include=["movie", "tf", "dl"],
                name="posting_impact",
            ),
            # A movie's postings (refreshes delete by movie) and one (movie, word)
            # probe from the index alone when candidates are scored: with the
            # primary key (lexeme, movie) the planner read whole words instead.
            models.Index(
                fields=["movie", "lexeme"],
                include=["tf", "dl"],
                name="posting_movie_lexeme",
            ),
        ]

    def __str__(self):
        return f"{self.lexeme} in movie {self.movie_id}: {self.tf:g}"


class Lexeme(models.Model):
    """How many movies' documents hold a lexeme (BM25's document frequency): kept
    by statement-level triggers on the postings (migration 0004), so every insert
    and delete, cascades included, counts; a query reads its words' rarity here
    instead of counting their postings."""

    lexeme = models.TextField(primary_key=True)
    df = models.IntegerField()

    def __str__(self):
        return f"{self.lexeme}: {self.df}"


class Corpus(models.Model):
    """The lexical index's size: documents and their summed weighted length (BM25's
    N and mean length), one row kept by triggers on LexicalDocument."""

    documents = models.BigIntegerField(default=0)
    length = models.FloatField(default=0.0)

    class Meta:
        verbose_name_plural = "corpus"

    def __str__(self):
        return f"{self.documents} documents"


class Name(models.Model):
    """A person, genre, keyword or studio as the declaration reads it off the
    host's movies (Catalogue.facts): what queries are matched against, whatever the
    host calls them or however it stores them."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        GENRE = "genre", "Genre"
        KEYWORD = "keyword", "Keyword"
        STUDIO = "studio", "Studio"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    name = models.CharField(max_length=300)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="name_kind_unique")
        ]
        indexes = [
            # Names are looked up case-insensitively, and people's near misses and
            # surnames by pg_trgm (partial: a BitmapAnd with the kind cost 1.6 ms).
            models.Index(Lower("name"), "kind", name="name_lower_kind"),
            GinIndex(
                OpClass(Lower("name"), name="gin_trgm_ops"),
                name="name_person_trgm",
                fastupdate=False,
                condition=models.Q(kind="person"),
            ),
            # A studio named by a word of its name ("pixar": Pixar Animation
            # Studios), matched as a word by a regular expression pg_trgm serves.
            GinIndex(
                OpClass(Lower("name"), name="gin_trgm_ops"),
                name="name_studio_trgm",
                fastupdate=False,
                condition=models.Q(kind="studio"),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.kind})"


class Fact(models.Model):
    """A movie has this name in this role (director, cast, genre, keyword), at this
    place (billing order). Rebuilt with the movie's documents."""

    # The primary key serves lookups by movie, fact_name_role those by name: the
    # foreign keys need no index of their own.
    pk = models.CompositePrimaryKey("movie", "role", "name")
    movie = models.ForeignKey(
        MOVIE_MODEL,
        on_delete=models.CASCADE,
        related_name="moviesearch_facts",
        db_index=False,
    )
    role = models.CharField(max_length=8)
    name = models.ForeignKey(
        Name, on_delete=models.CASCADE, related_name="facts", db_index=False
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        # The movies carrying a name in a role, read from the index alone.
        indexes = [
            models.Index(
                fields=["name", "role"], include=["movie"], name="fact_name_role"
            )
        ]

    def __str__(self):
        return f"movie {self.movie_id}: {self.role} {self.name_id}"


class RelatedLexeme(models.Model):
    """A lexeme of the catalogue's story vocabulary and one the configured model
    puts near it in meaning ("lawyer" → "attorney", "lie" → "liar"): the lexical
    side adds it to a query at a fraction of its weight. Rebuilt as a whole by
    moviesearch.embeddings.related."""

    pk = models.CompositePrimaryKey("lexeme", "related")
    lexeme = models.TextField()
    related = models.TextField()
    similarity = models.FloatField(help_text="Cosine of the two words' vectors.")

    def __str__(self):
        return f"{self.lexeme} → {self.related} ({self.similarity:.2f})"


class Word(models.Model):
    """A word of the catalogue's story vocabulary (the related words' build:
    titles, genres, keywords, taglines, overviews; in ≥ 2 movies), its full-text
    lexeme and how many movies' texts have it: a query's word that no movie has is
    read as the nearest of these (moviesearch.search.spelling: "lawer" → "lawyer").
    Rebuilt as a whole with the related lexemes."""

    word = models.TextField(primary_key=True)
    lexeme = models.TextField()
    movies = models.IntegerField(help_text="Movies whose text has the word.")

    class Meta:
        indexes = [
            # A misspelled word's candidates by pg_trgm similarity (`%`).
            GinIndex(
                OpClass("word", name="gin_trgm_ops"),
                name="word_trgm",
                fastupdate=False,
            ),
        ]

    def __str__(self):
        return self.word


class RelatedWordsBuild(models.Model):
    """The last build of the related lexemes (one row): by which model, from how
    many words, and the corpus size then (a grown catalogue is rebuilt)."""

    model = models.CharField(max_length=500)
    words = models.IntegerField()
    documents = models.BigIntegerField()
    built_at = models.DateTimeField()

    def __str__(self):
        return f"{self.words} words by {self.model} at {self.built_at:%Y-%m-%d %H:%M}"
