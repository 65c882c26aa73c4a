"""Turn a database outage into a clean 503 (JSON for the API, a page otherwise);
the next request reconnects by itself (the pool checks a connection before handing
it out: moviesearch.postgresql)."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.template.response import SimpleTemplateResponse

log = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        log.error("database unavailable: %s", exception)
        if request.path.startswith(("/api/", "/healthz")):
            response = JsonResponse(
                {"error": "the catalogue is unavailable; try again shortly"}, status=503
            )
        else:
            response = SimpleTemplateResponse(
                "moviesearch/503.html", status=503
            ).render()
        response["Retry-After"] = "5"
        return response
