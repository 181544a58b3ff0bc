"""Style controls in the widgets, instruments per style, the transfer-learning curve."""

import dataclasses

import keras
import numpy as np
import pytest

from musiclab.sound.audio import read_wav, to_pretty_midi
from musiclab.sound.instruments import instrument_program, style_instrument
from musiclab.vae import generate as generation
from musiclab.vae.model import MelodyVAEConfig, build_vae


@pytest.fixture(scope="module")
def two_regions(bundled):
    labels = bundled.metadata["region"]
    fits = np.isin(bundled.steps_per_bar, [8, 16])
    chosen = np.concatenate([np.flatnonzero((labels == "chinese") & fits)[:25],
                             np.flatnonzero((labels == "irish") & fits)[:25]])
    return bundled.subset(chosen)


def _vae(styles=()):
    keras.utils.set_random_seed(0)
    return build_vae(dataclasses.replace(MelodyVAEConfig.smoke(), styles=tuple(styles)), seed=0)


def test_style_transfer_panel_with_a_conditional_vae(two_regions, monkeypatch):
    import widgets._base
    import widgets.style_transfer as module

    model = _vae(("chinese", "irish"))
    panel = module.StyleTransfer(model, two_regions, debounce=0)
    assert set(panel.target.options) == {"chinese", "irish"}
    source = panel.sources[panel.tune.value]
    assert panel.target.value != source
    assert read_wav(panel.before["audio"].value).duration > 1.0
    assert read_wav(panel.after["audio"].value).duration > 1.0
    assert panel.wait()
    assert "<svg" in panel.after["score"].value and "→" in panel.status.value
    assert f"moved to {panel.target.value}" in panel.after["score"].value
    before_audio = panel.before["audio"].value
    assert f"{panel.target.value} on {style_instrument(panel.target.value)}" in \
        panel.after["verdict"].value
    panel.strength.value = 0.0
    np.testing.assert_array_equal(panel.moved, generation.reconstruct(
        model, panel.original[None], style=source)[0])
    assert panel.before["audio"].value is before_audio  # same tune: the original stays
    monkeypatch.setattr(widgets._base, "render", lambda *a, **k: (_ for _ in ()).throw(
        RuntimeError("no sound today")))
    panel.strength.value = 0.5
    assert "Could not transfer: no sound today" in panel.status.value


def test_style_transfer_panel_with_label_vectors(two_regions):
    from widgets import StyleTransfer

    panel = StyleTransfer(_vae(), two_regions, instrument="violin", debounce=0)
    assert set(panel.vectors) >= {"chinese", "irish"}
    assert panel.after["verdict"].value.endswith("on violin")
    tune = panel.tune.value
    panel.search.value = "zzzz-no-such-tune"
    assert len(panel.tune.options) == len(panel._options)  # nothing matches: all stay
    assert panel.tune.value == tune and "no tune matches 'zzzz-no-such-tune'" in \
        panel.status.value


def test_latent_explorer_style_controls(two_regions):
    from widgets import LatentExplorer

    explorer = LatentExplorer(_vae(), two_regions, debounce=0)
    assert explorer.style.options[0] == "(own)" and "irish" in explorer.style.options
    before = explorer.current_code()
    explorer.style.value = "irish"
    explorer.style_strength.value = 0.5
    np.testing.assert_allclose(explorer.current_code() - before,
                               0.5 * explorer.vectors["irish"], atol=1e-5)
    conditional = LatentExplorer(_vae(("chinese", "irish")), two_regions, debounce=0)
    own = conditional.current_style()
    assert own.tolist() in ([1.0, 0.0], [0.0, 1.0])
    conditional.style.value = "irish"
    conditional.style_strength.value = 0.5
    np.testing.assert_allclose(conditional.current_style(), 0.5 * own + 0.5 * np.array([0, 1.0]))
    assert conditional.melody.shape == (32,)


def test_wavenet_style_strength_moves_from_the_average_style():
    from musiclab.wavenet.model import WaveNetConfig, build_wavenet
    from musiclab.wavenet.sample import generate, style_embedding_of

    keras.utils.set_random_seed(0)
    model = build_wavenet(WaveNetConfig.smoke("melody", ("a", "b", "c")))
    table = np.asarray(model.get_layer("style_embedding").embeddings)
    np.testing.assert_allclose(style_embedding_of(model, 1, 2, 0.0), [table.mean(0)] * 2,
                               atol=1e-6)
    np.testing.assert_allclose(style_embedding_of(model, 1, 1, 1.0)[0], table[1], atol=1e-6)
    with pytest.raises(ValueError, match="style_strength"):
        generate(model, length=4, style=0, style_strength=0.5, method="naive")


def test_instruments_for_styles_and_voices():
    assert style_instrument("Chinese") == "pipa" and instrument_program("pipa") == 107
    assert style_instrument("irish") == "fiddle" and style_instrument("jazz") == "piano"
    grid = np.full((16, 4), 1, np.int16)
    grid[0] = [2 + 72 - 21, 2 + 67 - 21, 2 + 60 - 21, 2 + 48 - 21]
    midi = to_pretty_midi(grid, instrument=["violin", "viola", "cello", "contrabass"])
    assert [track.program for track in midi.instruments] == [40, 41, 42, 43]


def test_learning_curve_compares_fine_tuning_with_scratch(tmp_path):
    from musiclab.plotting import plot_learning_curve
    from musiclab.style.transfer_learning import learning_curve

    config = MelodyVAEConfig.smoke()
    keras.utils.set_random_seed(0)
    model = build_vae(config, seed=0)
    rng = np.random.default_rng(0)
    windows = rng.integers(2, 40, (64, 32)).astype(np.int16)
    model.fit(windows, windows, batch_size=16, epochs=1, verbose=0)
    model.save(tmp_path / "model.keras")
    config.save(tmp_path)
    tunes = [windows[index:index + 4] for index in range(0, 32, 4)]
    curve = learning_curve(tmp_path / "model.keras", tunes, windows[32:], sizes=(2, 4),
                           steps=3, batch_size=8, progress=False)
    assert [row["tunes"] for row in curve] == [2, 4]
    assert [row["windows"] for row in curve] == [8, 16]
    for row in curve:
        assert 0.0 <= row["fine_tuned"] <= 1.0 and 0.0 <= row["from_scratch"] <= 1.0
    assert curve[0]["pretrained"] == curve[1]["pretrained"]
    ax = plot_learning_curve(curve)
    assert len(ax.get_lines()) == 3 and ax.get_xlabel().startswith("training tunes")
    with pytest.raises(ValueError, match="sizes"):
        learning_curve(tmp_path / "model.keras", tunes, windows[32:], sizes=(99,))
