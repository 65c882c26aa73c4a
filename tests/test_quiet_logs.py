"""A healthy start logs no warning: a favicon, and the model load in one INFO line."""

import logging

import pytest
from django.contrib.staticfiles import finders

from moviesearch.embeddings import encoder


@pytest.mark.django_db
def test_favicon_is_linked_and_favicon_ico_is_not_a_404(client, caplog):
    with caplog.at_level(logging.INFO, logger="django.request"):
        response = client.get("/favicon.ico")
        page = client.get("/").content.decode()
    assert response.status_code == 302
    assert response["Location"] == "/static/moviesearch/favicon.svg"
    assert finders.find("moviesearch/favicon.svg")
    assert '<link rel="icon" href="/static/moviesearch/favicon.svg"' in page
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_model_loading_is_one_info_line_without_progress_bars(caplog, capfd):
    encoder._load.cache_clear()
    try:
        with caplog.at_level(logging.DEBUG):
            encoder.get_model()
            encoder.get_model()
    finally:
        encoder._load.cache_clear()
    loaded = [r for r in caplog.records if r.getMessage().startswith("Loaded embed")]
    assert [(r.name, r.levelname) for r in loaded] == [
        ("moviesearch.embeddings.encoder", "INFO")
    ]
    noisy = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not noisy, [r.getMessage() for r in noisy]
    captured = capfd.readouterr()
    assert "Loading weights" not in captured.err + captured.out
