"""Reads on the movie table: embedding status, vector and text search."""

from django.db import models
from django.db.models import Case, F, Q, Value, When
from pgvector.django import CosineDistance


def _current_q() -> Q:
    from embeddings.encoder import model_identity

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


class MovieQuerySet(models.QuerySet):
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
        """Prefetch what a result shows: genres and credited people."""
        from catalog.models import Credit

        return self.defer("embedding", "search_vector").prefetch_related(
            "genres",
            models.Prefetch(
                "credits", queryset=Credit.objects.select_related("person")
            ),
        )

    def with_document_facts(self):
        """with_facts() plus keywords: everything embeddings.documents reads."""
        return self.with_facts().prefetch_related("keywords")

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
        from search.ranking import rank

        ranked = rank(self, text, mode, depth=offset + limit)
        page = self._page(ranked.ids[offset : offset + limit], ranked.scores)
        strong = getattr(ranked, "strong", None)
        for movie in page:
            movie.match = "strong" if strong is None or movie.pk in strong else "loose"
        return RankedPage(page, found=getattr(ranked, "found", None))

    def similar_to(self, movie, *, limit: int = 10, offset: int = 0):
        """A page of movies like this one, each with `.score` and `.co_liked`:
        content signals and co-likes, blended (recommendations.similar)."""
        from recommendations.similar import similar_ranked

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
