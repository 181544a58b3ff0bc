"""Hostile but fair files, made here: every one ends quickly with a reason that names it, and
a folder holding them still keeps every good tune and accounts for every file."""

import io
import json
import os
import time
import zipfile

import mido
import pytest

from musiclab.cli import main
from musiclab.data import build_corpus, catalogue, encode_tune, load_file
from musiclab.data.corpus import split_abc
from musiclab.errors import MusicFileError

TUNE = "X:{number}\nT:{title}\nM:4/4\nL:1/8\nK:G\nGABc dedB|dedB dedB|c2ec B2dB|A2A2 A4|\n"


def _midi(path, notes=8, gap_ticks=0):
    """A one-track MIDI file: ``notes`` quarter notes, then one note after ``gap_ticks``."""
    midi = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    midi.tracks.append(track)
    for index in range(notes):
        track.append(mido.Message("note_on", note=60 + index % 12, velocity=80, time=0))
        track.append(mido.Message("note_off", note=60 + index % 12, velocity=0, time=480))
    if gap_ticks:
        track.append(mido.Message("note_on", note=72, velocity=80, time=gap_ticks))
        track.append(mido.Message("note_off", note=72, velocity=0, time=480))
    midi.save(str(path))
    return path


def test_odd_and_repeated_x_numbers_keep_every_tune_with_its_own_id():
    text = "".join(TUNE.format(number=number, title=title) for number, title in
                   (("1", "First"), ("²", "Odd"), ("9" * 5000, "Huge"), ("1", "Again")))
    numbers = [number for number, _ in split_abc(text)]
    assert numbers == [1, 2, 3, 4]
    assert [chunk.split("\n")[:2] for _, chunk in split_abc(text)] == \
        [["X:1", "T:First"], ["X:2", "T:Odd"], ["X:3", "T:Huge"], ["X:4", "T:Again"]]


def test_a_messy_folder_builds_every_good_tune_and_accounts_for_every_file(tmp_path):
    folder = tmp_path / "messy"
    folder.mkdir()
    (folder / "numbers.abc").write_text(
        TUNE.format(number=1, title="First") + TUNE.format(number="²", title="Odd")
        + TUNE.format(number=1, title="Again"))
    latin = "".join(TUNE.format(number=n, title=f"Chanson {n} é") for n in (1, 2, 3))
    (folder / "latin.abc").write_bytes(latin.encode("latin-1"))
    (folder / os.fsdecode(b"caf\xe9.abc")).write_text(TUNE.format(number=1, title="Cafe"))
    _midi(folder / "gap.mid", gap_ticks=480 * 2 * 3600 * 10)  # ten hours of silence
    _midi(folder / "crowd.mid", notes=20_001)
    (folder / "long.abc").write_text("X:1\nT:Long\nM:4/4\nL:1/16\nK:C\n"
                                     + "|".join(["cdef"] * 1200) + "|\n")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("score.xml", b" " * (60 * 2**20))
    (folder / "bomb.mxl").write_bytes(bomb.getvalue())
    (folder / "cover.jpg").write_bytes(b"\xff\xd8\xff")

    started = time.perf_counter()
    corpus, report = build_corpus(str(folder), cache_dir=tmp_path / "cache", workers=1,
                                  progress=False, verbose=False)
    assert time.perf_counter() - started < 60
    titles = sorted(corpus.metadata["title"])
    assert titles == ["Again", "Cafe", "Chanson 1 é", "Chanson 2 é", "Chanson 3 é", "First",
                      "Odd"]
    assert len(set(corpus.metadata["id"])) == 7
    assert "caf\\xe9.abc" in corpus.metadata["id"]
    too_large = dict(report.dropped["too large"])
    assert set(too_large) == {"gap.mid", "crowd.mid", "long.abc", "bomb.mxl"}
    assert "too long in seconds" in too_large["gap.mid"]
    assert "too many notes (20,001; the limit is 20,000" in too_large["crowd.mid"]
    assert "MAX_ABC_TUNE_CHARS" in too_large["long.abc"]
    assert "unzips to too many bytes" in too_large["bomb.mxl"]
    assert report.ignored == ["cover.jpg"]
    listed = {tune.path for tune in catalogue(str(folder))}
    assert {os.path.basename(path) for path in listed} | {"cover.jpg"} == \
        set(os.listdir(folder))  # every file: a tune, a reason or ignored
    again, _ = build_corpus(str(folder), cache_dir=tmp_path / "cache", progress=False,
                            verbose=False)  # the cached build, keyed by the names' bytes
    assert sorted(again.metadata["title"]) == titles


@pytest.mark.parametrize("make, message", [
    (lambda path: _midi(path.with_suffix(".mid"), gap_ticks=480 * 2 * 3600 * 10),
     "too long in seconds"),
    (lambda path: _midi(path.with_suffix(".mid"), notes=20_001), "too many notes"),
])
def test_hostile_files_are_refused_before_music21_reads_them(tmp_path, make, message):
    path = make(tmp_path / "hostile")
    started = time.perf_counter()
    with pytest.raises(MusicFileError, match=message):
        load_file(path)
    assert time.perf_counter() - started < 10


def test_a_tune_that_runs_out_of_time_is_dropped_as_too_slow(tmp_path):
    path = tmp_path / "tune.abc"
    path.write_text(TUNE.format(number=1, title="Slow"))
    (tune,) = catalogue(str(path))
    result = encode_tune(tune, seconds=1e-4)
    assert result.drop == ("too slow", "still reading after 0.0001 s")
    assert encode_tune(tune).drop is None


def test_corpus_build_names_every_file_on_request(tmp_path, capsys):
    folder = tmp_path / "many"
    folder.mkdir()
    (folder / "good.abc").write_text(TUNE.format(number=1, title="Good"))
    for index in range(6):
        (folder / f"empty{index}.abc").write_text("")
    report_file = tmp_path / "report.json"
    assert main(["corpus", "build", str(folder), "--cache-dir", str(tmp_path / "c"),
                 "--verbose", "--report", str(report_file)]) == 0
    out = capsys.readouterr().out
    assert all(f"empty{index}.abc" in out for index in range(6)) and "more" not in out
    saved = json.loads(report_file.read_text())
    assert saved["kept"] == 1 and len(saved["dropped"]["empty"]) == 6
    assert main(["corpus", "build", str(folder), "--cache-dir", str(tmp_path / "c")]) == 0
    assert "... and 3 more" in capsys.readouterr().out
