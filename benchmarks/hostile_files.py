"""Hostile but fair files: each must end within 10 s and 1 GB with a reason that names it, and a
folder holding them must keep every good tune.

    python benchmarks/hostile_files.py [--folder DIR]

Every file is made here, then opened in a fresh process the way a user would (``musiclab
render``, or loading a model file), timed, and its peak memory read from that process (maximum
resident set size, imports included). Last, a folder of all the music files and two good tunes
is built. Prints a table and the targets' verdicts.
"""

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import mido

TUNE = "X:{number}\nT:{title}\nM:4/4\nL:1/8\nK:G\nGABc dedB|dedB dedB|c2ec B2dB|A2A2 A4|\n"


def midi_file(path, notes, gap_seconds=0.0, together=False, seconds_per_note=0.5):
    midi = mido.MidiFile(ticks_per_beat=480)  # 120 quarter notes a minute: 960 ticks a second
    track = mido.MidiTrack()
    midi.tracks.append(track)
    step = int(seconds_per_note * 960)
    for index in range(notes):
        pitch = 36 + index % 60
        track.append(mido.Message("note_on", note=pitch, velocity=80, time=0))
        if not together:
            track.append(mido.Message("note_off", note=pitch, velocity=0, time=step))
    if together:
        for index in range(notes):
            track.append(mido.Message("note_off", note=36 + index % 60, velocity=0,
                                      time=step if index == 0 else 0))
    if gap_seconds:
        track.append(mido.Message("note_on", note=72, velocity=80, time=int(gap_seconds * 960)))
        track.append(mido.Message("note_off", note=72, velocity=0, time=480))
    midi.save(str(path))
    return path


def make_files(folder):
    """``{name: (path, how it is opened)}`` of the hostile files, and the good ones."""
    music, models = folder / "music", folder / "models"
    music.mkdir(parents=True)
    models.mkdir()
    files = {
        "10 h of silence in a 47-byte MIDI": midi_file(music / "gap.mid", 1, gap_seconds=36000),
        "20,001 notes": midi_file(music / "crowd.mid", 20_001),
        "10,000 notes at once": midi_file(music / "together.mid", 10_000, together=True),
        "50 minutes of notes": midi_file(music / "long.mid", 6000, seconds_per_note=0.5),
        "2 hours of notes": midi_file(music / "two_hours.mid", 14_400),
    }
    (music / "long.abc").write_text("X:1\nT:Long\nM:4/4\nL:1/16\nK:C\n"
                                    + "|".join(["cdef"] * 25_000) + "|\n")
    files["an ABC tune of 100,000 notes"] = music / "long.abc"
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("score.xml", b" " * (300 * 2**20))
    (music / "bomb.mxl").write_bytes(bomb.getvalue())
    files["a 300 KB .mxl that unzips to 300 MB"] = music / "bomb.mxl"
    (music / "numbers.abc").write_text(TUNE.format(number="²", title="Odd")
                                       + TUNE.format(number="9" * 5000, title="Huge")
                                       + TUNE.format(number=1, title="Again"))
    files["X:², a 5,000-digit X:"] = music / "numbers.abc"
    (music / "good.abc").write_text(TUNE.format(number=1, title="Good")
                                    + TUNE.format(number=2, title="Also good"))
    (music / os.fsdecode(b"caf\xe9.abc")).write_text(TUNE.format(number=1, title="Cafe"))
    files["a file name that is not UTF-8"] = music / os.fsdecode(b"caf\xe9.abc")
    huge = models / "huge.keras"
    with zipfile.ZipFile(huge, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("musiclab_config.json", json.dumps({"kind": "melody_vae", "config": {}}))
        with archive.open("model.weights.h5", "w", force_zip64=True) as entry:
            for _ in range(24):
                entry.write(bytes(64 * 2**20))  # 1.5 GB of zeros
    files["1.5 GB of weights in a small .keras"] = huge
    return files, music


PEAK = ("import atexit, resource, sys\n"
        "atexit.register(lambda: print('peak', resource.getrusage(resource.RUSAGE_SELF)"
        ".ru_maxrss // 1024, file=sys.stderr))\n")


def run(path, folder):
    """Open one file in a fresh process; ``(seconds, peak MB, exit status, last line)``."""
    if path.suffix == ".keras":
        code = PEAK + ("from musiclab import vae\ntry:\n    vae.load(sys.argv[1])\n"
                       "except Exception as error:\n    print('refused:', error); sys.exit(1)")
        command = [sys.executable, "-c", code, str(path)]
    else:
        code = PEAK + "from musiclab.cli import main\nsys.exit(main(sys.argv[1:]))"
        command = [sys.executable, "-c", code, "render", str(path), "--out",
                   str(folder / "out.wav")]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - started
    lines = (result.stdout + result.stderr).strip().splitlines()
    peak = next((float(line.split()[1]) for line in lines if line.startswith("peak ")), 0.0)
    lines = [line for line in lines if not line.startswith(
        ("I0000", "E0000", "W0000", "WARNING", "peak "))]
    return seconds, peak, result.returncode, (lines or [""])[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", default=None, help="where the files are made (default: temp)")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(arguments.folder or scratch)
        files, music = make_files(folder)
        worst_seconds = worst_peak = 0.0
        print(f"{'file':40} {'seconds':>8} {'peak MB':>8} {'exit':>5}  what it said")
        for name, path in files.items():
            seconds, peak, status, said = run(path, folder)
            worst_seconds, worst_peak = max(worst_seconds, seconds), max(worst_peak, peak)
            print(f"{name:40} {seconds:8.1f} {peak:8.0f} {status:5}  {said[:110]}")
        started = time.perf_counter()
        from musiclab.data import build_corpus

        corpus, report = build_corpus(str(music), use_cache=False, progress=False,
                                      verbose=False)
        build_seconds = time.perf_counter() - started
        print(f"\nfolder build: {build_seconds:.1f} s, kept {sorted(corpus.metadata['title'])}")
        print(report.summary(examples=None))
        good = {"Good", "Also good", "Odd", "Huge", "Again", "Cafe"}
        kept = good <= set(corpus.metadata["title"])
        print(f"\ntarget: every file ends within 10 s: worst {worst_seconds:.1f} s "
              f"({'met' if worst_seconds <= 10 else 'short'})")
        print(f"target: within 1 GB: largest peak {worst_peak:.0f} MB "
              f"({'met' if worst_peak <= 1024 else 'short'})")
        print(f"target: the folder keeps every good tune: {'met' if kept else 'short'}")


if __name__ == "__main__":
    main()
