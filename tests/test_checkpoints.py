"""Model files and training runs under damage: every refusal is one line naming the file."""

import json
import zipfile

import numpy as np
import pytest

from musiclab.errors import MusiclabError
from musiclab.nn.config import CONFIG_ENTRY, config_of, load_model, read_extra, save_model
from musiclab.nn.loop import run_training
from musiclab.wavenet.model import WaveNetConfig, build_wavenet, load_wavenet


def _rewrite(source, target, change):
    """Copy a zip archive, passing each entry's bytes through ``change(name, data)``."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            new.writestr(item, change(item.filename, old.read(item.filename)))


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    model = build_wavenet(WaveNetConfig.smoke("melody"))
    return model, save_model(model, folder / "wavenet.keras")


def test_damaged_bytes_fail_the_checksum(saved, tmp_path):
    _, path = saved
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        entry = archive.getinfo("model.weights.h5")
    middle = entry.header_offset + 30 + len(entry.filename) + entry.compress_size // 2
    data[middle] ^= 0xFF
    (tmp_path / "bitrot.keras").write_bytes(bytes(data))
    with pytest.raises(MusiclabError, match=r"bitrot.keras: damaged model file \(bad checksum "
                                            r"in model.weights.h5\)"):
        load_wavenet(tmp_path / "bitrot.keras")


def test_non_finite_weights_are_refused(saved, tmp_path):
    model, _ = saved
    weights = model.get_weights()
    broken = [weight.copy() for weight in weights]
    broken[0].flat[:8] = np.nan
    model.set_weights(broken)
    try:
        save_model(model, tmp_path / "nan.keras")
    finally:
        model.set_weights(weights)
    with pytest.raises(MusiclabError, match=r"nan.keras: damaged model file \(8 weights are not "
                                            r"finite\)"):
        load_wavenet(tmp_path / "nan.keras")


def test_a_file_that_unpacks_too_large_is_refused_before_it_is_read(saved):
    _, path = saved
    with pytest.raises(MusiclabError, match=r"wavenet.keras: unpacks to .* MB, more than the "
                                            r"limit of 0 MB \(pass max_bytes="):
        load_model(path, WaveNetConfig, max_bytes=1000)


@pytest.mark.parametrize("entry, message", [
    ({"kind": "wavenet", "config": {"head": "pianoroll"}},
     "the model does not fit its config: head 'pianoroll', but the model predicts 90"),
    ({"kind": "wavenet", "config": {"steps_per_quarter": 0}}, "steps_per_quarter: must be at"),
    ({"kind": "wavenet", "config": {"channels": "wide"}}, "channels: expected a whole number"),
    ({"kind": "wavenet", "config": {"dropout": float("nan")}}, "dropout: must be a finite"),
    ({"kind": "wavenet", "config": []}, "expected a JSON object"),
    ({"kind": "melody_vae", "config": {}}, "a melody_vae model, not a wavenet"),
])
def test_a_tampered_config_inside_the_file_gives_one_line(saved, tmp_path, entry, message):
    _, path = saved

    def change(name, data):
        return json.dumps(entry).encode() if name == CONFIG_ENTRY else data

    _rewrite(path, tmp_path / "tampered.keras", change)
    with pytest.raises(MusiclabError) as error:
        load_wavenet(tmp_path / "tampered.keras")
    assert message in str(error.value) and "tampered.keras" in str(error.value)
    assert "\n" not in str(error.value)


def _run(folder, steps, losses=None, extra_state=None):
    config = WaveNetConfig.smoke("melody")
    values = iter(losses or [])

    def train_batch(model, rng):
        return next(values, 1.0)

    return run_training(folder, config, build=lambda: build_wavenet(config),
                        train_batch=train_batch, validate=lambda model: {"valid_loss": 1.0},
                        steps=steps, checkpoint_every=2, progress=False,
                        extra_state=extra_state)


def test_the_state_travels_inside_the_checkpoint(tmp_path):
    model, state = _run(tmp_path, 4, extra_state=lambda model: {"notes.bin": b"\x01\x02"})
    inside = json.loads(read_extra(tmp_path / "model.keras", "state.json"))
    assert inside["steps_done"] == 4 and inside == json.loads((tmp_path / "state.json").read_text())
    assert read_extra(tmp_path / "model.keras", "notes.bin") == b"\x01\x02"
    assert json.loads(read_extra(tmp_path / "best.keras", "state.json")) == {"step": 2}
    assert config_of(load_wavenet(tmp_path / "model.keras")) == WaveNetConfig.smoke("melody")
    # a kill between writes: a stale temporary file, and a readable copy of another step
    (tmp_path / ".model.keras.x1y2.tmp").write_bytes(b"half a file")
    (tmp_path / "state.json").write_text(json.dumps({**inside, "steps_done": 600}))
    _, resumed = _run(tmp_path, 6)
    assert [entry["step"] for entry in resumed["history"]] == [2, 4, 6]
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("state", ["{}", "[]", '{"steps_done": "6", "history": []}',
                                   '{"steps_done": -1, "history": []}', "not json"])
def test_a_damaged_training_state_gives_one_line(tmp_path, state):
    _run(tmp_path, 2)

    def change(name, data):
        return state.encode() if name == "musiclab_state.json" else data

    _rewrite(tmp_path / "model.keras", tmp_path / "damaged.keras", change)
    (tmp_path / "damaged.keras").replace(tmp_path / "model.keras")
    with pytest.raises(MusiclabError, match=r"model.keras: unreadable training state .*use a new "
                                            r"folder"):
        _run(tmp_path, 4)


def test_the_nan_message_says_what_was_kept(tmp_path):
    with pytest.raises(MusiclabError, match="loss became NaN at step 1; no checkpoint was "
                                            "written yet"):
        _run(tmp_path / "first", 4, losses=[float("nan")])
    assert not (tmp_path / "first" / "model.keras").exists()
    with pytest.raises(MusiclabError, match="loss became NaN at step 3; the checkpoint of step 2 "
                                            "is kept: resume with another seed"):
        _run(tmp_path / "later", 4, losses=[1.0, 1.0, float("nan")])
    assert json.loads(read_extra(tmp_path / "later" / "model.keras",
                                 "state.json"))["steps_done"] == 2


def test_a_run_killed_at_any_moment_resumes_from_a_whole_checkpoint(tmp_path):
    """Kill training (SIGKILL) at three moments; every time the checkpoint loads, its state
    is its own step's, and running again resumes from it."""
    import signal
    import subprocess
    import sys
    import time

    folder = tmp_path / "run"
    def command(steps):
        return [sys.executable, "-m", "musiclab", "train", "harmony", "--smoke", "--steps",
                str(steps), "--checkpoint-every", "3", "--out", str(folder)]

    for delay in (0.3, 0.9, 1.7):
        process = subprocess.Popen(command(400), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        while not (folder / "model.keras").exists() and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(delay)  # somewhere in a chunk, a validation or a write
        process.send_signal(signal.SIGKILL)
        process.wait()
        state = json.loads(read_extra(folder / "model.keras", "state.json"))
        assert state["history"][-1]["step"] == state["steps_done"] > 0
        # no half-written model file under its name (a kill in the middle of a write may
        # leave the hidden temporary file, which the next run removes: checked below)
        assert not [path for path in folder.glob("*.keras.*") if not path.name.startswith(".")]
    finished = subprocess.run(command(state["steps_done"] + 6), capture_output=True, text=True,
                              timeout=300)
    assert finished.returncode == 0, finished.stderr[-2000:]
    resumed = json.loads(read_extra(folder / "model.keras", "state.json"))
    steps = [entry["step"] for entry in resumed["history"]]
    assert steps == sorted(steps) and steps[:len(state["history"])] == \
        [entry["step"] for entry in state["history"]]
    assert not list(folder.glob(".*.tmp"))
