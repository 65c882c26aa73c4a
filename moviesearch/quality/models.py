"""Relevance judgments made by people in the admin: a saved query and, for some
movies, whether they are a good or a bad answer to it."""

from django.db import models

from moviesearch.conf import movie_model_label, settings

MOVIE_MODEL = movie_model_label()  # the host's movie model (settings)


class SavedQuery(models.Model):
    text = models.CharField(max_length=500, unique=True)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="saved_queries",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["text"]
        verbose_name_plural = "saved queries"

    def __str__(self):
        return self.text


class Judgment(models.Model):
    class Verdict(models.TextChoices):
        GOOD = "good", "Good"
        BAD = "bad", "Bad"

    saved_query = models.ForeignKey(
        SavedQuery, on_delete=models.CASCADE, related_name="judgments"
    )
    movie = models.ForeignKey(
        MOVIE_MODEL, on_delete=models.CASCADE, related_name="judgments"
    )
    verdict = models.CharField(max_length=8, choices=Verdict.choices)

    class Meta:
        ordering = ["saved_query", "verdict", "movie"]
        constraints = [
            models.UniqueConstraint(
                fields=["saved_query", "movie"], name="judgment_unique_movie"
            )
        ]

    def __str__(self):
        return f"{self.movie} is {self.verdict} for {self.saved_query}"
