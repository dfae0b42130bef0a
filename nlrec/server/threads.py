"""How many native threads one request may use (the ONNX encoder, BLAS, FAISS)."""

from __future__ import annotations

import os


def limit_native_threads(n: int) -> None:
    """Let one request use at most ``n`` native threads (the ONNX encoder, BLAS, FAISS).

    A server runs many requests at once: with one thread each, concurrent requests spread over
    the cores instead of each spreading over all of them and waiting for one another (on a busy
    machine, BLAS and OpenMP threads that spin-wait for each other make a single 1 x 384 dot
    product take tens of milliseconds). Process-wide: call it before the index is opened.
    """
    os.environ["NLREC_ONNX_THREADS"] = str(n)  # encoders created from now on
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)
    try:
        import numpy  # noqa: F401 - loads BLAS, so that the limit below reaches it
        from threadpoolctl import threadpool_limits

        threadpool_limits(n)
    except ImportError:
        pass
    try:
        import faiss

        faiss.omp_set_num_threads(n)
    except ImportError:
        pass
