"""What every JSON endpoint answers outside its own work: an error as
{"error": message}, and a method it does not take as a JSON 405 (Django's
require_http_methods answers an HTML page)."""

from functools import wraps

from django.http import JsonResponse


def json_error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def methods(*allowed: str):
    """Django's require_http_methods for a JSON endpoint: another method gets a
    405 in JSON with the Allow header."""

    def decorate(view):
        @wraps(view)
        def checked(request, *args, **kwargs):
            if request.method not in allowed:
                response = json_error(405, f"Use {' or '.join(allowed)}.")
                response["Allow"] = ", ".join(allowed)
                return response
            return view(request, *args, **kwargs)

        return checked

    return decorate
