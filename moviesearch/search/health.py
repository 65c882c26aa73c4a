"""/healthz: database, broker and model, for load balancers and monitoring."""

from django.db import connection
from django.http import JsonResponse

from moviesearch.embeddings import encoder


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:
        return f"error: {type(exc).__name__}"


def _broker() -> str:
    from celery import current_app as app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
        return "ok"
    except Exception as exc:
        return f"error: {type(exc).__name__}"


def healthz(request):
    checks = {
        "database": _database(),
        "broker": _broker(),
        "model": "loaded" if encoder.is_loaded() else "not loaded",
    }
    healthy = checks["database"] == "ok"
    status = 200 if healthy else 503
    return JsonResponse({"status": "ok" if healthy else "unavailable", **checks},
                        status=status)  # fmt: skip
