import numpy as np
import pytest

from musiclab.data import Corpus, transpose_windows
from musiclab.data.melody import FIRST_PITCH_TOKEN, HOLD, VOCABULARY_SIZE
from musiclab.errors import MusiclabError


def test_bundled_corpus_has_every_collection(bundled):
    summary = bundled.summary()
    assert set(summary) == {"bach", "essen", "oneill", "ryan"}
    assert summary["essen"]["chinese"] > 1000
    assert sum(summary["bach"].values()) > 300
    assert len(bundled) > 10000
    chorale = bundled.select(collection="bach")
    assert all(chorale.info(i)["has_satb"] for i in range(0, len(chorale), 25))


def test_windows_are_whole_bars_that_start_with_a_note_or_rest(bundled):
    folk = bundled.select(collection="essen", region="chinese")
    windows = folk.windows(bars=2, steps_per_bar=16)
    assert windows.tokens.shape[1] == 32 and len(windows) > 1000
    assert (windows.tokens[:, 0] != HOLD).all()
    assert ((windows.tokens >= FIRST_PITCH_TOKEN).any(axis=1)).all()
    assert windows.tokens.max() < VOCABULARY_SIZE
    assert windows.skipped["unsupported meter"] > 0


def test_split_is_by_piece_deterministic_and_leak_free(bundled):
    labels = bundled.split_of(valid=0.1, test=0.1, seed=0)
    assert (labels == bundled.split_of(valid=0.1, test=0.1, seed=0)).all()
    assert not (labels == bundled.split_of(valid=0.1, test=0.1, seed=1)).all()
    pieces = {}
    for piece, label in zip(bundled.metadata["piece"], labels):
        pieces.setdefault(piece, set()).add(label)
    assert all(len(found) == 1 for found in pieces.values())
    fractions = {name: np.mean(labels == name) for name in ("train", "valid", "test")}
    assert 0.07 < fractions["test"] < 0.13 and 0.07 < fractions["valid"] < 0.13
    splits = bundled.select(collection="ryan").split()
    ids = [set(part.metadata["id"]) for part in splits.values()]
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])
    # a subset keeps each tune's split: the split does not depend on the rest of the corpus
    ryan = bundled.select(collection="ryan")
    whole = dict(zip(bundled.metadata["id"], labels))
    assert all(whole[i] == s for i, s in zip(ryan.metadata["id"], ryan.split_of()))


def test_transposition_augmentation_stays_in_range():
    low, high = FIRST_PITCH_TOKEN, VOCABULARY_SIZE - 1
    windows = np.array([[low + 3, HOLD, low + 10], [high - 1, HOLD, high - 2]])
    shifted, keep = transpose_windows(windows, [-5, 0, 2])
    assert keep.tolist() == [False, True, True, True, True, False]
    assert shifted.min() >= 0 and shifted[shifted > 1].max() <= high
    assert shifted.shape == (4, 3)


def test_select_and_index_errors(bundled):
    with pytest.raises(ValueError, match="region: no tunes with"):
        bundled.select(region="martian")
    with pytest.raises(KeyError, match="no tune"):
        bundled.index_of("nope")
    with pytest.raises(IndexError, match="index"):
        bundled.info(len(bundled))


def test_save_load_round_trip_and_corrupt_file(tmp_path, bundled):
    small = bundled.select(collection="ryan").subset(np.arange(20))
    path = small.save(tmp_path / "small.npz")
    loaded = Corpus.load(path)
    assert (loaded.tokens == small.tokens).all() and list(loaded.metadata["title"]) == list(
        small.metadata["title"])
    broken = tmp_path / "broken.npz"
    broken.write_bytes(path.read_bytes()[:300])
    with pytest.raises(MusiclabError, match="broken.npz"):
        Corpus.load(broken)
    other = tmp_path / "other.npz"
    np.savez(other, x=np.zeros(3))
    with pytest.raises(MusiclabError, match="not a musiclab corpus"):
        Corpus.load(other)


def test_stream_and_pianoroll_of_a_tune(bundled):
    index = bundled.index_of("essen/han1.abc#1")
    part = bundled.stream(index)
    assert part.metadata.title == "Renmin gongshe shizai hao"
    roll = bundled.pianoroll(index)
    assert roll.shape == (len(bundled.tune_tokens(index)), 88) and roll.any(axis=1).mean() > 0.5


def test_streams_keep_the_pickup_and_the_notes(bundled):
    from musiclab.data import encode_melody, encode_satb

    index = bundled.index_of("oneill/0001-0050.abc#2")
    assert bundled.pickup(index) == 2
    part = bundled.stream(index)
    first_bar = part.getElementsByClass("Measure").first()
    assert first_bar.duration.quarterLength == 0.5 and first_bar.paddingLeft == 1.5
    tokens, _ = encode_melody(part)
    np.testing.assert_array_equal(tokens, bundled.tune_tokens(index))
    chorale = bundled.index_of("bach/bwv269.mxl#R1")
    score = bundled.satb_stream(chorale)
    assert bundled.pickup(chorale) == 4
    np.testing.assert_array_equal(encode_satb(score), bundled.tune_satb(chorale))
