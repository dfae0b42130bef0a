"""``nlrec eval negation`` as one call: evaluate an encoder on the negation set, check search-time
exclusion on a built index, write ``<out>/results/negation-<model>.json`` and refresh the table."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlrec.errors import NlrecError
from nlrec.evaluation.benchmarks import Clips

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class NegationRun:
    """What :func:`run_negation` measured and wrote.

    Attributes:
        result: the results object (see :func:`~nlrec.evaluation.negation.negation_result`).
        model_slug: the model's short name in file names and tables.
        results_file: ``<out>/results/negation-<model_slug>.json``.
        table: the regenerated ``RESULTS.md`` (None when there are no retrieval results).
    """

    result: dict[str, Any]
    model_slug: str
    results_file: Path
    table: str | None


def run_negation(clips: Clips, out_dir: str | Path, *, model: str = "default", seed: int = 0,
                 limit: int | None = None, index_name: str | None = None, search: bool = True,
                 negation_threshold: float | None = None, batch_size: int = 64, keep_cache: bool = True,
                 progress: Progress | None = None, notify: Callable[[str], None] | None = None) -> NegationRun:
    """Original vs half- vs fully-negated requests for ``model`` (dense, and dense with nlrec's
    negation handling), plus the search-time check of the acceptance requests.

    Args:
        clips: the MusicCaps clips (the mc benchmark's are sampled).
        out_dir: the evaluation workspace.
        index_name: index for the search-time check [default: musiccaps, when built].
        search: run the search-time check.
        negation_threshold: facet-matching threshold (1 = lexicon only) [default: 0.8].
        keep_cache: keep the embeddings under ``<out>/runs/embeddings``.
        notify: told when the search-time check is skipped.
    """
    from nlrec.evaluation.negation import (
        CachedEncoder,
        build_negation_set,
        evaluate_negation,
        negation_result,
    )
    from nlrec.evaluation.runner import SystemConfig, encoder_cache
    from nlrec.evaluation.table import refresh_table
    from nlrec.io import write_json
    from nlrec.negation.semantic import DEFAULT_THRESHOLD, SemanticMatcher

    t0 = time.perf_counter()
    out = Path(out_dir)
    config = SystemConfig("dense", model=model)
    data = build_negation_set(clips, seed=seed, limit=limit)
    shared = encoder_cache(config, out, batch_size, keep=keep_cache)
    if shared is None:  # pragma: no cover - a dense system always has a model
        raise NlrecError(f"{model}: no encoder to evaluate")
    threshold = DEFAULT_THRESHOLD if negation_threshold is None else negation_threshold
    semantic = SemanticMatcher(CachedEncoder(shared), threshold) if threshold < 1.0 else None
    systems = evaluate_negation(data, shared.encode, semantic=semantic, progress=progress)
    shared.save()
    search_rows, used_index = None, None
    if search:
        search_rows, used_index = search_check(index_name, negation_threshold, notify=notify)
    parts = ["nlrec eval negation"]
    if model != "default":
        parts.append(f"--model {model}")
    if seed:
        parts.append(f"--seed {seed}")
    if limit:
        parts.append(f"--limit {limit}")
    if used_index:
        parts.append(f"--index {used_index}")
    result = negation_result(
        data, systems,
        model={"spec": model, "id": shared.encoder.id, "weights_sha256": shared.encoder.fingerprint()},
        model_slug=config.model_slug, seed=seed, limit=limit, search_rows=search_rows,
        index_name=used_index, seconds=time.perf_counter() - t0,
        command=" ".join(parts) + " --data-dir $NLREC_DATA",
    )
    path = out / "results" / f"negation-{config.model_slug}.json"
    write_json(path, result)
    return NegationRun(result=result, model_slug=config.model_slug, results_file=path, table=refresh_table(out))


def search_check(index_name: str | None, threshold: float | None, *,
                 notify: Callable[[str], None] | None = None) -> tuple[list[dict[str, Any]] | None, str | None]:
    """The search-time check on ``index_name`` (or musiccaps, if built): ``(rows, index name)``,
    ``(None, None)`` when skipped."""
    from nlrec.errors import IndexFileError
    from nlrec.evaluation.negation import search_exclusion
    from nlrec.index import Index, list_indexes

    name = index_name
    if name is None:
        if not any(i["name"] == "musiccaps" for i in list_indexes()):
            if notify:
                notify("Search-time check skipped: no index named musiccaps (pass --index NAME).")
            return None, None
        name = "musiccaps"
    try:
        index = Index.open(name)
    except IndexFileError:
        if index_name is not None:
            raise
        return None, None
    return search_exclusion(index, negation_threshold=threshold), name
