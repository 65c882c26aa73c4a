import os
import subprocess
import sys

import pytest

from tests.plugin_fixtures import ROOT

pytestmark = pytest.mark.smoke


def start(**env):
    """Load the settings in a fresh interpreter, as a process starting up would."""
    full = {k: v for k, v in os.environ.items() if k not in env}
    full.update({k: v for k, v in env.items() if v is not None})
    full = {k: v for k, v in full.items() if v is not None}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**full, "DJANGO_SETTINGS_MODULE": "demosite.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def without(*names):
    return {n: None for n in names}


def test_secret_key_required_when_debug_is_off():
    result = start(DEBUG="0", SECRET_KEY="")
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_starts_with_secret_key_and_debug_off():
    assert start(DEBUG="0", SECRET_KEY="x" * 50).returncode == 0


@pytest.mark.parametrize(
    "env,message",
    [
        ({"DEBUG": "perhaps"}, "Set DEBUG"),
        ({"DATABASE_URL": "mysql://u@h/db"}, "Set DATABASE_URL"),
        ({"DATABASE_URL": "not a url"}, "Set DATABASE_URL"),
        ({"CONN_MAX_AGE": "forever"}, "Set CONN_MAX_AGE"),
        ({"CONN_MAX_AGE": "60"}, "Set CONN_MAX_AGE to 0"),
        ({"DATABASE_POOL": "maybe"}, "Set DATABASE_POOL"),
        ({"DATABASE_POOL_MAX_SIZE": "0"}, "Set DATABASE_POOL_MAX_SIZE"),
        ({"DATABASE_POOL_MIN_SIZE": "5"}, "Set DATABASE_POOL_MAX_SIZE"),
        ({"DATABASE_POOL_TIMEOUT": "0"}, "Set DATABASE_POOL_TIMEOUT"),
    ],
)
def test_bad_configuration_names_the_variable(env, message):
    result = start(SECRET_KEY="x" * 50, **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_persistent_connections_need_the_pool_off():
    result = start(SECRET_KEY="x" * 50, CONN_MAX_AGE="60", DATABASE_POOL="0")
    assert result.returncode == 0, result.stderr


def test_bad_embedding_model_is_reported_when_used(db, settings):
    from django.core.exceptions import ImproperlyConfigured

    from moviesearch.embeddings import encoder

    settings.EMBEDDING_MODEL = "/nonexistent/model-folder"
    with pytest.raises(ImproperlyConfigured, match="Set EMBEDDING_MODEL"):
        encoder.get_model()


def test_check_deploy_is_clean_under_production_settings():
    env = dict(
        DEBUG="0",
        SECRET_KEY="k3y-" + "x9" * 30,
        SECURE_SSL_REDIRECT="1",
        SECURE_HSTS_PRELOAD="1",
        ALLOWED_HOSTS="movies.example.com",
    )
    full = {**os.environ, **env, "DJANGO_SETTINGS_MODULE": "demosite.settings"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=full, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
