"""WSGI entry point; warms the embedding model so the first visitor does not wait."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demosite.settings")
application = get_wsgi_application()

from django.conf import settings  # noqa: E402

if settings.EMBEDDING_WARM_ON_START:
    from moviesearch.search.warmup import warm_up  # noqa: E402

    warm_up()
