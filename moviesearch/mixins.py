"""What a host's movie model takes from the plugin: the columns that hold its search
document and vector (`EmbeddedMovie`, an abstract model: the host makes the
migration), and the reads on them (`EmbeddedMovieQuerySet`: embedding status,
nearest vectors, search, similar movies)."""

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils.functional import cached_property
from pgvector.django import CosineDistance, VectorField

from moviesearch.conf import settings

# The packaged model's 384 unless set; `resize_embeddings` writes the host's
# migration to another.
EMBEDDING_DIMENSIONS = settings.EMBEDDING_DIMENSIONS


def _current_q() -> Q:
    from moviesearch.embeddings.encoder import model_identity

    return Q(
        embedding__isnull=False,
        embedded_at__isnull=False,
        embedding_hash=F("document_hash"),
        embedding_model=model_identity(),
    )


class RankedPage(list):
    """A page of ranked movies, with what the ranking understood of the query."""

    def __init__(self, movies, *, found=None):
        super().__init__(movies)
        self.found = found


class EmbeddedMovieQuerySet(models.QuerySet):
    def embedding_missing(self):
        return self.filter(embedding__isnull=True)

    def embedding_current(self):
        return self.filter(_current_q())

    def embedding_stale(self):
        return self.filter(embedding__isnull=False).exclude(_current_q())

    def embedding_not_current(self):
        return self.exclude(_current_q())

    def with_embedding_status(self):
        return self.annotate(
            embedding_status=Case(
                When(embedding__isnull=True, then=Value("missing")),
                When(_current_q(), then=Value("current")),
                default=Value("stale"),
            )
        )

    def embedding_counts(self) -> dict[str, int]:
        return {
            "missing": self.embedding_missing().count(),
            "current": self.embedding_current().count(),
            "stale": self.embedding_stale().count(),
        }

    def with_facts(self):
        """What a result page shows, loaded in bulk: the movie's names by role (its
        `roles`, one aggregate query for all the movies fetched). A host's queryset
        may override it to prefetch its own relations for its templates, and calls
        super()."""
        clone = self.defer("embedding", "search_vector")
        clone._with_roles = True
        return clone

    def _clone(self):
        clone = super()._clone()
        clone._with_roles = getattr(self, "_with_roles", False)
        return clone

    def _fetch_all(self):
        # Roles are attached once, when with_facts() rows are first fetched: names
        # as arrays per (movie, role) took 1.0 ms for a page of 10 at 12k, against
        # 3.7 ms for the same facts prefetched as model instances.
        fresh = self._result_cache is None
        super()._fetch_all()
        rows = self._result_cache
        if fresh and getattr(self, "_with_roles", False) and rows:
            if isinstance(rows[0], models.Model):
                from moviesearch.embeddings.facts import attach_roles

                attach_roles(rows)

    def with_document_facts(self):
        """What the declaration's documents read (Catalogue.prefetch), loaded."""
        from moviesearch.catalogue import catalogue

        return self.defer("embedding", "search_vector").prefetch_related(
            *catalogue().prefetch
        )

    def nearest(self, vector):
        """Movies with a vector, nearest (cosine) first, annotated with `distance`."""
        return (
            self.filter(embedding__isnull=False)
            .annotate(distance=CosineDistance("embedding", vector))
            .order_by("distance")
        )

    def search(
        self, text: str, *, mode: str = "hybrid", limit: int = 10, offset: int = 0
    ):
        """A page of movies ranked for a natural-language query, each with `.score`."""
        from moviesearch.search.ranking import rank

        ranked = rank(self, text, mode, depth=offset + limit)
        page = self._page(ranked.ids[offset : offset + limit], ranked.scores)
        strong = getattr(ranked, "strong", None)
        for movie in page:
            movie.match = "strong" if strong is None or movie.pk in strong else "loose"
        return RankedPage(page, found=getattr(ranked, "found", None))

    def similar_to(self, movie, *, limit: int = 10, offset: int = 0):
        """A page of movies like this one, each with `.score` and `.co_liked`:
        content signals and co-likes, blended (moviesearch.recommendations.similar)."""
        from moviesearch.recommendations.similar import similar_ranked

        ranked = similar_ranked(self, movie, depth=offset + limit)
        page = self._page(ranked.ids[offset : offset + limit], ranked.scores)
        for other in page:
            other.co_liked = other.pk in ranked.co_liked
        return page

    def _page(self, ids: list[int], scores: dict[int, float]) -> list:
        found = self.model.objects.filter(pk__in=ids).with_facts().in_bulk()
        page = [found[pk] for pk in ids if pk in found]
        for movie in page:
            movie.score = scores[movie.pk]
        return page


class EmbeddedMovie(models.Model):
    """The columns kept by moviesearch.embeddings.services: the document text's hash,
    the full-text vector built from the same facts, and the embedding with what made
    it. A host's movie model inherits them and declares the indexes (see README)."""

    document_hash = models.CharField(max_length=64, blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True, editable=False)
    embedding_hash = models.CharField(max_length=64, blank=True, editable=False)
    embedding_model = models.CharField(max_length=500, blank=True, editable=False)
    embedded_at = models.DateTimeField(null=True, blank=True, editable=False)
    embedding_error = models.TextField(blank=True, editable=False)

    objects = EmbeddedMovieQuerySet.as_manager()

    class Meta:
        abstract = True

    @cached_property
    def roles(self) -> dict[str, list[str]]:
        """The names this movie carries by role, as the plugin read them through
        the declaration: {"director": [...], "cast": [...], "genre": [...],
        "keyword": [...]} (templates: movie.roles.director)."""
        from moviesearch.embeddings.facts import roles_of

        return roles_of(self)
