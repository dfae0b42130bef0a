"""Recreate the labelled folder from the Debian packages its files come from.

    python eval/audio/labelled/fetch.py /tmp/audio-labelled [--debs /tmp/audio-labelled-debs]

For each package in ``labels.csv``: ``apt-get download PACKAGE=VERSION`` (Debian 12 "bookworm",
main; about 1.1 GB of .deb files in all, kept in ``--debs`` so a second run downloads nothing),
then only the labelled paths are extracted (``dpkg-deb --fsys-tarfile | tar -x``) and copied to
``OUT/<package>/<name>``. Every file is checked against the SHA-256 recorded in ``labels.csv``;
a different byte is an error, so the figures in docs/audio.md are always about the same files.
Nothing is installed. Not run by CI (it downloads).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

LABELS = Path(__file__).with_name("labels.csv")


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--debs", type=Path, default=None, help="where the .deb files are kept")
    parser.add_argument("--labels", type=Path, default=LABELS)
    args = parser.parse_args(argv)
    debs = args.debs or args.out.with_name(args.out.name + "-debs")
    debs.mkdir(parents=True, exist_ok=True)
    rows = list(csv.DictReader(args.labels.open(encoding="utf-8")))
    by_package: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in rows:
        by_package[(r["package"], r["version"])].append(r)
    bad = 0
    for (package, version), items in sorted(by_package.items()):
        deb = next(debs.glob(f"{package}_*.deb"), None)
        if deb is None:
            print(f"downloading {package}={version}", file=sys.stderr, flush=True)
            subprocess.run(["apt-get", "download", f"{package}={version}"], cwd=debs, check=True)
            deb = next(debs.glob(f"{package}_*.deb"))
        with tempfile.TemporaryDirectory() as tmp:
            members = ["./" + r["path"] for r in items]
            tar = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE)
            subprocess.run(["tar", "-x", "-C", tmp, *members], stdin=tar.stdout, check=True)
            tar.wait()
            for r in items:
                target = args.out / r["file"]
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(Path(tmp) / r["path"], target)
                if r.get("sha256") and sha256(target) != r["sha256"]:
                    print(f"Error: {r['file']}: SHA-256 differs from labels.csv", file=sys.stderr)
                    bad += 1
    print(f"{len(rows)} files in {args.out} ({len(by_package)} packages)", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
