"""A host catalogue shaped unlike the demo's: a film has a name and a plot, a
release date (no year column), tags instead of genres, and directors as a
many-to-many to people stored as first and last name."""

from django.db import models
from pgvector.django import HnswIndex

from moviesearch.mixins import EmbeddedMovie


class Person(models.Model):
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Tag(models.Model):
    label = models.CharField(max_length=60, unique=True)

    def __str__(self):
        return self.label


class Film(EmbeddedMovie):
    name = models.CharField(max_length=200)
    plot = models.TextField(blank=True)
    released = models.DateField(null=True, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="films")
    directors = models.ManyToManyField(Person, blank=True, related_name="films")

    class Meta:
        indexes = [
            HnswIndex(
                name="film_embedding_hnsw",
                fields=["embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            )
        ]

    def __str__(self):
        return self.name
