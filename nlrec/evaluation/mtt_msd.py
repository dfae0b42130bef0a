"""The ``mtt`` and ``msd`` benchmarks: tag, tag-pair, synonym and natural requests over the tag
sets of a test (or validation) split, in the BEIR layout.

The reference paper's MTT / MSD rows used LLM-written captions (LP-MusicCaps-MTT / -MSD) that
cannot be obtained here; these benchmarks use what can: the tracks, splits and tags.

* **Corpus.** The unique tag sets of the split's tracks (tracks without a tag are left out). A
  set is written as its tags joined with ``", "`` in file order, and its id is
  :func:`~nlrec.evaluation.benchmarks.doc_id` of that string. Every query's relevance is a
  function of the tag set alone, so tracks with an identical set are one document and relevant
  together; ``corpus.jsonl`` records how many tracks carry each set (``metadata.tracks``).
* **Queries** (the qid prefix names the subset):

  - ``tag-``: every tag of the vocabulary that some track of the split carries; relevant = the
    sets carrying it.
  - ``pair-``: every tag pair carried together by at least :data:`PAIR_MIN_TRACKS` tracks,
    written ``"a, b"`` (alphabetical); relevant = the sets carrying both.
  - ``syn-``: for each member of a near-synonym group (``nlrec/data/tag_synonyms.json``), the
    member as the request; relevant = the sets carrying another member of its group and *not*
    the member itself, so that matching the request's own string cannot find them.
  - ``nat-``: listener-style requests (``nlrec/data/tag_requests.json``); relevant = the sets
    carrying a tag of every required group. They are ranked with the negation handling of
    ``nlrec query`` (the other subsets are tag strings and are ranked as typed).

  A query with no relevant set is dropped (counted in ``stats``).
* **Splits.** ``mtt`` / ``msd`` are built on the test split, ``mtt_valid`` / ``msd_valid`` on
  the validation split (for tuning; the qrels file is then ``qrels/dev.tsv``). MTT reads
  ``mtat/mtt_188_all_splits.csv`` (188 tags, the split LP-MusicCaps-MTT used); MSD reads the
  Last.fm top-50 TSVs. Nothing is sampled, so there are no seeds.
"""

from __future__ import annotations

import ast
import csv
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from itertools import combinations
from pathlib import Path
from typing import Any

from nlrec.errors import NlrecError
from nlrec.evaluation.benchmarks import TAG_JOINER, doc_id
from nlrec.io import sha256_file as _sha256

MTT_CSV = "mtat/mtt_188_all_splits.csv"
MTT_TAGS = "mtat/mtt_188_tags.json"
MSD_TSV = {"test": "msd/msd_top50_test.tsv", "valid": "msd/msd_top50_valid.tsv"}
#: A tag pair becomes a query when at least this many tracks of the split carry both tags.
PAIR_MIN_TRACKS = 20
SUBSETS: tuple[str, ...] = ("tag", "pair", "syn", "nat")
#: Benchmark name -> (dataset, split).
TAG_BENCHMARKS: dict[str, tuple[str, str]] = {
    "mtt": ("mtt", "test"),
    "msd": ("msd", "test"),
    "mtt_valid": ("mtt", "valid"),
    "msd_valid": ("msd", "valid"),
}
SYNONYMS_FILE = "tag_synonyms.json"
REQUESTS_FILE = "tag_requests.json"


@dataclass(frozen=True)
class TagTrack:
    """One track of a split: its id and its tag set (stripped, de-duplicated, file order)."""

    id: str
    tags: tuple[str, ...]


@dataclass
class TagCatalog:
    """The tracks of one split of MTT or MSD, the dataset's tag vocabulary and the files read."""

    dataset: str
    split: str
    tracks: list[TagTrack]
    vocabulary: list[str]
    sources: dict[str, str]
    stats: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class TagQuery:
    """A benchmark request: ``subset`` is ``tag``, ``pair``, ``syn`` or ``nat``; ``negation``
    says whether it is ranked with negation handling (natural requests)."""

    qid: str
    text: str
    subset: str
    negation: bool = False
    metadata: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass
class TagBenchmark:
    """A built benchmark: documents (unique tag sets, sorted by id), queries and qrels."""

    name: str
    dataset: str
    split: str
    doc_ids: list[str]
    corpus: list[str]
    doc_tags: list[tuple[str, ...]]
    doc_tracks: list[int]
    queries: list[TagQuery]
    qrels: dict[str, dict[str, int]]
    stats: dict[str, Any]
    sources: dict[str, str]

    @property
    def qrels_split(self) -> str:
        return "test" if self.split == "test" else "dev"


# ---------------------------------------------------------------------------------- loading
def _clean(tags: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(" ".join(t.split()) for t in tags if t and t.strip()))


def _open_rows(path: Path, delimiter: str, required: Sequence[str]) -> list[dict[str, str]]:
    try:
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f, delimiter=delimiter)
            rows = list(reader)
            columns = reader.fieldnames or []
    except FileNotFoundError:
        raise NlrecError(f"data file not found: {path}") from None
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise NlrecError(f"cannot read {path}: {e}") from None
    missing = [c for c in required if c not in columns]
    if missing:
        raise NlrecError(f"{path}: missing column(s) {', '.join(missing)}")
    return rows


def load_mtt(data_dir: str | Path, split: str = "test") -> TagCatalog:
    """MagnaTagATune, all 188 tags (``tag_top188``), one split of the codified split column.

    Raises:
        NlrecError: if a file is missing or malformed, or the split is unknown.
    """
    root = Path(data_dir)
    rows = _open_rows(root / MTT_CSV, ",", ("track_id", "split", "tag_top188"))
    splits = sorted({r["split"] for r in rows})
    if split not in splits:
        raise NlrecError(f"{root / MTT_CSV}: no split {split!r} (has {', '.join(splits)})")
    tracks, untagged = [], 0
    for r in rows:
        if r["split"] != split:
            continue
        try:
            raw = ast.literal_eval(r["tag_top188"])
            if not isinstance(raw, (list, tuple)) or not all(isinstance(t, str) for t in raw):
                raise ValueError
        except (ValueError, SyntaxError):
            raise NlrecError(
                f"{root / MTT_CSV}: track {r['track_id']}: bad tag_top188 {r['tag_top188'][:60]!r}"
            ) from None
        tags = _clean(raw)
        if tags:
            tracks.append(TagTrack(str(r["track_id"]), tags))
        else:
            untagged += 1
    sources = {MTT_CSV: _sha256(root / MTT_CSV)}
    vocab_path = root / MTT_TAGS
    if vocab_path.is_file():
        try:
            vocabulary = [" ".join(t.split()) for t in json.loads(vocab_path.read_text("utf-8"))]
        except (OSError, ValueError, AttributeError) as e:
            raise NlrecError(f"cannot read {vocab_path}: {e}") from None
        sources[MTT_TAGS] = _sha256(vocab_path)
    else:
        vocabulary = sorted({t for tr in tracks for t in tr.tags})
    stats = {"tracks": len(tracks), "untagged_tracks": untagged}
    return TagCatalog("mtt", split, tracks, vocabulary, sources, stats)


def load_msd(data_dir: str | Path, split: str = "test") -> TagCatalog:
    """The Million Song Dataset's Last.fm top-50 tags, test or valid TSV (``|``-joined tags).

    Raises:
        NlrecError: if the file is missing or malformed, or the split is unknown.
    """
    if split not in MSD_TSV:
        raise NlrecError(f"msd has splits {', '.join(MSD_TSV)}, not {split!r}")
    root = Path(data_dir)
    rel = MSD_TSV[split]
    rows = _open_rows(root / rel, "\t", ("msd_track_id", "tags"))
    tracks, untagged = [], 0
    for r in rows:
        tags = _clean((r["tags"] or "").split("|"))
        if tags:
            tracks.append(TagTrack(r["msd_track_id"], tags))
        else:
            untagged += 1
    # the top-50 vocabulary is the union of both splits' tags
    vocab: set[str] = set()
    sources = {}
    for part, path in MSD_TSV.items():
        if (root / path).is_file():
            part_rows = rows if part == split else _open_rows(root / path, "\t", ("tags",))
            vocab.update(t for r in part_rows for t in _clean((r["tags"] or "").split("|")))
            sources[path] = _sha256(root / path)
    stats = {"tracks": len(tracks), "untagged_tracks": untagged}
    return TagCatalog("msd", split, tracks, sorted(vocab), sources, stats)


def load_tag_catalog(dataset: str, data_dir: str | Path, split: str = "test") -> TagCatalog:
    """:func:`load_mtt` or :func:`load_msd` by name."""
    if dataset == "mtt":
        return load_mtt(data_dir, split)
    if dataset == "msd":
        return load_msd(data_dir, split)
    raise NlrecError(f"unknown tag dataset {dataset!r}; choose mtt or msd")


def _packaged_json(name: str) -> dict[str, Any]:
    return json.loads(resources.files("nlrec.data").joinpath(name).read_text(encoding="utf-8"))


def synonym_groups(dataset: str, vocabulary: Sequence[str] | None = None) -> dict[str, list[str]]:
    """The dataset's near-synonym groups from ``nlrec/data/tag_synonyms.json``.

    Raises:
        NlrecError: if a group has fewer than two members, a tag is in two groups, or (with a
            ``vocabulary``) a member is not a tag of the dataset.
    """
    groups = _packaged_json(SYNONYMS_FILE).get(dataset, {})
    seen: dict[str, str] = {}
    vocab = set(vocabulary) if vocabulary is not None else None
    for name, members in groups.items():
        if len(set(members)) < 2:
            raise NlrecError(f"{SYNONYMS_FILE}: {dataset} group {name!r} needs two members")
        for m in members:
            if m in seen:
                raise NlrecError(f"{SYNONYMS_FILE}: {m!r} is in {seen[m]!r} and {name!r}")
            if vocab is not None and m not in vocab:
                raise NlrecError(f"{SYNONYMS_FILE}: {dataset} group {name!r}: {m!r} is not a tag")
            seen[m] = name
    return {name: list(members) for name, members in groups.items()}


def natural_requests(dataset: str) -> list[dict[str, Any]]:
    """The listener-style requests of ``nlrec/data/tag_requests.json`` for ``dataset``."""
    return list(_packaged_json(REQUESTS_FILE).get(dataset, []))


def _resolve_require(
    item: Any, groups: Mapping[str, Sequence[str]], vocab: set[str], rid: str
) -> frozenset[str]:
    if isinstance(item, list):
        tags = frozenset(item)
    elif item in groups:
        tags = frozenset(groups[item])
    else:
        tags = frozenset([item])
    bad = sorted(t for t in tags if t not in vocab)
    if bad:
        raise NlrecError(f"{REQUESTS_FILE}: request {rid!r}: {', '.join(bad)} is not a group or tag")
    return tags


# --------------------------------------------------------------------------------- building
def build_tag_benchmark(catalog: TagCatalog, name: str | None = None) -> TagBenchmark:
    """Build the four query subsets over ``catalog``'s unique tag sets (see the module docstring).

    Raises:
        NlrecError: if the catalog has no tagged track, or the packaged lists are inconsistent.
    """
    if not catalog.tracks:
        raise NlrecError(f"{catalog.dataset} {catalog.split}: no track with a tag")
    name = name or (catalog.dataset if catalog.split == "test" else f"{catalog.dataset}_{catalog.split}")
    # unique sets, keyed by the set (tag order does not make another document)
    first: dict[frozenset[str], tuple[str, ...]] = {}
    n_tracks: Counter[frozenset[str]] = Counter()
    for t in catalog.tracks:
        key = frozenset(t.tags)
        first.setdefault(key, t.tags)
        n_tracks[key] += 1
    texts = {key: TAG_JOINER.join(tags) for key, tags in first.items()}
    ids = {key: doc_id(text) for key, text in texts.items()}
    if len(set(ids.values())) != len(ids):  # pragma: no cover - 48-bit collision
        raise NlrecError(f"benchmark {name}: document id collision; report this")
    keys = sorted(first, key=ids.__getitem__)
    vocab = set(catalog.vocabulary)

    tag_count = Counter(t for tr in catalog.tracks for t in tr.tags)
    pair_count = Counter(p for tr in catalog.tracks for p in combinations(sorted(tr.tags), 2))

    def relevant(pred) -> dict[str, int]:
        return {ids[k]: 1 for k in keys if pred(k)}

    queries: list[TagQuery] = []
    qrels: dict[str, dict[str, int]] = {}
    dropped: Counter[str] = Counter()

    def add(q: TagQuery, rel: dict[str, int]) -> None:
        if not rel:
            dropped[q.subset] += 1
            return
        queries.append(q)
        qrels[q.qid] = rel

    for i, tag in enumerate(t for t in catalog.vocabulary if tag_count[t]):
        add(TagQuery(f"tag-{i:03d}", tag, "tag", metadata={"tags": [tag]}),
            relevant(lambda k, tag=tag: tag in k))
    pairs = sorted(p for p, c in pair_count.items() if c >= PAIR_MIN_TRACKS)
    for i, (a, b) in enumerate(pairs):
        add(TagQuery(f"pair-{i:03d}", f"{a}{TAG_JOINER}{b}", "pair", metadata={"tags": [a, b]}),
            relevant(lambda k, a=a, b=b: a in k and b in k))
    groups = synonym_groups(catalog.dataset, catalog.vocabulary)
    n = 0
    for group, members in groups.items():
        for m in members:
            others = set(members) - {m}
            add(TagQuery(f"syn-{n:03d}", m, "syn", metadata={"group": group, "member": m}),
                relevant(lambda k, m=m, others=others: m not in k and bool(others & k)))
            n += 1
    for req in natural_requests(catalog.dataset):
        rid, text, require = req.get("id"), req.get("text"), req.get("require")
        if not rid or not text or not isinstance(require, list) or not require:
            raise NlrecError(f"{REQUESTS_FILE}: each request needs id, text and require: {req!r}")
        needs = [_resolve_require(item, groups, vocab, rid) for item in require]
        add(TagQuery(f"nat-{rid}", text, "nat", negation=True, metadata={"require": require}),
            relevant(lambda k, needs=needs: all(need & k for need in needs)))
    if len({q.qid for q in queries}) != len(queries):
        raise NlrecError(f"benchmark {name}: duplicate query ids")

    by_subset = Counter(q.subset for q in queries)
    stats: dict[str, Any] = {
        **catalog.stats,
        "documents": len(keys),
        "queries": len(queries),
        "queries_by_subset": {s: by_subset[s] for s in SUBSETS},
        "dropped_without_relevant": {s: dropped[s] for s in SUBSETS},
        "mean_relevant_by_subset": {
            s: round(sum(len(qrels[q.qid]) for q in queries if q.subset == s) / by_subset[s], 1)
            for s in SUBSETS if by_subset[s]
        },
        "pair_min_tracks": PAIR_MIN_TRACKS,
        "synonym_groups": len(groups),
    }
    return TagBenchmark(
        name=name,
        dataset=catalog.dataset,
        split=catalog.split,
        doc_ids=[ids[k] for k in keys],
        corpus=[texts[k] for k in keys],
        doc_tags=[first[k] for k in keys],
        doc_tracks=[n_tracks[k] for k in keys],
        queries=queries,
        qrels=qrels,
        stats=stats,
        sources=catalog.sources,
    )


def load_tag_benchmark(name: str, data_dir: str | Path) -> TagBenchmark:
    """Build a benchmark by name (``mtt``, ``msd``, ``mtt_valid``, ``msd_valid``)."""
    if name not in TAG_BENCHMARKS:
        raise NlrecError(f"unknown tag benchmark {name!r}; choose one of {', '.join(TAG_BENCHMARKS)}")
    dataset, split = TAG_BENCHMARKS[name]
    return build_tag_benchmark(load_tag_catalog(dataset, data_dir, split), name)


def subset_of(qid: str) -> str:
    """The subset a query id belongs to (its prefix)."""
    return qid.split("-", 1)[0]


# ------------------------------------------------------------------------------------- BEIR
def write_tag_beir(bench: TagBenchmark, directory: str | Path) -> Path:
    """Write ``corpus.jsonl``, ``queries.jsonl``, ``qrels/<test|dev>.tsv`` and ``benchmark.json``."""
    from nlrec.io import atomic_write_text, write_json, write_jsonl

    directory = Path(directory)
    write_jsonl(
        directory / "corpus.jsonl",
        (
            {"_id": d, "title": "", "text": t, "metadata": {"tracks": n}}
            for d, t, n in zip(bench.doc_ids, bench.corpus, bench.doc_tracks)
        ),
    )
    write_jsonl(
        directory / "queries.jsonl",
        (
            {"_id": q.qid, "text": q.text,
             "metadata": {"subset": q.subset, "negation": q.negation, **q.metadata}}
            for q in bench.queries
        ),
    )
    lines = ["query-id\tcorpus-id\tscore"]
    lines += [f"{q}\t{d}\t{r}" for q, rel in bench.qrels.items() for d, r in rel.items()]
    atomic_write_text(directory / "qrels" / f"{bench.qrels_split}.tsv", "\n".join(lines) + "\n")
    write_json(directory / "benchmark.json", tag_manifest(bench))
    return directory


def tag_manifest(bench: TagBenchmark) -> dict[str, Any]:
    """Protocol, counts and sources of a built benchmark (``benchmark.json``)."""
    return {
        "benchmark": bench.name,
        "dataset": bench.dataset,
        "split": bench.split,
        "protocol": {
            "documents": "unique tag sets of the split's tagged tracks, tags joined with ', '",
            "tag": "each tag some track carries; relevant = sets carrying it",
            "pair": f"tag pairs on >= {PAIR_MIN_TRACKS} tracks, 'a, b'; relevant = sets carrying both",
            "syn": f"each member of a group of nlrec/data/{SYNONYMS_FILE}; relevant = sets carrying "
                   "another member and not the member",
            "nat": f"nlrec/data/{REQUESTS_FILE}; relevant = sets carrying a tag of every required "
                   "item; ranked with negation handling (filter), as nlrec query",
            "dropped": "queries without a relevant set",
        },
        "stats": bench.stats,
        "sources": bench.sources,
    }
