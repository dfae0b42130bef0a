"""An index's lazy values are built once, however many threads ask at the same time (the server
searches concurrently)."""

from __future__ import annotations

import threading
import time


def test_lazy_values_are_built_once_under_concurrent_readers(tiny_tracks, tiny_model):
    from nlrec.catalog import Catalog
    from nlrec.index import Index, build_index

    build_index(Catalog.from_records(tiny_tracks), "tiny", model=str(tiny_model)).close()
    index = Index.open("tiny")
    calls = []

    def slow():
        calls.append(1)
        time.sleep(0.2)
        return {"value": len(calls)}

    results, barrier = [], threading.Barrier(8)

    def reader():
        barrier.wait()
        results.append((index.memo("k", slow), index.retriever("bm25"), index.row_of("t3"), index.names()))

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(calls) == 1 and len(results) == 8
    assert all(r[0] is results[0][0] and r[1] is results[0][1] and r[2] == 2 for r in results)


def test_the_embedding_cache_is_safe_to_share(tiny_model):
    from nlrec.encoders.cache import EmbeddingCache
    from nlrec.encoders.dense import load_encoder

    cache = EmbeddingCache(load_encoder(str(tiny_model)))
    errors = []

    def work(i):
        try:
            for j in range(20):
                cache.encode([f"text {i} {j}", "shared text"])
                if j % 7 == 0:
                    cache.clear()
        except Exception as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
