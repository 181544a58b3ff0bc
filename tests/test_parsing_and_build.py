import json

import pytest

from musiclab.data import build_corpus, load_file
from musiclab.errors import MusicFileError, MusiclabError


@pytest.mark.parametrize(
    "name, message",
    [
        ("empty.abc", "file is empty"),
        ("nonotes.abc", "contains no notes"),
        ("garbage.mid", "not a MIDI file"),
        ("truncated.mid", "truncated or corrupt MIDI"),
        ("binary.xml", "binary data where text was expected"),
        ("notes.txt", "unsupported file type .txt"),
        ("missing.mid", "no such file"),
    ],
)
def test_bad_file_alone_gives_an_error_naming_it(mixed_folder, name, message):
    with pytest.raises(MusicFileError) as caught:
        load_file(mixed_folder / name)
    text = str(caught.value)
    assert text.startswith(str(mixed_folder / name)) and message in text
    assert "\n" not in text


def test_good_files_load(mixed_folder):
    assert len(load_file(mixed_folder / "scale.mid").recurse().notes) == 8
    second = load_file(mixed_folder / "tunes.abc", number=2)
    assert second.metadata.title == "Second Tune"
    with pytest.raises(MusicFileError, match="no tune X:7"):
        load_file(mixed_folder / "tunes.abc", number=7)


def test_mixed_folder_builds_with_a_correct_report(mixed_folder, tmp_path):
    corpus, report = build_corpus(mixed_folder, cache_dir=tmp_path / "cache", progress=False,
                                  verbose=False)
    assert report.total == 10 and report.kept == 4 and len(corpus) == 4
    dropped = {reason: sorted(tune_id for tune_id, _ in entries)
               for reason, entries in report.dropped.items()}
    assert dropped == {
        "unparseable": ["binary.xml", "garbage.mid", "truncated.mid"],
        "empty": ["empty.abc", "nonotes.abc"],
        "too short": ["short.abc"],
    }
    assert [tune_id for tune_id, _ in report.flagged["polyphonic-reduced"]] == ["chords.mid"]
    assert sorted(corpus.metadata["id"]) == ["chords.mid", "scale.mid", "tunes.abc#1",
                                             "tunes.abc#2"]
    summary = report.summary()
    assert "6 dropped" in summary and "truncated.mid" in summary
    json.dumps(report.to_dict())


def test_build_is_cached_and_invalidated_when_inputs_change(mixed_folder, tmp_path):
    cache = tmp_path / "cache"
    first, _ = build_corpus(mixed_folder, cache_dir=cache, progress=False, verbose=False)
    cached = sorted(cache.glob("*.npz"))
    assert len(cached) == 1
    second, _ = build_corpus(mixed_folder, cache_dir=cache, progress=False, verbose=False)
    assert sorted(cache.glob("*.npz")) == cached
    assert (second.tokens == first.tokens).all()
    (mixed_folder / "tunes.abc").write_text((mixed_folder / "tunes.abc").read_text() + "\n")
    build_corpus(mixed_folder, cache_dir=cache, progress=False, verbose=False)
    assert len(list(cache.glob("*.npz"))) == 2
    build_corpus(mixed_folder, cache_dir=cache, progress=False, verbose=False, min_bars=1)
    assert len(list(cache.glob("*.npz"))) == 3


def test_folder_of_only_broken_files_says_why_it_is_empty(tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "a.mid").write_bytes(b"junk" * 10)
    with pytest.raises(MusiclabError, match="no usable tunes") as caught:
        build_corpus(folder, use_cache=False, progress=False, verbose=False)
    assert "a.mid" in str(caught.value)


def test_parallel_build_matches_serial(tmp_path):
    from musiclab.data import catalogue
    from musiclab.data.build import encode_tunes

    tunes = catalogue("essen")[:40]
    serial = encode_tunes(tunes, workers=1, progress=False)
    parallel = encode_tunes(tunes, workers=2, progress=False)
    assert [r.tune.id for r in serial] == [r.tune.id for r in parallel]
    for a, b in zip(serial, parallel):
        assert a.drop == b.drop
        assert (a.tokens is None and b.tokens is None) or (a.tokens == b.tokens).all()


def test_huge_and_fake_compressed_files_are_refused(tmp_path):
    huge = tmp_path / "huge.mid"
    with open(huge, "wb") as stream:
        stream.truncate(25 * 1024 * 1024)
    with pytest.raises(MusicFileError, match=r"huge.mid: file is too large \(26 MB"):
        load_file(huge)
    fake = tmp_path / "score.mxl"
    fake.write_text("<score-partwise/>")
    with pytest.raises(MusicFileError, match="score.mxl: not a compressed MusicXML"):
        load_file(fake)
