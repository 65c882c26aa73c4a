"""The lexical index: each movie's full-text lexemes with field-weighted term
frequencies, so search can rank by BM25 (term rarity and length normalisation, which
PostgreSQL's ts_rank lacks). Rebuilt from `search_vector` by
embeddings.lexical.postings_refresh whenever a movie's document changes."""

from django.db import models


class LexicalDocument(models.Model):
    """A movie's weighted document length (corpus size and mean length for BM25)."""

    movie = models.OneToOneField(
        "catalog.Movie", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    length = models.FloatField()

    def __str__(self):
        return f"movie {self.movie_id}: {self.length:g}"


class Posting(models.Model):
    """One lexeme of one movie's document."""

    pk = models.CompositePrimaryKey("lexeme", "movie")
    lexeme = models.TextField()
    movie = models.ForeignKey(
        "catalog.Movie", on_delete=models.CASCADE, related_name="+"
    )
    tf = models.FloatField(help_text="Field-weighted term frequency.")
    dl = models.FloatField(help_text="The document's weighted length (a copy).")

    class Meta:
        indexes = [
            models.Index(fields=["movie"], name="posting_movie"),
            # search.lexical reads a query's postings by index-only scans.
            models.Index(
                fields=["lexeme"],
                include=["movie", "tf", "dl"],
                name="posting_covering",
            ),
        ]

    def __str__(self):
        return f"{self.lexeme} in movie {self.movie_id}: {self.tf:g}"
