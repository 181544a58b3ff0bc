"""Melody with harmony: one model, one head and one loss per voice."""

import keras
import numpy as np
import pytest

from musiclab.data.melody import HOLD, NOTE_OFF, VOCABULARY_SIZE, pitch_to_token
from musiclab.errors import MusiclabError
from musiclab.harmony import (
    generate_chorale,
    harmonize,
    task_scores,
    train_harmony,
    transpose_grids,
)
from musiclab.harmony.model import VOICES, HarmonyConfig, build_harmony_model, load_harmony_model


def _grids(count, steps, seed=0):
    rng = np.random.default_rng(seed)
    grids = np.full((count, steps, 4), HOLD, np.int32)
    for voice, base in enumerate((72, 65, 58, 48)):
        grids[:, ::4, voice] = [[pitch_to_token(base + offset) for offset in row]
                                for row in rng.integers(0, 5, (count, len(range(0, steps, 4))))]
    return grids


def _logits(model, grid):
    return {name: np.asarray(value) for name, value in model.predict_on_batch(grid).items()}


def test_each_voice_sees_the_past_and_the_voices_decided_before_it():
    keras.utils.set_random_seed(0)
    model = build_harmony_model(HarmonyConfig.smoke())  # order: soprano, bass, alto, tenor
    grid = _grids(1, 16)
    before = _logits(model, grid)
    later = grid.copy()
    later[0, 10:] = pitch_to_token(90)
    after = _logits(model, later)
    for name in VOICES:
        np.testing.assert_allclose(after[name][0, :10], before[name][0, :10], atol=1e-5)
    np.testing.assert_allclose(after["soprano"][0, 10], before["soprano"][0, 10], atol=1e-5)
    assert not np.allclose(after["tenor"][0, 11], before["tenor"][0, 11], atol=1e-5)
    alto_now = grid.copy()
    alto_now[0, 5, 1] = pitch_to_token(40)
    changed = _logits(model, alto_now)
    for name in ("soprano", "bass", "alto"):
        np.testing.assert_allclose(changed[name][0, 5], before[name][0, 5], atol=1e-5)
    assert not np.allclose(changed["tenor"][0, 5], before["tenor"][0, 5], atol=1e-5)


def test_transposition_moves_pitches_only_and_stays_on_the_keyboard():
    grid = np.array([[[pitch_to_token(60), HOLD, NOTE_OFF, pitch_to_token(48)]]])
    up = transpose_grids(grid, [3])
    assert up[0, 0].tolist() == [pitch_to_token(63), HOLD, NOTE_OFF, pitch_to_token(51)]
    top = np.array([[[VOCABULARY_SIZE - 1, HOLD, HOLD, HOLD]]])
    np.testing.assert_array_equal(transpose_grids(top, [2]), top)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("harmony")
    grids = _grids(40, 32)
    keras.utils.set_random_seed(0)
    model, state = train_harmony(HarmonyConfig.smoke(), grids, grids[:8], steps=30, folder=folder,
                                 batch_size=8, checkpoint_every=15, progress=False)
    return model, state, grids, folder


def test_training_reports_a_loss_per_task(trained):
    model, state, grids, folder = trained
    entry = state["history"][-1]
    for name in VOICES:
        assert np.isfinite(entry[f"valid_{name}_loss"])
        assert 0.0 <= entry[f"valid_{name}_accuracy"] <= 1.0
    assert entry["valid_loss"] == pytest.approx(
        np.mean([entry[f"valid_{name}_loss"] for name in VOICES]))
    assert state["history"][0]["valid_loss"] > entry["valid_loss"]
    scores = task_scores(load_harmony_model(folder / "best.keras"), grids[:4])
    assert set(scores) == {"loss", *(f"{name}_{kind}" for name in VOICES
                                      for kind in ("loss", "accuracy"))}


def test_generation_and_harmonisation(trained):
    model, _, grids, _ = trained
    chorale = generate_chorale(model, count=2, steps=12, temperature=1.0, seed=5)
    assert chorale.shape == (2, 12, 4) and chorale.min() >= 0
    assert chorale.max() < VOCABULARY_SIZE
    again = generate_chorale(model, count=2, steps=12, temperature=1.0, seed=5)
    np.testing.assert_array_equal(chorale, again)
    melody = grids[0, :, 0]
    harmonised = harmonize(model, melody, temperature=0.0)
    assert harmonised.shape == (32, 4)
    np.testing.assert_array_equal(harmonised[:, 0], melody)
    with pytest.raises(ValueError, match="melody"):
        harmonize(model, np.full((2, 3, 4), HOLD))
    with pytest.raises(ValueError, match="temperature"):
        generate_chorale(model, temperature=-1)


def test_loader_rejects_other_models(tmp_path):
    path = tmp_path / "other.keras"
    keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]).save(path)
    with pytest.raises(MusiclabError, match="other.keras"):
        load_harmony_model(path)


def test_train_commands_for_the_style_models(tmp_path, capsys):
    from musiclab.cli import main

    assert main(["train", "harmony", "--smoke", "--steps", "4", "--out", str(tmp_path / "h")]) == 0
    out = capsys.readouterr().out
    assert "validation loss per voice" in out and "bass" in out
    assert (tmp_path / "h" / "best.keras").exists()
    assert main(["train", "classifier", "--steps", "0", "--out", str(tmp_path / "c")]) == 2
    assert "--steps must be at least 1" in capsys.readouterr().err
    assert main(["train", "harmony", "--steps", "3", "--minutes", "-1",
                 "--out", str(tmp_path / "h")]) == 2
    assert "--minutes must be positive" in capsys.readouterr().err
