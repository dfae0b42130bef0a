"""``nlrec index build --backend milvus``: a streaming, resumable build into Milvus."""

from __future__ import annotations

import json
import time
from typing import Any

import click

from nlrec.cli.ui import interactive as _interactive
from nlrec.cli.ui import note as _note
from nlrec.cli.ui import peak_rss_mb, warnings_to_stderr
from nlrec.cli.ui import progress as _progress


def build_on_milvus(*, name: str, dataset: str | None, data_dir: str | None, split: str, catalog_file: str | None,
                    fmt: str | None, encoding: str, mapping: dict[str, Any], model: str, batch_size: int,
                    uri: str | None, collection: str | None, token_env: str, chunk_size: int, index_type: str,
                    restart: bool, json_out: bool) -> None:
    from nlrec.index.milvus import target
    from nlrec.index.milvus.build import build_milvus_index
    from nlrec.index.milvus.sources import CatalogSource
    from nlrec.index.registry import resolve_index_path

    if not uri:
        raise click.UsageError("--backend milvus needs --uri (a Milvus Lite file PATH.db, or http://host:19530)")
    default = "".join(c if c.isalnum() or c == "_" else "_" for c in resolve_index_path(name).name)
    where = target(uri, collection or ("nlrec_" + default if not default[:1].isalpha() else default), token_env)
    t0 = time.perf_counter()
    if dataset:
        from nlrec.catalog.datasets import load_dataset

        source = CatalogSource.from_catalog(load_dataset(dataset, data_dir, split=split))
        provenance = {"dataset": dataset, "split": split}
    else:
        with warnings_to_stderr():
            source = CatalogSource.from_file(catalog_file, format=fmt, encoding=encoding, **mapping)
        provenance = {"dataset": None}
    with _progress(_interactive(json_out), f"index {name}", rate=True) as update, warnings_to_stderr():
        idx = build_milvus_index(source, name, where, model=model, chunk_size=chunk_size, batch_size=batch_size,
                                 index_type=index_type, restart=restart, progress=update, on_wait=_note,
                                 on_resume=_note, provenance=provenance)
    skipped = idx.manifest.raw.get("corpus", {}).get("skipped_empty", 0)
    if skipped:
        _note(f"warning: skipped {skipped} row(s) with an empty descriptor set")
    report = {**idx.info(), "skipped_empty": skipped, "build_seconds": idx.manifest.build_seconds,
              "encode_seconds": idx.manifest.encode_seconds, "total_seconds": round(time.perf_counter() - t0, 3),
              "peak_rss_mb": round(peak_rss_mb(), 1)}
    if json_out:
        click.echo(json.dumps(report, indent=2))
        return
    _note(f"Built index {report['name']!r}: {report['tracks']:,} tracks, {report['documents']:,} unique descriptor "
          f"sets in Milvus ({where.uri}, collection {where.collection!r}) in {report['total_seconds']:.1f} s "
          f"(peak memory {report['peak_rss_mb']:.0f} MB) -> {report['path']}")
