"""Style: the classifier, the conditional VAE, style transfer, transfer learning."""

import dataclasses

import keras
import numpy as np
import pytest

from musiclab.data.melody import HOLD, NOTE_OFF, pitch_to_token
from musiclab.data.splits import style_labels
from musiclab.errors import MusiclabError
from musiclab.style import (
    balanced_accuracy,
    classify,
    confusion_matrix,
    crop_batch,
    evaluate_style_classifier,
    recognition_rates,
    train_style_classifier,
    tune_crops,
    tune_log_probabilities,
)
from musiclab.style.classifier import (
    StyleClassifierConfig,
    build_style_classifier,
    load_style_classifier,
    masked_sparse_crossentropy,
)
from musiclab.style.transfer import (
    contour_correlation,
    measure_transfer,
    sounding_pitch,
    transfer_style,
)
from musiclab.vae import generate as generation
from musiclab.vae.model import MelodyVAEConfig, load_vae, style_names
from musiclab.vae.training import train_vae


def _melody(pitches, length=4):
    """Tokens of notes of ``length`` steps each."""
    tokens = []
    for pitch in pitches:
        tokens += [pitch_to_token(pitch)] + [HOLD] * (length - 1)
    return np.array(tokens, np.int16)


def _synthetic_tunes(count, rng):
    """Region 0: low, slow steps; region 1: high, fast leaps; region 2: held notes and rests."""
    tunes, regions = [], []
    for index in range(count):
        region = index % 3
        if region == 0:
            tune = _melody(48 + rng.integers(0, 5, 24), 4)
        elif region == 1:
            tune = _melody(72 + 7 * rng.integers(0, 3, 48), 2)
        else:
            tune = np.tile(np.array([pitch_to_token(60)] + [HOLD] * 7 + [NOTE_OFF] + [HOLD] * 7,
                                    np.int16), 6)
        tunes.append(tune)
        regions.append(region)
    regions = np.array(regions, np.int32)
    dances = np.where(regions == 1, rng.integers(0, 2, count), -1).astype(np.int32)
    return tunes, regions, dances


def test_masked_crossentropy_ignores_missing_labels():
    logits = keras.ops.convert_to_tensor(np.array([[2.0, 0.0], [0.0, 3.0], [1.0, 1.0]],
                                                  np.float32))
    loss = keras.ops.convert_to_numpy(masked_sparse_crossentropy(np.array([0, -1, 1]), logits))
    assert loss[1] == 0.0
    np.testing.assert_allclose(loss[0], np.log(1 + np.exp(-2.0)), rtol=1e-5)
    np.testing.assert_allclose(loss[2], np.log(2.0), rtol=1e-5)


def test_style_labels_and_balanced_crops():
    metadata = {"region": np.array(["irish", "bach", "fiddle", "chinese"]),
                "dance": np.array(["", "", "reel", ""])}
    region, dance = style_labels(metadata, ("bach", "chinese", "irish"), ("reel", "jig"))
    assert region.tolist() == [2, 0, -1, 1] and dance.tolist() == [-1, -1, 0, -1]
    rng = np.random.default_rng(0)
    tunes, regions, dances = _synthetic_tunes(30, rng)
    tokens, batch_regions, batch_dances = crop_batch(tunes, regions, dances, steps=16,
                                                     batch_size=300, rng=rng)
    assert tokens.shape == (300, 16) and (tokens >= 2).any(axis=1).all()
    # one group per region plus one for the dance-labelled tunes: every region gets its share
    counts = np.bincount(batch_regions, minlength=3)
    assert counts.min() > 50
    assert (batch_dances >= 0).sum() > 100
    assert tune_crops(tunes[0], 16).shape == (6, 16)


def test_confusion_and_balanced_accuracy():
    matrix = confusion_matrix([0, 0, 0, 0, 1], [0, 0, 0, 1, 1], 3)
    assert matrix.tolist() == [[3, 1, 0], [0, 1, 0], [0, 0, 0]]
    assert balanced_accuracy(matrix) == pytest.approx((0.75 + 1.0) / 2)


@pytest.fixture(scope="module")
def trained_classifier(tmp_path_factory):
    rng = np.random.default_rng(0)
    data = _synthetic_tunes(60, rng)
    config = dataclasses.replace(StyleClassifierConfig.smoke(), regions=("low", "high", "long"),
                                 dances=("d0", "d1"), steps=16, learning_rate=1e-2)
    folder = tmp_path_factory.mktemp("classifier")
    keras.utils.set_random_seed(0)
    model, state = train_style_classifier(config, data, data, steps=120, folder=folder,
                                          batch_size=32, checkpoint_every=40, progress=False)
    return model, state, data, folder


def test_style_classifier_learns_and_reports(trained_classifier):
    model, state, data, folder = trained_classifier
    assert state["history"][-1]["valid_accuracy"] > 0.9
    figures = evaluate_style_classifier(model, *data, steps=16)
    assert figures["tune_balanced_accuracy"] > 0.9 and figures["tunes"] == 60
    assert np.array(figures["confusion"]).sum() == 60
    assert np.array(figures["dance_confusion"]).sum() == 20
    probabilities = classify(model, data[0][1][None, :16])
    assert probabilities["region"].shape == (1, 3)
    np.testing.assert_allclose(probabilities["region"].sum(), 1.0, rtol=1e-5)
    loaded = load_style_classifier(folder / "best.keras")
    np.testing.assert_allclose(classify(loaded, data[0][1][None, :16])["region"],
                               classify(model, data[0][1][None, :16])["region"], atol=1e-5)
    rates = recognition_rates(model, np.stack([tune[:16] for tune in data[0][:6]]),
                              ["low", "high", "long"] * 2, ("low", "high", "long"))
    assert rates["overall"] > 0.8 and set(rates) == {"overall", "low", "high", "long"}
    with pytest.raises(ValueError, match="not among"):
        recognition_rates(model, data[0][0][None, :16], ["jazz"], ("low", "high", "long"))
    tunes = np.stack([tune[:48] for tune in data[0][:6]])
    verdicts = tune_log_probabilities(model, tunes, 16)["region"]
    crops = np.log(classify(model, tunes[:1].reshape(3, 16))["region"] + 1e-12)
    np.testing.assert_allclose(verdicts[0], crops.mean(axis=0), rtol=1e-4)
    by_tune = recognition_rates(model, tunes, ["low", "high", "long"] * 2,
                                ("low", "high", "long"), crop_steps=16)
    assert by_tune["overall"] > 0.8
    silent = np.zeros((1, 48), np.int32)
    assert recognition_rates(model, np.concatenate([tunes[:1], silent]), ["low", "low"],
                             ("low", "high", "long"), crop_steps=16)["low"] == 0.5


def test_classifier_loader_rejects_other_files(tmp_path):
    path = tmp_path / "not_a_classifier.keras"
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.save(path)
    with pytest.raises(MusiclabError, match="not_a_classifier.keras"):
        load_style_classifier(path)
    assert build_style_classifier(StyleClassifierConfig.smoke()).output["region"].shape[-1] == 4


@pytest.fixture(scope="module")
def conditional_vae(tmp_path_factory):
    rng = np.random.default_rng(1)
    low = np.stack([_melody(48 + rng.integers(0, 5, 8), 4) for _ in range(48)])
    high = np.stack([_melody(76 + 7 * rng.integers(0, 2, 16), 2) for _ in range(48)])
    tokens = np.concatenate([low, high])
    styles = np.array([0] * 48 + [1] * 48)
    config = dataclasses.replace(MelodyVAEConfig.smoke(), styles=("low", "high"), free_bits=0.0,
                                 beta=1.0, learning_rate=5e-3)
    folder = tmp_path_factory.mktemp("cvae")
    keras.utils.set_random_seed(0)
    train_vae(config, tokens, tokens, steps=300, folder=folder, batch_size=32, checkpoint_every=150,
              progress=False, train_styles=styles, valid_styles=styles)
    return load_vae(folder / "model.keras"), tokens, styles


def test_conditional_vae_is_steered_by_its_style(conditional_vae):
    model, tokens, _ = conditional_vae
    assert style_names(model) == ("low", "high")
    low = generation.sample(model, 8, temperature=0.0, seed=0, style="low")
    high = generation.sample(model, 8, temperature=0.0, seed=0, style="high")
    pitch = [np.mean([token for token in melodies.ravel() if token >= 2]) for melodies in
             (low, high)]
    assert pitch[1] > pitch[0] + 10  # same codes, different style: different register
    again = generation.sample(model, 8, temperature=1.0, seed=3, style="high")
    assert np.array_equal(again, generation.sample(model, 8, temperature=1.0, seed=3,
                                                   style="high"))
    half = generation.style_vector(model, "high", 2, strength=0.25, source="low")
    np.testing.assert_allclose(half, [[0.75, 0.25]] * 2)
    with pytest.raises(ValueError, match="give one of"):
        generation.sample(model, 2)
    with pytest.raises(ValueError, match="unknown 'jazz'"):
        generation.sample(model, 2, style="jazz")
    with pytest.raises(ValueError, match="strength"):
        generation.style_vector(model, "low", strength=1.5, source="high")


def test_train_vae_checks_style_labels(tmp_path):
    config = dataclasses.replace(MelodyVAEConfig.smoke(), styles=("a", "b"))
    tokens = np.full((4, 32), HOLD, np.int16)
    with pytest.raises(ValueError, match="train_styles"):
        train_vae(config, tokens, tokens, steps=1, folder=tmp_path, progress=False)
    with pytest.raises(ValueError, match="0..1"):
        train_vae(config, tokens, tokens, steps=1, folder=tmp_path, progress=False,
                  train_styles=np.array([0, 1, 2, 0]), valid_styles=np.zeros(4, int))


def test_contour_measures_shape_not_key():
    rising = _melody([60, 62, 64, 65, 67, 69, 71, 72])
    transposed = _melody([65, 67, 69, 70, 72, 74, 76, 77])
    falling = _melody([72, 71, 69, 67, 65, 64, 62, 60])
    assert contour_correlation(rising, transposed) == pytest.approx(1.0)
    assert contour_correlation(rising, falling) < -0.9
    with_rest = np.array([pitch_to_token(60), HOLD, NOTE_OFF, HOLD], np.int16)
    assert sounding_pitch(with_rest).tolist() == [60.0, 60.0, 60.0, 60.0]
    assert contour_correlation(np.full(8, HOLD), rising[:8]) == 0.0
    with pytest.raises(ValueError, match="steps"):
        contour_correlation(rising, rising[:8])


def test_style_transfer_with_a_conditional_vae(conditional_vae, trained_classifier):
    model, tokens, _ = conditional_vae
    low = tokens[:4]
    kept = transfer_style(model, low, "high", strength=0.0, source="low")
    np.testing.assert_array_equal(kept, generation.reconstruct(model, low, style="low"))
    moved = transfer_style(model, low, "high", strength=1.0, source="low")
    assert moved.shape == low.shape
    assert np.mean(moved[moved >= 2]) > np.mean(kept[kept >= 2]) + 2  # towards the high style
    with pytest.raises(ValueError, match="source"):
        transfer_style(model, low, "high")
    classifier = trained_classifier[0]
    figures = measure_transfer(model, classifier, low, ["low"] * 4, ["high"] * 4,
                               ("low", "high", "long"))
    assert figures["melodies"] == 4 and 0.0 <= figures["recognised_as_target"] <= 1.0
    assert -1.0 <= figures["contour_correlation"] <= 1.0 and figures["changed_steps"] > 0


def test_style_transfer_along_label_vectors(conditional_vae):
    import musiclab.vae.model as vae_module

    config = MelodyVAEConfig.smoke()
    keras.utils.set_random_seed(0)
    model = vae_module.build_vae(config, seed=0)
    tokens = conditional_vae[1]
    vectors = {"up": np.ones(config.latent_dim, np.float32),
               "down": -np.ones(config.latent_dim, np.float32)}
    codes = generation.encode(model, tokens[:2])
    moved = transfer_style(model, tokens[:2], "up", strength=0.5, source="down", vectors=vectors)
    np.testing.assert_array_equal(moved, generation.decode(model, codes + 1.0))
    with pytest.raises(ValueError, match="no label vector for 'jazz'"):
        transfer_style(model, tokens[:2], "jazz", vectors=vectors)


def test_samples_from_each_styles_gaussian(conditional_vae):
    from musiclab.style.transfer import conditioned_samples, style_gaussians

    model, tokens, styles = conditional_vae
    names = np.array(["low", "high"])[styles]
    gaussians = style_gaussians(model, tokens, names, per_style=40)
    assert set(gaussians) == {"low", "high"}
    mean, factor = gaussians["low"]
    assert mean.shape == (8,) and factor.shape == (8, 8) and np.allclose(np.triu(factor, 1), 0)
    codes = generation.encode(model, tokens[styles == 0][:40], style="low")
    assert np.abs(mean - codes.mean(axis=0)).max() < 1.5 * codes.std(axis=0).max()
    melodies, requested = conditioned_samples(model, ["high", "low"], 3, temperature=0.0,
                                              gaussians=gaussians, spread=0.0)
    assert requested.tolist() == ["high"] * 3 + ["low"] * 3
    np.testing.assert_array_equal(melodies[3], generation.decode(model, mean[None], style="low")[0])
    plain = MelodyVAEConfig.smoke()
    keras.utils.set_random_seed(0)
    from musiclab.vae.model import build_vae

    with pytest.raises(ValueError, match="gaussians"):
        conditioned_samples(build_vae(plain), ["low"], 2)
