"""The shipped pre-encoded corpus must match what the music21 sources give today."""

import random

import numpy as np

from musiclab.data import catalogue
from musiclab.data.build import encode_tunes
from musiclab.data.bundled import bundled_report


def test_a_sample_rebuilt_from_music21_matches_the_bundle(bundled):
    rng = random.Random(7)
    sample = []
    for name in ("bach", "essen", "oneill", "ryan"):
        sample += rng.sample(catalogue(name), 6)
    rebuilt = encode_tunes(sample, workers=1, progress=False)
    report = bundled_report()
    dropped = {tune_id for entries in report.dropped.values() for tune_id, _ in entries}
    compared = 0
    for item in rebuilt:
        tune_id = item.tune.id
        if item.drop:
            assert tune_id in dropped, f"{tune_id} dropped now ({item.drop}) but bundled"
            continue
        index = bundled.index_of(tune_id)
        np.testing.assert_array_equal(bundled.tune_tokens(index), item.tokens, err_msg=tune_id)
        info = bundled.info(index)
        assert (info["title"], info["meter"], info["key"]) == (
            item.tune.title, item.tune.meter, item.tune.key)
        assert int(bundled.steps_per_bar[index]) == item.steps_per_bar
        np.testing.assert_array_equal(bundled.tune_downbeats(index), item.downbeats)
        if item.satb is not None:
            np.testing.assert_array_equal(bundled.tune_satb(index), item.satb)
        compared += 1
    assert compared >= 18


def test_bundled_report_accounts_for_every_tune(bundled):
    report = bundled_report()
    total = sum(len(catalogue(name)) for name in ("bach", "essen", "oneill", "ryan"))
    dropped = sum(len(entries) for entries in report.dropped.values())
    assert report.total == total and report.kept == len(bundled) == total - dropped
