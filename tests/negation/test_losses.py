from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from nlrec.negation import NegationDissimilarityLoss  # noqa: E402


def test_value_is_k_times_mean_cosine():
    a = torch.tensor([[1.0, 0.0], [1.0, 1.0]])
    b = torch.tensor([[1.0, 0.0], [1.0, -1.0]])  # cos 1 and 0
    assert NegationDissimilarityLoss(scale=0.1)(a, b).item() == pytest.approx(0.05)
    assert NegationDissimilarityLoss(scale=0.0)(a, b).item() == 0.0


def test_gradient_pushes_a_request_away_from_its_negation():
    a = torch.tensor([[1.0, 0.2]], requires_grad=True)
    b = torch.tensor([[1.0, 0.0]])
    loss = NegationDissimilarityLoss(scale=1.0)
    before = loss(a, b).item()
    loss(a, b).backward()
    with torch.no_grad():
        a -= 0.5 * a.grad
    assert loss(a, b).item() < before


def test_errors_and_empty():
    loss = NegationDissimilarityLoss()
    with pytest.raises(ValueError):
        loss(torch.zeros(2, 3), torch.zeros(2, 4))
    with pytest.raises(TypeError):
        loss(torch.zeros(2, 3))
    with pytest.raises(TypeError):
        loss([{}, {}])  # feature dicts need a model
    with pytest.raises(ValueError):
        NegationDissimilarityLoss(scale=-1)
    assert loss(torch.zeros(0, 3), torch.zeros(0, 3)).item() == 0.0


def test_sentence_transformers_call(tiny_model):
    from sentence_transformers import SentenceTransformer

    from nlrec.negation.augment import fully_negate

    model = SentenceTransformer(str(tiny_model), device="cpu")
    texts = ["calm piano", "steel drums, upbeat"]
    feats = [model.tokenize(texts), model.tokenize([fully_negate(t) for t in texts])]
    loss = NegationDissimilarityLoss(model, scale=0.01)
    value = loss(feats, None)
    value.backward()
    assert -0.01 <= value.item() <= 0.01
    assert any(p.grad is not None for p in model.parameters())
    assert loss.get_config_dict() == {"scale": 0.01}
