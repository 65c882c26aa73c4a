"""What visitors do with films, and the co-likes derived from it."""

from django.db import models
from django.db.models import Q

from moviesearch.conf import movie_model_label, settings

MOVIE_MODEL = movie_model_label()  # the host's movie model (settings)


class Interaction(models.Model):
    """One kind of interaction of one owner with one film (the latest one counts).

    The owner is a Django user, an anonymous session, or a visitor of an imported
    data set (``external_id``, e.g. ``movielens:12``): exactly one of the three."""

    class Kind(models.TextChoices):
        VIEWED = "viewed", "Viewed"
        LIKED = "liked", "Liked"
        DISMISSED = "dismissed", "Not interested"
        RATED = "rated", "Rated"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="movie_interactions",
    )
    # NULL, not "", for the absent owners: the unique constraints ignore NULLs.
    session_key = models.CharField(max_length=40, null=True, blank=True)  # noqa: DJ001
    external_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    movie = models.ForeignKey(
        MOVIE_MODEL, on_delete=models.CASCADE, related_name="interactions"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    rating = models.DecimalField(
        max_digits=2, decimal_places=1, null=True, blank=True, help_text="0.5–5."
    )
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # NULL owners never collide, so each index guards one kind of owner and
        # ON CONFLICT can name it (partial indexes cannot be inferred by Django).
        constraints = [
            models.UniqueConstraint(
                fields=["user", "movie", "kind"], name="interaction_user_unique"
            ),
            models.UniqueConstraint(
                fields=["session_key", "movie", "kind"],
                name="interaction_session_unique",
            ),
            models.UniqueConstraint(
                fields=["external_id", "movie", "kind"],
                name="interaction_external_unique",
            ),
            models.CheckConstraint(
                condition=Q(
                    user__isnull=False, session_key__isnull=True, external_id=None
                )
                | Q(user__isnull=True, session_key__isnull=False, external_id=None)
                | Q(
                    user__isnull=True,
                    session_key__isnull=True,
                    external_id__isnull=False,
                    external_id__gt="",
                ),
                name="interaction_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(kind="rated", rating__gte=0.5, rating__lte=5)
                | Q(~Q(kind="rated"), rating__isnull=True),
                name="interaction_rating_only_when_rated",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True)
                | Q(rating__in=[x / 2 for x in range(1, 11)]),
                name="interaction_rating_half_steps",
            ),
        ]
        indexes = [
            models.Index(fields=["movie", "kind"], name="interaction_movie_kind"),
        ]

    def __str__(self):
        owner = self.user_id or self.external_id or "anonymous"
        value = f" {self.rating}" if self.rating is not None else ""
        return f"{owner} {self.kind}{value} {self.movie_id}"


class CoLike(models.Model):
    """Films liked by the same people: ``score`` is the cosine over their likers.

    Rebuilt as a whole by services.colikes_rebuild; only each film's best
    neighbours are kept."""

    movie = models.ForeignKey(MOVIE_MODEL, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(MOVIE_MODEL, on_delete=models.CASCADE, related_name="+")
    together = models.PositiveIntegerField()
    score = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["movie", "other"], name="colike_pair"),
            models.CheckConstraint(
                condition=~Q(movie=models.F("other")), name="colike_not_self"
            ),
        ]
        indexes = [
            models.Index(fields=["movie", "-score"], name="colike_movie_score"),
            # similar.candidates also reads each film's most co-liked neighbours.
            models.Index(fields=["movie", "-together"], name="colike_movie_together"),
        ]

    def __str__(self):
        return f"{self.movie_id} ~ {self.other_id} ({self.together})"


class LikeCount(models.Model):
    """How many owners like a film (rebuilt with the co-likes)."""

    movie = models.OneToOneField(
        MOVIE_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )
    likers = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["-likers"], name="likecount_likers")]

    def __str__(self):
        return f"{self.movie_id}: {self.likers}"
