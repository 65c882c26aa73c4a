"""The catalogue: movies, genres, people, keywords, studios and credits."""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import F, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, Lower, Upper
from django.urls import reverse
from pgvector.django import HnswIndex

from moviesearch.initials import TitleInitials
from moviesearch.mixins import EmbeddedMovie


def listed_order():
    """Orders genres read through a movie (the link table joined under its own
    name) as they were linked: TMDB's order."""
    table = Movie.genres.through._meta.db_table
    return RawSQL(f'"{table}"."id"', ()).asc()


class Genre(models.Model):
    name = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Keyword(models.Model):
    name = models.CharField(max_length=128, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Company(models.Model):
    """A production company (TMDB's `production_companies`): "pixar movies"."""

    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"

    def __str__(self):
        return self.name


class Person(models.Model):
    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"
        # moviesearch.search.entities looks names up case-insensitively.
        indexes = [
            models.Index(Lower("name"), name="person_name_lower"),
            # search.suggest and misspelling correction: pg_trgm on lower(name).
            # No fastupdate: a pending list of new entries is scanned whole by every
            # search (see movie_title_trgm).
            GinIndex(
                OpClass(Lower("name"), name="gin_trgm_ops"),
                name="person_name_trgm",
                fastupdate=False,
            ),
        ]

    def __str__(self):
        return self.name


class Movie(EmbeddedMovie):
    title = models.CharField(max_length=300)
    original_title = models.CharField(max_length=300, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True, db_index=True)
    release_date = models.DateField(null=True, blank=True)
    overview = models.TextField(blank=True)
    tagline = models.CharField(max_length=500, blank=True)
    runtime = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Minutes."
    )
    original_language = models.CharField(max_length=12, blank=True, db_index=True)
    popularity = models.FloatField(default=0, db_index=True)
    vote_average = models.FloatField(null=True, blank=True)
    vote_count = models.PositiveIntegerField(null=True, blank=True)
    # How well known the film is, the order of "best known first" lists (the
    # declaration's `popularity`): its vote count, or where it has none (the demo
    # catalogue, a film added by hand) its popularity.
    fame = models.GeneratedField(
        expression=Coalesce(Cast("vote_count", models.FloatField()), "popularity"),
        output_field=models.FloatField(),
        db_persist=True,
    )
    tmdb_id = models.PositiveIntegerField(
        null=True, blank=True, unique=True, verbose_name="TMDB id"
    )
    imdb_id = models.CharField(
        max_length=16, null=True, blank=True, unique=True, verbose_name="IMDb id"
    )
    genres = models.ManyToManyField(Genre, blank=True, related_name="movies")
    keywords = models.ManyToManyField(Keyword, blank=True, related_name="movies")
    companies = models.ManyToManyField(
        Company, blank=True, related_name="movies", verbose_name="studios"
    )
    people = models.ManyToManyField(
        Person, through="Credit", blank=True, related_name="movies"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-popularity", "id"]
        indexes = [
            GinIndex(fields=["search_vector"], name="movie_search_vector_gin"),
            HnswIndex(
                name="movie_embedding_hnsw",
                fields=["embedding"],
                # A denser graph (bench/recall.py): recall@10 0.995 at ef_search
                # 100 on this catalogue, against 0.966 with m=16, ef_construction=64.
                m=24,
                ef_construction=200,
                opclasses=["vector_cosine_ops"],
            ),
            models.Index(fields=["title"], name="movie_title_idx"),
            # search.ranking.entity_ranked: the best-known films of a genre and a
            # decade (the declared popularity: fame), read in that order from the
            # index alone (a million movies: 65 ms against 190 probing every film
            # of the genre).
            models.Index(
                F("fame").desc(nulls_last=True),
                F("id"),
                include=["year"],
                name="movie_fame_year",
            ),
            # search.ranking.exact_titles: title__iexact is UPPER(title) = UPPER(%s)
            models.Index(Upper("title"), name="movie_title_upper"),
            models.Index(Upper("original_title"), name="movie_original_title_upper"),
            # search.acronyms: a title typed as its initials ("lotr", "potc").
            models.Index(TitleInitials("title"), name="movie_title_initials"),
            # search.suggest: prefix and misspelling-tolerant title lookups. No
            # fastupdate: every vector write re-inserts the row in each index, and
            # with GIN's pending list a `reindex --all` of 12k films left a lookup
            # scanning it whole (25 ms, against 0.2 once merged) until a vacuum.
            GinIndex(
                OpClass(Lower("title"), name="gin_trgm_ops"),
                name="movie_title_trgm",
                fastupdate=False,
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(year__gte=1870, year__lte=2100),
                name="movie_year_plausible",
            ),
            models.CheckConstraint(
                condition=~Q(title=""), name="movie_title_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(vote_average__isnull=True)
                | Q(vote_average__gte=0, vote_average__lte=10),
                name="movie_vote_average_0_10",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.year})" if self.year else self.title

    def get_absolute_url(self):
        return reverse("moviesearch:movie", args=[self.pk])

    def genres_as_listed(self) -> list[str]:
        """Genre names in the order TMDB lists them (the first is the film's main
        genre): the link rows' order. `genres` itself is ordered by name."""
        listed = getattr(self, "listed_genres", None)  # MovieCatalogue.prefetch
        if listed is None:
            listed = Genre.objects.filter(movies=self).order_by(listed_order())
        return [g.name for g in listed]

    def directors(self) -> list[str]:
        return [c.person.name for c in self.ordered_credits() if c.role == "director"]

    def cast(self) -> list[str]:
        return [c.person.name for c in self.ordered_credits() if c.role == "cast"]

    def ordered_credits(self):
        return sorted(self.credits.all(), key=lambda c: (c.role, c.order, c.pk or 0))

    def similar(self, **kwargs):
        """Movies nearest to this one (see EmbeddedMovieQuerySet.similar_to)."""
        return Movie.objects.similar_to(self, **kwargs)


class Credit(models.Model):
    class Role(models.TextChoices):
        DIRECTOR = "director", "Director"
        CAST = "cast", "Cast"

    movie = models.ForeignKey(Movie, on_delete=models.CASCADE, related_name="credits")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="credits")
    role = models.CharField(max_length=16, choices=Role.choices)
    order = models.PositiveSmallIntegerField(default=0, help_text="Billing order.")

    class Meta:
        ordering = ["movie", "role", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["movie", "person", "role"], name="credit_unique_role"
            )
        ]
        indexes = [models.Index(fields=["person", "role"], name="credit_person_role")]

    def __str__(self):
        return f"{self.person} ({self.get_role_display()}) in {self.movie}"
