"""The golden rankings (:mod:`tests.search.golden`): today's top-10 ids and scores must not change.

A refactor of the search stack keeps every cell. A cell may change only with a documented fix:
regenerate with ``PYTHONPATH=. python -m tests.search.golden --write`` and say in the commit which
cells changed and why (docs/architecture.md lists the fixes so far).
"""

from __future__ import annotations

import json

import pytest

from tests.search import golden


def _check(name: str, records: list, encoder) -> None:
    want = json.loads(golden.FIXTURE.read_text(encoding="utf-8"))[name]
    index = golden.build(records, f"golden-{name}", encoder)
    got = golden.rankings(index, records, golden.N_REQUESTS[name], golden.WHERE[name])
    assert len(got) >= 200 and set(got) == set(want)
    assert [c for c in got if got[c] != want[c]] == []


def test_golden_demo(fake_encoder):
    _check("demo", golden.demo_records(), fake_encoder)


@pytest.mark.data
def test_golden_hetrec(fake_encoder, shared_data):
    _check("hetrec", golden.hetrec_records(shared_data), fake_encoder)
