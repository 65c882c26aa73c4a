"""The ONNX backends: the packaged model's transformer exported to ONNX and run by
ONNX Runtime, fp32 (EMBEDDING_BACKEND=onnx, the default: torch's own vectors) or
int8-quantized (onnx-int8: close to them), checked against the torch fp32 vectors."""

import logging
import os
import subprocess
import sys

import numpy as np
import pytest
from django.test import override_settings

from moviesearch.embeddings import encoder
from tests.plugin_fixtures import ROOT

TEXTS = [
    "war movie with great story",
    "movie directed by Joss Whedon",
    "films by Christopher Nolan",
    "movies starring Tom Hanks",
    "a heist that goes wrong",
    "romantic comedy in Paris",
    "space opera with aliens and an evil empire",
    "the godfather",
    "The Matrix",
    "documentary about climate change",
    "horror film set in a haunted house",
    "kids animated movie about toys that come alive",
    "crime movies from the 1990s",
    "something like Inception with dreams",
    "superhero team assembles to save the world",
    "a lonely robot cleans up the abandoned earth",
    "boxing underdog story",
    "musical about jazz in Los Angeles",
    "zombie apocalypse survival",
    "coming of age summer camp",
    "courtroom drama, wrongly accused man",
    "western gunfighter seeks revenge",
    "mafia family betrayal",
    "time travel paradox",
    "shark attack in a beach town",
    "Le fabuleux destin d'Amélie Poulain",
    "千と千尋の神隠し",
    "x",
    "?",
    "Alien (1979). Genres: Horror, Science Fiction. Directed by Ridley Scott. "
    "Starring Sigourney Weaver, Tom Skerritt, John Hurt. Keywords: android, space, "
    "alien. The crew of a commercial spacecraft answers a distress call and brings "
    "a deadly lifeform on board.",
    "Toy Story (1995). Genres: Animation, Comedy, Family. Directed by John "
    "Lasseter. Starring Tom Hanks, Tim Allen. Keywords: toy, friendship. A cowboy "
    "doll feels threatened when a new spaceman figure becomes the favourite toy.",
    "Heat (1995). Genres: Crime, Drama, Thriller. Directed by Michael Mann. "
    "Starring Al Pacino, Robert De Niro. Keywords: heist, police. A detective "
    "hunts a crew of professional thieves across Los Angeles.",
    "Amélie (2001). Genres: Comedy, Romance. Directed by Jean-Pierre Jeunet. A shy "
    "waitress in Montmartre secretly arranges small joys for the people around "
    "her. " * 8,  # longer than the model's 256 tokens: truncated
]

PARAPHRASES = [
    (
        "a shark terrorises swimmers at a seaside resort",
        "giant great white shark attacks people on a summer beach",
        "a shy waitress in Paris falls in love",
    ),
    (
        "robbers plan one last bank job",
        "a crew of thieves prepares a final heist",
        "an animated film about talking toys",
    ),
    (
        "astronauts stranded on Mars",
        "an astronaut left behind on the red planet must survive",
        "a courtroom drama about a murder trial",
    ),
]


def _onnx_settings(cache, backend="onnx-int8"):
    return {
        "EMBEDDING_MODEL": "",
        "EMBEDDING_DOCUMENT_PROMPT": "",
        "EMBEDDING_QUERY_PROMPT": "",
        "EMBEDDING_DEVICE": None,
        "EMBEDDING_BACKEND": backend,
        "EMBEDDING_ONNX_CACHE": str(cache),
    }


@pytest.fixture(scope="module")
def onnx_run(tmp_path_factory):
    """One export into a fresh cache, and what the onnx-int8 encoder produced."""
    cache = tmp_path_factory.mktemp("onnx")
    with override_settings(**_onnx_settings(cache)):
        queries = [encoder.encode_query(q) for trio in PARAPHRASES for q in trio]
        run = {
            "cache": cache,
            "documents": encoder.encode_documents(TEXTS),
            "queries": np.stack(queries),
            "dimensions": encoder.dimensions(),
            "identity": encoder.model_identity(),
        }
    return run


@pytest.fixture(scope="module")
def torch_model():
    return encoder._load(encoder.model_path(), None, "torch")


@pytest.fixture(scope="module")
def torch_vectors(torch_model):
    return torch_model.encode(
        TEXTS, normalize_embeddings=True, convert_to_numpy=True, batch_size=64
    )


def test_vectors_have_the_model_dimension_and_unit_length(onnx_run, _real_model):
    assert onnx_run["dimensions"] == _real_model.get_embedding_dimension() == 384
    assert onnx_run["documents"].shape == (len(TEXTS), 384)
    assert onnx_run["documents"].dtype == np.float32
    norms = np.linalg.norm(onnx_run["documents"], axis=1)
    assert np.allclose(norms, 1.0, atol=1e-5)
    assert np.allclose(np.linalg.norm(onnx_run["queries"], axis=1), 1.0, atol=1e-5)


def test_vectors_are_close_to_torch_fp32(onnx_run, torch_vectors):
    cosines = (onnx_run["documents"] * torch_vectors).sum(axis=1)
    # Measured here: mean 0.993, min 0.982 (on "?"; one-token texts suffer most).
    assert cosines.mean() >= 0.985, cosines
    assert cosines.min() >= 0.97, dict(zip(TEXTS, cosines.round(3), strict=True))


def test_a_paraphrase_ranks_above_an_unrelated_text(onnx_run):
    for i in range(len(PARAPHRASES)):
        query, paraphrase, unrelated = onnx_run["queries"][3 * i : 3 * i + 3]
        assert query @ paraphrase > query @ unrelated + 0.2, PARAPHRASES[i]


def test_identity_differs_from_torch(settings):
    settings.EMBEDDING_BACKEND = "torch"
    torch_identity = encoder.model_identity()
    settings.EMBEDDING_BACKEND = "onnx-int8"
    assert encoder.model_identity() == torch_identity + "#onnx-int8"
    settings.EMBEDDING_MODEL = "m" * 600  # the embedding_model column holds 500
    assert len(encoder.model_identity()) == 500
    assert encoder.model_identity().endswith("#onnx-int8")


def test_the_export_is_cached_and_reused(onnx_run, settings):
    cache = onnx_run["cache"]
    (folder,) = cache.iterdir()
    assert [p.name for p in folder.iterdir()] == ["model-int8.onnx"]  # no temp left
    file = folder / "model-int8.onnx"
    before = file.stat().st_mtime_ns
    for name, value in _onnx_settings(cache).items():
        setattr(settings, name, value)
    assert not encoder.is_loaded()  # the setting change dropped any loaded model
    vector = encoder.encode_query("war movie with great story")
    assert file.stat().st_mtime_ns == before
    assert [p.name for p in cache.iterdir()] == [folder.name]
    # Alone or in a batch of 33, a text gets the same vector.
    assert np.allclose(vector, onnx_run["documents"][0], atol=1e-5)
    model = encoder.get_model()
    assert type(model[0].auto_model).__name__ == "OnnxModel"
    assert not list(model.parameters())  # the torch weights are gone


@pytest.mark.parametrize(
    "env,message",
    [
        ({"EMBEDDING_BACKEND": "onnx-fp16"}, "Set EMBEDDING_BACKEND"),
        ({"EMBEDDING_BACKEND": "onnx-int8", "EMBEDDING_DEVICE": "cuda"}, "cpu"),
    ],
)
def test_bad_backend_configuration_names_the_variable(env, message):
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "demosite.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert message in result.stderr
    assert "EMBEDDING_" in result.stderr.splitlines()[-1]


# ---------------------------------------------------------------- onnx (fp32)


def test_the_default_backend_runs_onnx_with_torchs_own_vectors(
    settings, tmp_path, torch_model, torch_vectors
):
    """The default: the same vectors as torch (so the same model identity, no vector
    stale), documents and queries alike, computed by ONNX Runtime."""
    from moviesearch.conf import DEFAULTS

    assert DEFAULTS["EMBEDDING_BACKEND"] == settings.EMBEDDING_BACKEND == "onnx"
    torch_identity = encoder.model_identity()
    for name, value in _onnx_settings(tmp_path, "onnx").items():
        setattr(settings, name, value)
    assert encoder.model_identity() == torch_identity
    documents = encoder.encode_documents(TEXTS)
    assert type(encoder.get_model()[0].auto_model).__name__ == "OnnxModel"
    assert (tmp_path / next(tmp_path.iterdir()).name / "model.onnx").exists()
    cosines = (documents * torch_vectors).sum(axis=1)
    assert cosines.min() >= 0.99999, dict(zip(TEXTS, cosines.round(6), strict=True))
    for text in TEXTS[:8]:
        expected = torch_model.encode(text, normalize_embeddings=True)
        assert float(encoder.encode_query(text) @ expected) >= 0.99999, text


def test_onnx_falls_back_to_torch_when_it_cannot_export(settings, tmp_path, caplog):
    """A cache folder that cannot be made (here a file is in its way): the model
    runs in torch, with the same vectors, and the log says why."""
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    for name, value in _onnx_settings(blocked / "onnx", "onnx").items():
        setattr(settings, name, value)
    with caplog.at_level(logging.WARNING, logger="moviesearch.embeddings.encoder"):
        vector = encoder.encode_query("war movie with great story")
    assert "Running it in torch instead" in caplog.text
    assert "EMBEDDING_BACKEND=torch" in caplog.text
    assert type(encoder.get_model()[0].auto_model).__name__ != "OnnxModel"
    assert np.isclose(np.linalg.norm(vector), 1.0, atol=1e-5)
