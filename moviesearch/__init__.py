"""moviesearch: meaning-based search, similar movies and recommendations for a
Django movie catalogue (PostgreSQL + pgvector, Celery)."""

__version__ = "0.2.0"
