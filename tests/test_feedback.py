"""Feedback that steers generation, and the Frechet distance: the maths on known cases, the
learning curve on the shipped models, and the thumbs in the widgets."""

import dataclasses

import keras
import numpy as np
import pytest

from musiclab.evaluation import feedback, frechet
from musiclab.listening import ResultsStore
from musiclab.nn import load_shipped
from musiclab.vocab import FIRST_PITCH_TOKEN, HOLD


def melody(pitches):
    tokens = []
    for pitch in pitches:
        tokens += [pitch - 21 + FIRST_PITCH_TOKEN, HOLD]
    return np.array(tokens)


def test_stepwise_share_and_preference_direction():
    assert feedback.stepwise_share(melody([60, 62, 64, 62, 60])) == 1.0
    assert feedback.stepwise_share(melody([60, 67, 60, 72, 74])) == 0.25
    assert feedback.stepwise_share(melody([60])) == 0.0
    liked = np.array([[1.0, 2.0], [3.0, 2.0]])
    disliked = np.array([[0.0, 0.0]])
    assert feedback.preference_direction(liked, disliked).tolist() == [2.0, 2.0]
    with pytest.raises(ValueError, match="at least one liked and one disliked"):
        feedback.preference_direction(liked, np.zeros((0, 2)))


def test_frechet_distance_on_gaussians_with_known_distances():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4000, 6))
    assert frechet.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    shifted = a + np.array([3.0, 0, 0, 0, 0, 0])
    assert frechet.frechet_distance(a, shifted) == pytest.approx(9.0, rel=1e-6)
    wide = 2.0 * rng.standard_normal((4000, 6))  # d (1 + 4 - 2 * 2) = 6
    assert frechet.frechet_distance(a, wide) == pytest.approx(6.0, rel=0.1)
    distance, low, high = frechet.bootstrap_frechet(a[:500], shifted[:500], resamples=50)
    assert low <= distance <= high and 7.0 < low and high < 11.5
    with pytest.raises(ValueError, match="same width"):
        frechet.frechet_distance(a, a[:, :3])


def test_shuffles_keep_what_they_should():
    tokens = np.stack([melody([60, 62, 64, 65, 67, 69, 71, 72]),
                       melody([50, 55, 57, 59, 62, 64, 66, 67])])
    pitches = frechet.shuffle_pitches(tokens, seed=1)
    assert (pitches >= FIRST_PITCH_TOKEN).tolist() == (tokens >= FIRST_PITCH_TOKEN).tolist()
    assert [sorted(row) for row in pitches] == [sorted(row) for row in tokens]
    assert not np.array_equal(pitches, tokens)
    steps = frechet.shuffle_steps(tokens, seed=1)
    assert [sorted(row) for row in steps] == [sorted(row) for row in tokens]


@pytest.fixture(scope="module")
def shipped():
    return load_shipped("melody_vae_2bar"), load_shipped("style_classifier")


def test_ratings_teach_the_reranker_a_simulated_listeners_taste(shipped):
    vae, judge = shipped
    listener = feedback.SimulatedListener(judge, style="irish")
    _, pool = feedback._samples(vae, 200, seed=99, temperature=1.0, latent_dim=128)
    listener.calibrate(pool)
    rows = feedback.learning_curve(vae, judge, listener, sizes=(20, 100), candidates=150,
                                   seeds=1)
    table = feedback.summarise_curve(rows)
    for size in (20, 100):
        assert table[size]["unranked"] + 0.1 < table[size]["reranked"] <= table[size]["best"]
    with pytest.raises(ValueError, match="style: one of"):
        feedback.SimulatedListener(judge, style="martian").taste(pool[:2])
    with pytest.raises(ValueError, match="at least one liked and one disliked"):
        feedback.Reranker(judge).fit(pool[:4], np.ones(4))


def test_thumbs_in_the_latent_explorer_steer_it(tmp_path, bundled):
    from musiclab.vae.model import MelodyVAEConfig, build_vae
    from widgets import LatentExplorer

    labels = bundled.metadata["region"]
    fits = np.isin(bundled.steps_per_bar, [8, 16])
    corpus = bundled.subset(np.flatnonzero((labels == "irish") & fits)[:30])
    keras.utils.set_random_seed(0)
    model = build_vae(dataclasses.replace(MelodyVAEConfig.smoke()), seed=0)
    store = ResultsStore(tmp_path / "likes.db")
    explorer = LatentExplorer(model, corpus, debounce=0, feedback=store)
    assert explorer.taste.disabled and explorer.preference is None
    explorer.feedback_bar.up.click()
    liked = explorer.current_code()
    explorer.tune_a.value = 5
    explorer.feedback_bar.down.click()
    disliked = explorer.current_code()
    assert not explorer.taste.disabled
    np.testing.assert_allclose(explorer.preference, liked - disliked, atol=1e-5)
    before = explorer.current_code()
    explorer.taste.value = 1.0
    np.testing.assert_allclose(explorer.current_code(), before + liked - disliked, atol=1e-5)
    explorer.feedback_bar.more.click()
    assert np.linalg.norm(explorer.variation) > 0
    frame = store.feedback()
    assert frame["rating"].tolist() == [1, -1, 2] and "liked 2 · disliked 1" in \
        explorer.feedback_bar.counts.value
    assert frame["source"].unique().tolist() == [f"LatentExplorer:{model.name}"]
    assert len(frame["tokens"][0]) == len(explorer.melody)
    again = LatentExplorer(model, corpus, debounce=0, feedback=store)  # remembered
    assert not again.taste.disabled


def test_more_like_this_in_the_sampler_plays_the_reranked_best(tmp_path, shipped):
    from musiclab.wavenet.model import WaveNetConfig, build_wavenet
    from widgets import SequenceSampler

    store = ResultsStore(tmp_path / "likes.db")
    sampler = SequenceSampler(build_wavenet(WaveNetConfig.smoke("melody")), feedback=store,
                              judge=shipped[1])
    sampler.length.value = 32
    sampler.more_like_this()  # nothing rated yet: the next seed, and a hint
    assert "rate a few" in sampler.status.value
    sampler.feedback_bar.up.click()
    sampler.generate_new()
    sampler.feedback_bar.down.click()
    result = sampler.more_like_this()
    assert result is not None and result.shape == (32,)
    assert "the best of 8 candidates by your 2 ratings" in sampler.status.value
