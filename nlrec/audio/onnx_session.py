"""The musicnn ports on onnxruntime: the cached export loaded without importing torch.

Tagging on the default ``onnx`` backend needs only onnxruntime once the export is cached
(``NLREC_HOME/.cache/audio/``): torch (about 200 MB of resident memory) is imported only to
export, or for ``backend="torch"``.

The session runs on one intra-op thread without spin-waiting by default: on a shared or busy
machine onnxruntime's spinning threads burn CPU while they wait (measured: 0.92 CPU-s of network
time per track with 2 spinning threads, 0.60 with 1 thread, on 6 real tracks at load ~10); tag
several files at once to use more cores. ``NLREC_ONNX_THREADS`` overrides the thread count.
"""

from __future__ import annotations

import os

from nlrec.audio.weights import Vocabulary, onnx_path


def load_onnx_session(vocabulary: Vocabulary, threads: int | None = None):
    """An onnxruntime session of the port, exported once from the packaged weights and cached.

    onnxruntime needs a third of torch's CPU time for these convolutions. The export (the only
    step that imports torch) runs the TorchScript exporter on the module in eval mode (batch
    norm on running statistics); ``tests/audio/test_model.py`` checks the two backends agree.
    """
    import onnxruntime as ort

    path = onnx_path(vocabulary)
    if not path.is_file():
        from nlrec.audio.model import export_onnx

        export_onnx(vocabulary, path)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or int(os.environ.get("NLREC_ONNX_THREADS", 0)) or 1
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
