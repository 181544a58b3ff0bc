"""Latent-space tools and the LatentExplorer widget (with a small trained model)."""

import numpy as np
import pytest

from musiclab.data.melody import HOLD, NOTE_OFF, pitch_to_token
from musiclab.sound.audio import read_wav
from musiclab.vae import latent


def test_attributes_of_melodies():
    sparse = np.full(16, HOLD)
    sparse[0] = pitch_to_token(60)
    dense = np.array([pitch_to_token(60 + k % 5) for k in range(16)])
    dense[3] = NOTE_OFF
    assert latent.onset_density(np.stack([sparse, dense])).tolist() == [1 / 16, 15 / 16]
    assert latent.pitch_range(np.stack([sparse, dense])).tolist() == [0, 4]


def test_principal_directions_find_the_spread():
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(500, 6)) * np.array([5.0, 1, 1, 1, 1, 0.1])
    centre, axes, spreads = latent.principal_directions(codes, components=2)
    assert axes.shape == (2, 6) and abs(abs(axes[0, 0]) - 1) < 0.01
    assert 4.5 < spreads[0] < 5.5 and np.allclose(np.linalg.norm(axes, axis=1), 1, atol=1e-5)


def test_attribute_vector_points_from_without_to_with():
    codes = np.array([[0.0, 1.0], [0.0, 3.0], [2.0, 1.0], [2.0, 3.0]])
    vector = latent.attribute_vector(codes, [False, False, True, True])
    np.testing.assert_allclose(vector, [2.0, 0.0])
    with pytest.raises(ValueError, match="both with and without"):
        latent.attribute_vector(codes, [True] * 4)


@pytest.fixture(scope="module")
def small_model(bundled):
    import keras

    from musiclab.vae.model import MelodyVAEConfig, build_vae

    windows = bundled.select(collection="essen", region="chinese").windows(bars=2).tokens[:128]
    keras.utils.set_random_seed(0)
    model = build_vae(MelodyVAEConfig.smoke(), seed=0)
    model.fit(windows, windows, batch_size=32, epochs=2, verbose=0)
    return model


def test_latent_explorer_responds_to_its_controls(small_model, bundled):
    from widgets import LatentExplorer

    corpus = bundled.select(collection="ryan").subset(np.arange(40))
    explorer = LatentExplorer(small_model, corpus, debounce=0)
    assert explorer.melody.shape == (32,)
    start = read_wav(explorer.audio.value)
    assert abs(start.duration - 32 / 4 * 60 / explorer.tempo) < 1.0
    assert explorer.view.wait()
    assert "<svg" in explorer.score.value and explorer.roll.value[:4] == b"\x89PNG"
    assert "melody VAE · A → B 0.00" in explorer.score.value
    code_a = explorer.current_code()
    np.testing.assert_allclose(code_a, explorer.codes[explorer.tune_a.value], atol=1e-5)
    explorer.mix.value = 1.0
    np.testing.assert_allclose(explorer.current_code(), explorer.codes[explorer.tune_b.value],
                               atol=1e-4)
    explorer.directions[0].value = 2.0
    moved = explorer.current_code() - explorer.codes[explorer.tune_b.value]
    np.testing.assert_allclose(moved, 2.0 * explorer.spreads[0] * explorer.axes[0], atol=1e-4)
    assert set(explorer.attributes) <= {"note density", "pitch range"}
    explorer.surprise.click()
    assert any(slider.value != 0 for slider in explorer.directions)
    explorer.search.value = corpus.metadata["title"][3][:6]
    assert len(explorer.tune_a.options) >= 1
    options, tune = explorer.tune_a.options, explorer.tune_a.value
    explorer.search.value = "zzzz no such tune"  # no match: said, and nothing changes
    assert explorer.tune_a.options == options and explorer.tune_a.value == tune
    assert "no tune matches 'zzzz no such tune'" in explorer.status.value


def test_latent_explorer_explains_a_style_it_cannot_steer(small_model, bundled):
    import ipywidgets

    from widgets import LatentExplorer

    one_region = LatentExplorer(small_model, bundled.select(collection="ryan").subset(
        np.arange(20)), debounce=0)
    notes = [child.value for child in one_region.children if isinstance(child, ipywidgets.HTML)]
    assert any("same region" in note for note in notes)
    assert one_region.style not in [grand for box in one_region.children
                                    for grand in getattr(box, "children", ())]
    chosen = np.concatenate([np.flatnonzero(bundled.metadata["region"] == region)[:25]
                             for region in ("chinese", "irish")])
    two = LatentExplorer(small_model, bundled.subset(chosen), debounce=0)
    assert two.style_strength.disabled  # the tunes' own style: no strength to set
    two.style.value = "irish"
    assert not two.style_strength.disabled
    before = two.current_code()
    two.style_strength.value = 0.5
    assert not np.allclose(two.current_code(), before)


def test_latent_explorer_shows_errors_inside(small_model, bundled, monkeypatch):
    import widgets._base
    import widgets.latent_explorer as module

    explorer = module.LatentExplorer(small_model, bundled.select(collection="ryan").subset(
        np.arange(10)), debounce=0)
    monkeypatch.setattr(widgets._base, "render", lambda *a, **k: (_ for _ in ()).throw(
        RuntimeError("no sound today")))
    explorer.temperature.value = 0.5
    assert "Could not decode: no sound today" in explorer.status.value


def test_label_vectors_need_enough_of_each_label():
    rng = np.random.default_rng(1)
    codes = rng.normal(size=(60, 3))
    codes[:30, 0] += 4.0
    labels = np.array(["irish"] * 30 + ["chinese"] * 25 + ["bach"] * 5)
    vectors = latent.label_vectors(codes, labels, minimum=20)
    assert set(vectors) == {"irish", "chinese"}
    assert vectors["irish"][0] > 3.0 and vectors["chinese"][0] < -2.0


def test_latent_explorer_offers_region_sliders(small_model, bundled):
    from widgets import LatentExplorer

    labels = bundled.metadata["region"]
    fits = np.isin(bundled.steps_per_bar, [8, 16])  # tunes that give 2-bar windows of 16 steps
    chosen = np.concatenate([np.flatnonzero((labels == "chinese") & fits)[:25],
                             np.flatnonzero((labels == "irish") & fits)[:25]])
    explorer = LatentExplorer(small_model, bundled.subset(chosen), debounce=0)
    assert {"chinese", "irish"} <= set(explorer.attributes)
    before = explorer.current_code()
    explorer.attributes["irish"].value = 1.0
    np.testing.assert_allclose(explorer.current_code() - before, explorer.vectors["irish"],
                               atol=1e-5)


def test_overlapping_slider_changes_end_with_the_final_values(small_model, bundled,
                                                              monkeypatch):
    """An update that started on an older value and finishes last must not win."""
    import threading
    import time

    import widgets.latent_explorer as module

    explorer = module.LatentExplorer(small_model, bundled.select(collection="ryan").subset(
        np.arange(20)), debounce=0)
    slow_once = threading.Event()

    decoded = []

    def decode(model, code, **options):
        if not slow_once.is_set():  # the first update after this point is the slow one
            slow_once.set()
            time.sleep(0.5)
        decoded.append(code.copy())
        return module_decode(model, code, **options)

    module_decode = module.decode
    monkeypatch.setattr(module, "decode", decode)
    older = threading.Thread(target=setattr, args=(explorer.mix, "value", 0.2))
    older.start()
    time.sleep(0.1)
    explorer.mix.value = 0.9  # the final value, while the older update still runs
    older.join()
    assert explorer.mix.value == 0.9 and len(decoded) == 2
    # the melody shown is the one decoded last, and that one is the final value's code
    np.testing.assert_allclose(decoded[-1][0], explorer.current_code(), atol=1e-6)
    final = module_decode(small_model, explorer.current_code()[None],
                          temperature=explorer.temperature.value, seed=explorer.seed)[0]
    np.testing.assert_array_equal(explorer.melody, final)
