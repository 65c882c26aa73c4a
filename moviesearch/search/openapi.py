"""/api/openapi.json: the OpenAPI 3.1 description of the JSON API, kept by hand in
search/openapi.json next to the code it describes (tests check the two agree)."""

import json
from functools import cache
from pathlib import Path

from django.http import JsonResponse

from moviesearch.search.http import methods

SPEC_PATH = Path(__file__).with_name("openapi.json")


@cache
def spec() -> dict:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


@methods("GET")
def openapi(request):
    return JsonResponse(spec(), json_dumps_params={"ensure_ascii": False})
