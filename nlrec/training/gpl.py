"""GPL (generative pseudo labeling) as a resumable pipeline of files.

Every stage writes its output under the run directory and is skipped when that output exists::

    <run_dir>/
      config.json                 the recipe the run was started with
      validation.json             MusicCaps training clips held out for validation
      corpus.jsonl  queries.jsonl  qrels/train.tsv     1. queries (BEIR layout)
      hard-negatives.jsonl                              2. hard negatives per retriever
      teacher/                                          3. the cross-encoder (unless given)
      gpl-training-data.tsv                             4. qid, pos id, neg id, teacher margin
      gpl-<run name>/                                   5. the student (sentence-transformers)
      stages.json                 wall time and peak memory of each stage

Interrupting a run and starting it again resumes at the first missing output (and the two
training stages resume from their latest checkpoint).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from nlrec.errors import NlrecError
from nlrec.evaluation.beir import write_qrels
from nlrec.io import atomic_write_text, read_jsonl, write_json, write_jsonl
from nlrec.training.config import GPLConfig
from nlrec.training.data import LeakageGuard, load_training_clips, split_validation
from nlrec.training.negatives import merge_negatives, mine_bm25, mine_dense, sample_negatives
from nlrec.training.queries import (
    Query,
    caption_queries,
    generated_queries,
    make_generator,
    to_beir,
)
from nlrec.training.rundir import (
    RunDir,
    StageReport,
    peak_rss_mb,
    read_items,
    read_training_set,
)

Progress = Callable[[str, int, int], None]
Notify = Callable[[str], None]
STAGES: tuple[str, ...] = ("queries", "negatives", "teacher", "labels", "student")


def drop_same_item(negatives: dict[str, list[str]], qrels: dict[str, dict[str, int]], items: dict[str, str],
                   top_k: int) -> dict[str, list[str]]:
    """Remove documents that are positives of another request about the same track (another
    sampled descriptor set of the same clip is no negative), keep the top ``top_k``."""
    doc_items: dict[str, set[str]] = {}
    for qid, rel in qrels.items():
        for d in rel:
            doc_items.setdefault(d, set()).add(items.get(qid, ""))
    return {qid: [d for d in docs if items.get(qid, "") not in doc_items.get(d, ())][:top_k]
            for qid, docs in negatives.items()}


# ------------------------------------------------------------------------------ stage 1
def build_queries(config: GPLConfig, data_dir: str | Path | None, *, notify: Notify | None = None) -> tuple[list[Query], dict[str, Any]]:
    """The training requests of a recipe (stage 1, in memory), checked against the evaluation clips.

    Returns:
        ``(queries, info)``; ``info`` lists the validation clip ids and counts per kind.

    Raises:
        NlrecError: if the data overlaps the evaluation clips, or no request is produced.
    """
    from nlrec.paths import data_dir as resolve_data_dir

    dc, qc = config.data, config.queries
    root = resolve_data_dir(dc.data_dir or data_dir) if (dc.data_dir or data_dir or dc.dataset != "catalog") else None
    guard = LeakageGuard.for_musiccaps(root) if root is not None and (root / "musiccaps").is_dir() else None
    info: dict[str, Any] = {"dataset": dc.dataset, "validation": []}
    queries: list[Query] = []
    if dc.dataset == "musiccaps":
        clips = load_training_clips(root)
        if guard is not None:
            guard.check_clips(clips)
        train, val = split_validation(clips, dc.validation_clips)
        info["validation"] = [c.ytid for c in val]
        info["train_clips"] = len(train)
        if qc.captions:
            queries += caption_queries(train, sets_per_query=qc.sets_per_query, whole_captions=qc.whole_captions,
                                       reco_fraction=qc.reco_fraction, seed=config.seed)
        items = [(c.ytid, c.tags) for c in train]
    else:
        from nlrec.catalog import Catalog
        from nlrec.training.tag_data import tag_benchmark_guard, tag_training_items

        if dc.dataset == "catalog":
            if not dc.catalog:
                raise NlrecError("data.dataset = 'catalog' needs data.catalog = PATH")
            catalog = Catalog.from_file(dc.catalog)
            items = [(t.id, list(t.descriptors)) for t in catalog.tracks]
        else:  # mtt / msd: a training split, never the benchmarks' test split
            if root is None:
                raise NlrecError("no data directory: pass --data-dir DIR or set NLREC_DATA")
            items = tag_training_items(dc.dataset, root, dc.split)
            tag_benchmark_guard(root).check(ids=[i for i, _ in items])
        if guard is not None:
            guard.check(ids=[i for i, _ in items])
        info["tracks"] = len(items)
        if notify and dc.dataset != "catalog":
            notify(f"{dc.dataset} {dc.split}: {len(items):,} tracks, tags only: requests come from the query generator")
    if qc.generator:
        gen = make_generator(qc.generator, per_item=qc.per_item, seed=config.seed, device=_device(config))
        made = generated_queries(items, gen)
        if dc.dataset != "musiccaps":  # a template can write an mtt / msd benchmark request by chance
            from nlrec.training.tag_data import drop_benchmark_texts, tag_benchmark_texts_guard

            keep = drop_benchmark_texts([q.text for q in made], tag_benchmark_texts_guard())
            info["dropped_benchmark_requests"] = len(made) - sum(keep)
            made = [q for q, k in zip(made, keep) if k]
        queries += made
    if not queries:
        raise NlrecError("no training request: enable queries.captions or set queries.generator")
    if qc.max_queries and len(queries) > qc.max_queries:
        rng = np.random.default_rng(config.seed)
        keep = set(rng.choice(len(queries), size=qc.max_queries, replace=False).tolist())
        queries = [q for i, q in enumerate(queries) if i in keep]
    if guard is not None:
        guard.check(ids={q.item for q in queries}, texts=[q.text for q in queries])
    kinds: dict[str, int] = {}
    for q in queries:
        kinds[q.kind] = kinds.get(q.kind, 0) + 1
    info["kinds"] = kinds
    info["item_tags"] = {i: list(t) for i, t in items}
    return queries, info


def _device(config: GPLConfig) -> str | None:
    return None if config.device == "auto" else config.device


# ------------------------------------------------------------------------------ pipeline
class GPLPipeline:
    """Runs the stages of a recipe in order, skipping those whose output exists.

    Args:
        config: the recipe.
        data_dir: public-data directory when the recipe does not name one.
        progress: ``progress(stage, done, total)`` for long loops.
        notify: one-line messages (stderr in the CLI).
        show_progress: let the trainers draw their own progress bars.
    """

    def __init__(self, config: GPLConfig, *, data_dir: str | Path | None = None, progress: Progress | None = None,
                 notify: Notify | None = None, show_progress: bool = True) -> None:
        self.config = config
        self.data_dir = data_dir
        self.run = RunDir(config.run_dir)
        self.progress = progress
        self.notify = notify or (lambda _m: None)
        self.show_progress = show_progress

    def run_all(self, until: str | None = None) -> list[StageReport]:
        """Run every stage (or up to and including ``until``); return one report per stage."""
        if until is not None and until not in STAGES:
            raise NlrecError(f"unknown stage {until!r}; choose one of {', '.join(STAGES)}")
        self.run.root.mkdir(parents=True, exist_ok=True)
        self._check_config()
        reports = []
        for stage in STAGES:
            reports.append(self._stage(stage))
            if stage == until:
                break
        return reports

    def _check_config(self) -> None:
        path = self.run.root / "config.json"
        now = self.config.to_dict()
        if path.is_file():
            before = json.loads(path.read_text(encoding="utf-8"))
            changed = sorted(k for k in set(before) | set(now) if before.get(k) != now.get(k))
            if changed:
                self.notify(f"note: the recipe differs from the one this run started with in {', '.join(changed)}; "
                            "finished stages are kept (delete their outputs to redo them)")
        else:
            write_json(path, now)

    def _stage(self, name: str) -> StageReport:
        if name == "teacher" and self.config.teacher_path:
            return StageReport(name, True, details={"teacher": self.config.teacher_path})
        if self.run.done(name):
            self.notify(f"[{name}] output exists, skipped")
            return StageReport(name, True)
        self.notify(f"[{name}] running")
        t0 = time.perf_counter()
        details = getattr(self, f"_{name}")()
        report = StageReport(name, False, round(time.perf_counter() - t0, 1), round(peak_rss_mb(), 1), details)
        self._record(report)
        self.notify(f"[{name}] done in {report.seconds:.0f} s")
        return report

    def _record(self, report: StageReport) -> None:
        stages = json.loads(self.run.stages.read_text(encoding="utf-8")) if self.run.stages.is_file() else {}
        stages[report.name] = {"seconds": report.seconds, "peak_rss_mb": report.peak_rss_mb, **report.details}
        write_json(self.run.stages, stages)

    # -- stages ----------------------------------------------------------------------------
    def _queries(self) -> dict[str, Any]:
        queries, info = build_queries(self.config, self.data_dir, notify=self.notify)
        corpus, rows, qrels = to_beir(queries)
        write_json(self.run.validation, {"ytids": info.pop("validation")})
        info.pop("item_tags", None)
        write_jsonl(self.run.corpus, ({"_id": d, "title": "", "text": t} for d, t in corpus.items()))
        write_jsonl(self.run.queries, rows.values())
        write_qrels(self.run.qrels, qrels)
        return {**info, "queries": len(rows), "documents": len(corpus)}

    def _negatives(self) -> dict[str, Any]:
        nc = self.config.negatives
        corpus, queries, qrels = read_training_set(self.run)
        items = read_items(self.run)
        depth = nc.top_k + 20  # documents of the query's own track are dropped afterwards
        mined: dict[str, dict[str, list[str]]] = {}
        for retriever in nc.retrievers:
            t0 = time.perf_counter()
            if retriever == "bm25":
                found = mine_bm25(queries, corpus, qrels, top_k=depth, progress=self.progress)
            elif retriever == "dense" or retriever.startswith("dense:"):
                from nlrec.training.student import load_student

                spec = retriever.split(":", 1)[1] if ":" in retriever else nc.dense_model
                model = load_student(spec, device=_device(self.config))
                found = mine_dense(model, queries, corpus, qrels, top_k=depth)
            else:
                raise NlrecError(f"unknown retriever {retriever!r}: use bm25, dense or dense:MODEL")
            mined[retriever] = drop_same_item(found, qrels, items, nc.top_k)
            self.notify(f"  {retriever}: {time.perf_counter() - t0:.0f} s")
        write_jsonl(self.run.negatives, merge_negatives(qrels, mined))
        return {"retrievers": list(mined), "top_k": nc.top_k}

    def _teacher(self) -> dict[str, Any]:
        from nlrec.training.teacher import teacher_pairs, train_teacher

        ts = self.config.teacher
        corpus, queries, qrels = read_training_set(self.run)
        near = self._near_descriptors(corpus) if ts.drop_false_negatives else None
        pairs = teacher_pairs(queries, corpus, qrels, read_jsonl(self.run.negatives),
                              n_pairs=ts.steps * ts.batch_size, negatives_per_query=ts.negatives_per_query,
                              seed=self.config.seed, drop_false_negatives=ts.drop_false_negatives, near=near)
        validation = self._teacher_validation()
        if validation is None:
            train_teacher(pairs, ts, self.run.teacher, device=_device(self.config), seed=self.config.seed,
                          show_progress=self.show_progress)
            return {"pairs": len(pairs["label"]), "steps": ts.steps}
        import tempfile

        from nlrec.encoders.cross import CrossEncoderScorer
        from nlrec.training.teacher_eval import RerankValidation, summary

        curve: list[dict[str, Any]] = []
        path = self.run.root / "teacher-validation.json"
        with tempfile.TemporaryDirectory(prefix=".teacher-val-", dir=self.run.root) as tmp:
            val = RerankValidation.open(validation, self._data_root(), tmp, n_queries=ts.eval_queries or None,
                                        seed=self.config.seed, dense_model=self.config.negatives.dense_model)

            def on_eval(step: int, model: Any) -> None:
                result = val.evaluate(CrossEncoderScorer(model))
                curve.append({"step": step, **summary(result),
                              "agreement": {k: result[k]["agreement"] for k in ("bm25", "dense")}})
                write_json(path, {"benchmark": validation, "queries": result["queries"], "depth": val.depth,
                                  "curve": curve})
                cells = "  ".join(f"{k} R@10 {v['R@10 before']:.1f}->{v['R@10 after']:.1f} "
                                  f"RR@10 {v['RR@10 before']:.1f}->{v['RR@10 after']:.1f}"
                                  for k, v in summary(result).items())
                self.notify(f"  teacher step {step}: {validation} {cells}")

            train_teacher(pairs, ts, self.run.teacher, device=_device(self.config), seed=self.config.seed,
                          show_progress=self.show_progress, on_eval=on_eval)
        return {"pairs": len(pairs["label"]), "steps": ts.steps, "validation": validation,
                "curve": path.name}

    def _near_descriptors(self, corpus: dict[str, str]) -> dict[str, set[str]]:
        """Near-duplicate descriptors of the corpus by the dense model being adapted (cosine 0.8,
        the negation matcher's threshold), so that "drums" is no negative for "drum"."""
        from nlrec.training.student import load_student
        from nlrec.training.teacher import near_descriptors

        tags = sorted({t.strip().lower() for text in corpus.values() for t in text.split(",") if t.strip()})
        model = load_student(self.config.negatives.dense_model, device=_device(self.config))
        return near_descriptors(tags, model.encode(tags, normalize_embeddings=True, batch_size=64))

    def _data_root(self) -> Path:
        from nlrec.paths import data_dir as resolve_data_dir

        return resolve_data_dir(self.config.data.data_dir or self.data_dir)

    def _teacher_validation(self) -> str | None:
        """The validation benchmark of the teacher: ``auto`` is ``mtt_valid`` when training on MTT's
        train split (no other tag split is held out from training here)."""
        v, dc = self.config.teacher.validation, self.config.data
        if v == "auto":
            v = "mtt_valid" if (dc.dataset, dc.split) == ("mtt", "train") else ""
        if v and v == f"{dc.dataset}_{dc.split}":
            raise NlrecError(f"teacher.validation {v!r} is the split this run trains on")
        return v or None

    def _labels(self) -> dict[str, Any]:
        from nlrec.training.teacher import load_teacher, score_pairs

        lc = self.config.labels
        corpus, queries, qrels = read_training_set(self.run)
        records = [r for r in read_jsonl(self.run.negatives) if any(r["neg"].values())]
        rng = np.random.default_rng(self.config.seed + 1)
        if lc.queries and lc.queries < len(records):
            records = [records[i] for i in sorted(rng.choice(len(records), size=lc.queries, replace=False).tolist())]
        triplets = []
        for rec in records:
            pos = rec["pos"][int(rng.integers(len(rec["pos"])))]
            for neg in sample_negatives(rec, lc.negatives_per_query, rng, exclude=rec["pos"]):
                triplets.append((rec["qid"], pos, neg))
        if not triplets:
            raise NlrecError("no (query, positive, negative) triplet to label")
        pairs = list(dict.fromkeys((q, d) for q, p, n in triplets for d in (p, n)))
        teacher_dir = self.config.teacher_path or str(self.run.teacher)
        teacher = load_teacher(teacher_dir, device=_device(self.config), max_length=self.config.teacher.max_length)
        scores = score_pairs(teacher, [(queries[q], corpus[d]) for q, d in pairs], batch_size=lc.batch_size,
                             progress=self.progress)
        score = dict(zip(pairs, scores.tolist()))
        lines = [f"{q}\t{p}\t{n}\t{score[(q, p)] - score[(q, n)]:.5f}" for q, p, n in triplets]
        atomic_write_text(self.run.labels, "\n".join(lines) + "\n")
        margins = np.array([score[(q, p)] - score[(q, n)] for q, p, n in triplets])
        return {"triplets": len(triplets), "pairs_scored": len(pairs), "teacher": teacher_dir,
                "margin_mean": round(float(margins.mean()), 3), "margin_std": round(float(margins.std()), 3),
                "margin_negative_share": round(float((margins < 0).mean()), 3)}

    def _student(self) -> dict[str, Any]:
        from nlrec.training.common import bucket_by_length
        from nlrec.training.student import (
            freeze_below,
            load_student,
            margin_mse_loss,
            train_bi_encoder,
        )

        sc = self.config.student
        if sc.loss not in ("margin_mse", "margin_mse+mnrl"):
            raise NlrecError(f"student.loss: unknown loss {sc.loss!r} (margin_mse or margin_mse+mnrl)")
        corpus, queries, qrels = read_training_set(self.run)
        cols: dict[str, list] = {"query": [], "positive": [], "negative": [], "label": []}
        with open(self.run.labels, encoding="utf-8") as f:
            for line in f:
                q, p, n, m = line.rstrip("\n").split("\t")
                cols["query"].append(queries[q])
                cols["positive"].append(corpus[p])
                cols["negative"].append(corpus[n])
                cols["label"].append(float(m))
        model = load_student(sc.base, device=_device(self.config), max_seq_length=sc.max_seq_length)
        trainable = freeze_below(model, sc.train_layers)
        log: list[dict] = []
        data: Any = bucket_by_length(cols, "query", sc.batch_size)
        loss: Any = margin_mse_loss(model, sc.similarity_scale)
        n_pairs = 0
        if sc.loss == "margin_mse+mnrl":
            from datasets import DatasetDict
            from sentence_transformers.sentence_transformer.losses import (
                MultipleNegativesRankingLoss,
            )

            pairs = [(q, d) for q, docs in qrels.items() for d, rel in docs.items() if rel > 0]
            order = np.random.default_rng(self.config.seed + 2).permutation(len(pairs))
            pairs = [pairs[i] for i in order]
            mnrl_cols = {"anchor": [queries[q] for q, _ in pairs], "positive": [corpus[d] for _, d in pairs]}
            mnrl: Any = MultipleNegativesRankingLoss(model, scale=sc.similarity_scale)
            if self.config.negation.p > 0 or self.config.negation.k > 0:
                from nlrec.training.negation import apply_negation

                # the tags known for a request's item: the union of its relevant descriptor sets
                known = {q: sorted({t.strip() for d in docs for t in corpus[d].split(",")}) for q, docs in qrels.items()}
                mnrl_cols, mnrl = apply_negation(self.config.negation, mnrl_cols, [known[q] for q, _ in pairs], known,
                                                 model, mnrl, seed=self.config.seed)
            mnrl_data = bucket_by_length(mnrl_cols, "anchor", sc.batch_size)
            n_pairs = len(pairs)
            data = DatasetDict({**{f"gpl-{k}": v for k, v in data.items()},
                                **{f"mnrl-{k}": v for k, v in mnrl_data.items()}})
            loss = {name: (mnrl if name.startswith("mnrl-") else loss) for name in data}
        n_replay = 0
        if sc.replay:  # labelled pairs of the starting model's own training, as extra MNRL batches
            from sentence_transformers.sentence_transformer.losses import (
                MultipleNegativesRankingLoss,
            )

            from nlrec.training.replay import add_replay, query_pairs, replay_config

            made, _ = build_queries(replay_config(sc.replay), self.config.data.data_dir or self.data_dir)
            replayed = query_pairs(made, seed=self.config.seed + 3)
            data, loss, n_replay = add_replay(data, loss, replayed, sc.replay_ratio, batch_size=sc.batch_size,
                                              mnrl=MultipleNegativesRankingLoss(model, scale=sc.similarity_scale),
                                              seed=self.config.seed + 3)
            self.notify(f"  replay {sc.replay}: {len(replayed):,} pairs, {n_replay:,} rows ({sc.replay_ratio:.0%})")
        train_bi_encoder(model, data, loss, self.run.model,
                         steps=sc.steps, batch_size=sc.batch_size, lr=sc.lr, warmup_ratio=sc.warmup_ratio,
                         save_steps=sc.save_steps, seed=self.config.seed, device=_device(self.config),
                         show_progress=self.show_progress, no_duplicates=sc.loss != "margin_mse" or n_replay > 0,
                         on_log=log.append)
        losses = [x["loss"] for x in log if "loss" in x]
        return {"triplets": len(cols["label"]), "pairs": n_pairs, "loss": sc.loss, "steps": sc.steps,
                "replay": sc.replay, "replay_ratio": sc.replay_ratio, "replayed_rows": n_replay,
                "trainable_tensors": len(trainable),
                "first_loss": losses[0] if losses else None, "last_loss": losses[-1] if losses else None}


def run_gpl(config: GPLConfig, *, data_dir: str | Path | None = None, until: str | None = None,
            progress: Progress | None = None, notify: Notify | None = None,
            show_progress: bool = True) -> dict[str, Any]:
    """``nlrec train gpl``: run the pipeline (up to ``until``) and summarise it as a training record.

    Returns:
        ``{"run_dir", "model" (None when stopped early), "stages": [StageReport fields], "seconds",
        "peak_rss_mb", "load", "config", "name"}``.
    """
    from nlrec.training.rundir import load_average

    t0 = time.perf_counter()
    pipeline = GPLPipeline(config, data_dir=data_dir, progress=progress, notify=notify, show_progress=show_progress)
    reports = pipeline.run_all(until=until)
    return {
        "run_dir": config.run_dir,
        "model": str(RunDir(config.run_dir).model) if until in (None, "student") else None,
        "stages": [r.__dict__ for r in reports],
        "seconds": round(time.perf_counter() - t0, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "load": load_average(),
        "config": config.to_dict(),
        "name": Path(config.run_dir).name,
    }

