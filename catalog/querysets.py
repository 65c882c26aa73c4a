"""The demo catalogue's reads: the plugin's, plus its own relations on a page."""

from django.db import models

from moviesearch.mixins import EmbeddedMovieQuerySet


class MovieQuerySet(EmbeddedMovieQuerySet):
    def with_facts(self):
        """Prefetch what a result shows: genres and credited people."""
        from catalog.models import Credit

        return (
            super()
            .with_facts()
            .prefetch_related(
                "genres",
                models.Prefetch(
                    "credits", queryset=Credit.objects.select_related("person")
                ),
            )
        )
