"""Shared fixtures: an isolated NLREC_HOME, tiny catalogs and a tiny sentence-transformers model
built from scratch (random BERT weights, a word-level vocabulary), so no test downloads anything."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest

# Before huggingface_hub is imported anywhere: tests never touch the network.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

TINY_TRACKS = [
    {"id": "t1", "title": "Sunny Pan", "artist": "The Islanders", "year": 2011,
     "descriptors": ["steel drums", "upbeat", "tropical", "calypso", "instrumental"]},
    {"id": "t2", "title": "Quiet Keys", "artist": "Ana Lind", "year": 2019,
     "descriptors": ["solo piano", "calm", "studying", "slow tempo", "no vocals"]},
    {"id": "t3", "title": "Iron Fist", "artist": "Ragecore", "year": 1991,
     "descriptors": ["heavy metal", "aggressive", "distorted guitar", "fast tempo", "male vocal"]},
    {"id": "t4", "title": "Night Drive", "artist": "Neon Coast", "year": 2016,
     "descriptors": ["synthwave", "80s", "synth", "driving", "night"]},
    {"id": "t5", "title": "Quiet Keys (Reprise)", "artist": "Ana Lind", "year": 2019,
     "descriptors": ["solo piano", "calm", "studying", "slow tempo", "no vocals"]},
    {"id": "t6", "title": "Porch Song", "artist": "Mae Holler", "year": 1975,
     "descriptors": ["folk", "acoustic guitar", "female vocal", "sad", "mellow"]},
    {"id": "t7", "title": "Blue Room", "artist": "Trio Nocturne", "year": 1962,
     "descriptors": ["jazz", "piano trio", "upright bass", "brushes", "romantic", "dinner"]},
    {"id": "t8", "title": "Lift", "artist": "Pulse Unit", "year": 2021,
     "descriptors": ["edm", "high energy", "workout", "synth", "drum machine", "upbeat"]},
]


REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("NLREC_TEST_DATA") or os.environ.get("NLREC_DATA") or REPO.parent / "shared" / "data")
"""The public data directory: ``NLREC_TEST_DATA`` or ``NLREC_DATA`` if set, else ``../shared/data``
beside the checkout (the same for a fresh clone and the main checkout)."""


def pytest_collection_modifyitems(config, items):
    """Tests marked ``data`` need :data:`SHARED_DATA`; they are skipped, saying why, without it."""
    if SHARED_DATA.is_dir():
        return
    skip = pytest.mark.skip(reason=f"public data not found at {SHARED_DATA} (set NLREC_TEST_DATA)")
    for item in items:
        if "data" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The public data directory (use with ``@pytest.mark.data``)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"public data not found at {SHARED_DATA} (set NLREC_TEST_DATA)")
    return SHARED_DATA


class FakeEncoder:
    """An instant, deterministic :class:`~nlrec.encoders.base.DenseEncoder`: bag-of-hashed-words
    vectors, L2-normalised. It records the texts of every call in ``calls``."""

    id = "fake/bag-of-words"
    dimension = 16

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def fingerprint(self) -> str:
        return "f" * 64

    def encode(self, texts, *, batch_size: int = 64, progress=None) -> np.ndarray:
        self.calls.append(list(texts))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().replace(",", " ").split():
                out[i, int(hashlib.md5(w.encode()).hexdigest(), 16) % self.dimension] += 1.0
            out[i] = out[i] / (np.linalg.norm(out[i]) or 1.0)
        if progress:
            progress(len(texts))
        return out


@pytest.fixture
def fake_encoder() -> FakeEncoder:
    """A fresh :class:`FakeEncoder`."""
    return FakeEncoder()


@pytest.fixture(autouse=True)
def nlrec_home(tmp_path, monkeypatch) -> Path:
    """Every test gets its own empty user directory."""
    home = tmp_path / "nlrec_home"
    monkeypatch.setenv("NLREC_HOME", str(home))
    monkeypatch.delenv("NLREC_DATA", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # CliRunner's stderr is no terminal: no periodic progress lines among the output tests parse
    # (tests/cli/test_progress.py turns them on)
    monkeypatch.setenv("NLREC_PROGRESS", "off")
    return home


@pytest.fixture
def tiny_tracks() -> list[dict]:
    return [dict(t) for t in TINY_TRACKS]


@pytest.fixture
def tiny_catalog_file(tmp_path, tiny_tracks) -> Path:
    path = tmp_path / "tiny.jsonl"
    path.write_text("".join(json.dumps(t) + "\n" for t in tiny_tracks), encoding="utf-8")
    return path


def _vocab() -> list[str]:
    words = set()
    for t in TINY_TRACKS:
        for d in t["descriptors"]:
            words.update(d.lower().replace("-", " ").split())
    words.update("music song for with without no a the and calm piano upbeat steel drum".split())
    return ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + sorted(words)


def make_tiny_model(directory: Path, seed: int = 0, hidden: int = 32) -> Path:
    """Save a tiny random BERT sentence-transformers model (mean pooling) to ``directory``."""
    import torch
    from sentence_transformers import SentenceTransformer, models
    from transformers import BertConfig, BertModel, BertTokenizerFast

    directory = Path(directory)
    hf_dir = directory.parent / (directory.name + "-hf")
    hf_dir.mkdir(parents=True, exist_ok=True)
    vocab_file = hf_dir / "vocab.txt"
    vocab_file.write_text("\n".join(_vocab()) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(vocab_file), do_lower_case=True)
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(_vocab()), hidden_size=hidden, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=hidden * 2, max_position_embeddings=64,
    )
    BertModel(config).save_pretrained(hf_dir)
    tokenizer.save_pretrained(hf_dir)
    word = models.Transformer(str(hf_dir), max_seq_length=48)
    pool = models.Pooling(word.get_embedding_dimension(), pooling_mode="mean")
    SentenceTransformer(modules=[word, pool], device="cpu").save(str(directory))
    return directory


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """Path of a tiny sentence-transformers model (built once per session)."""
    return make_tiny_model(tmp_path_factory.mktemp("models") / "tiny-a", seed=0)


@pytest.fixture(scope="session")
def other_tiny_model(tmp_path_factory) -> Path:
    """A second tiny model with other weights (for mismatch tests)."""
    return make_tiny_model(tmp_path_factory.mktemp("models") / "tiny-b", seed=1)


def make_tiny_clap(directory: Path, seed: int = 0, *, text_only: bool = False) -> Path:
    """Save a tiny random CLAP model (``ClapModel``, or ``ClapTextModelWithProjection`` with
    ``text_only``) and a byte-level BPE RoBERTa tokenizer trained on a few requests."""
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import (
        ClapConfig,
        ClapModel,
        ClapTextConfig,
        ClapTextModelWithProjection,
        RobertaTokenizer,
    )

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    corpus = [", ".join(t["descriptors"]) for t in TINY_TRACKS] + ["calm piano without vocals", "no drums"]
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(corpus * 3, vocab_size=320, min_frequency=1, show_progress=False,
                            special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    vocab = bpe.get_vocab()
    bpe_dir = directory.parent / (directory.name + "-bpe")
    bpe_dir.mkdir(exist_ok=True)
    merges_file = Path(bpe.save_model(str(bpe_dir))[1])
    merges = [ln for ln in merges_file.read_text(encoding="utf-8").splitlines()[1:] if ln.strip()]
    tokenizer = RobertaTokenizer(vocab=vocab, merges=[tuple(m.split()) for m in merges])
    text = dict(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                intermediate_size=64, max_position_embeddings=66, projection_dim=16,
                pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(seed)
    if text_only:
        model = ClapTextModelWithProjection(ClapTextConfig(**text))
    else:
        audio = dict(depths=[1, 1], num_attention_heads=[1, 2], patch_embeds_hidden_size=8, hidden_size=16,
                     spec_size=64, window_size=4, num_mel_bins=16, patch_stride=[4, 4], patch_size=4)
        model = ClapModel(ClapConfig(text_config=text, audio_config=audio, projection_dim=16))
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


@pytest.fixture(scope="session")
def tiny_clap(tmp_path_factory) -> Path:
    """Path of a tiny random CLAP model with its tokenizer (built once per session)."""
    return make_tiny_clap(tmp_path_factory.mktemp("models") / "tiny-clap")
