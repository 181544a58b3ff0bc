import subprocess
import sys
import wave

import pytest

from musiclab.cli import main


def run(capsys, *argv):
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_corpus_list_shows_collections_with_counts(capsys):
    status, out, _ = run(capsys, "corpus", "list")
    assert status == 0
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:]}
    assert set(rows) == {"bach", "essen", "oneill", "ryan", "all"}
    assert rows["bach"][1] == "371"
    assert int(rows["essen"][2]) > 7000 and "chinese" in out


def test_corpus_build_prints_the_drop_report(capsys, mixed_folder, tmp_path):
    status, out, _ = run(capsys, "corpus", "build", str(mixed_folder), "--cache-dir",
                         str(tmp_path / "c"), "--out", str(tmp_path / "mine.npz"))
    assert status == 0
    assert "4 of 10 tunes kept, 6 dropped" in out
    assert "unparseable: 3" in out and "truncated.mid" in out
    assert (tmp_path / "mine.npz").exists()


def test_render_writes_a_wav(capsys, good_abc, tmp_path):
    out_file = tmp_path / "sub" / "reel.wav"
    status, out, err = run(capsys, "render", str(good_abc), "--out", str(out_file),
                           "--instrument", "fiddle")
    assert status == 0, err
    with wave.open(str(out_file)) as reader:
        assert reader.getnframes() / reader.getframerate() > 3.5


def test_render_a_corpus_tune_by_id(capsys, tmp_path):
    status, _, err = run(capsys, "render", "essen/han1.abc#1", "--out", str(tmp_path / "a.wav"))
    assert status == 0, err and (tmp_path / "a.wav").stat().st_size > 0


@pytest.mark.parametrize(
    "argv, message",
    [
        (["render", "nowhere.mid", "--out", "x.wav"], "nowhere.mid: no such file or corpus tune"),
        (["render", "x.mid"], "the following arguments are required: --out"),
        (["render", "essen/han1.abc#1", "--out", "x.mp3"], "--out must be a .wav file"),
        (["render", "essen/han1.abc#1", "--out", "x.wav", "--instrument", "kazoo"],
         "instrument: unknown 'kazoo'"),
        (["corpus", "build", "nosuch"], "nosuch: not a collection"),
        (["corpus", "build", "ryan", "--workers", "0"], "--workers must be at least 1"),
        (["corpus", "frobnicate"], "invalid choice"),
        (["dance"], "invalid choice"),
    ],
)
def test_bad_arguments_give_one_line_and_nonzero_exit(capsys, argv, message):
    status, _, err = run(capsys, *argv)
    assert status != 0
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_corrupt_input_file_names_it(capsys, mixed_folder, tmp_path):
    status, _, err = run(capsys, "render", str(mixed_folder / "truncated.mid"), "--out",
                         str(tmp_path / "x.wav"))
    assert status == 1 and "truncated.mid: truncated or corrupt MIDI" in err
    assert len(err.strip().splitlines()) == 1


def test_console_script_entry_point():
    result = subprocess.run([sys.executable, "-m", "musiclab", "render"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2 and result.stderr.count("\n") == 1


def test_train_vae_smoke_then_resume(capsys, tmp_path):
    argv = ["train", "vae", "--corpus", "ryan", "--steps", "4", "--batch-size", "8",
            "--out", str(tmp_path / "run"), "--smoke"]
    status, out, err = run(capsys, *argv)
    assert status == 0, err
    assert "step 4 on tensorflow on CPU" in out and (tmp_path / "run" / "model.keras").exists()
    status, out, _ = run(capsys, *argv[:4], "--steps", "6", *argv[6:])
    assert status == 0 and "step 6 on" in out


def test_train_vae_bad_arguments(capsys, tmp_path):
    status, _, err = run(capsys, "train", "vae", "--steps", "0", "--out", str(tmp_path))
    assert status == 2 and "--steps must be at least 1" in err
    status, _, err = run(capsys, "train", "vae", "--steps", "5", "--minutes", "0",
                         "--out", str(tmp_path))
    assert status == 2 and "--minutes must be positive" in err
    status, _, err = run(capsys, "train", "diffusion", "--steps", "3", "--out", str(tmp_path))
    assert status == 2 and "invalid choice" in err


def test_generate_and_interpolate_write_midi_and_wav(capsys, tmp_path):
    run_folder = tmp_path / "run"
    status, _, err = run(capsys, "train", "vae", "--corpus", "ryan", "--steps", "2",
                         "--batch-size", "8", "--out", str(run_folder), "--smoke")
    assert status == 0, err
    status, out, err = run(capsys, "generate", "--out", str(tmp_path / "gen"), "--count", "3",
                           "--model", str(run_folder), "--seed", "4")
    assert status == 0, err
    names = sorted(path.name for path in (tmp_path / "gen").iterdir())
    assert names == ["sample.mid", "sample.wav", "sample_1.mid", "sample_2.mid", "sample_3.mid"]
    status, out, err = run(capsys, "interpolate", "essen/han1.abc#1", "ryan/AcaciaReel.abc#1",
                           "--out", str(tmp_path / "morph"), "--count", "4", "--model",
                           str(run_folder))
    assert status == 0, err and "wrote 4 melodies" in out
    with wave.open(str(tmp_path / "morph" / "interpolation.wav")) as reader:
        seconds = reader.getnframes() / reader.getframerate()
    assert abs(seconds - 4 * 8 * 60 / 100) < 0.5  # four 2-bar melodies at 100 bpm
    status, _, err = run(capsys, "interpolate", "essen/han1.abc#1", "nowhere.mid", "--out",
                         str(tmp_path / "x"), "--model", str(run_folder))
    assert status == 2 and "nowhere.mid: no such file or corpus tune id" in err


def test_every_training_command_has_the_same_options_and_one_line_errors(capsys):
    from musiclab.cli import build_parser

    train = next(action for action in build_parser()._subparsers._group_actions[0]
                 .choices["train"]._subparsers._group_actions)
    assert set(train.choices) >= {"vae", "wavenet", "gan", "classifier", "harmony"}
    for name, parser in train.choices.items():
        options = {option for action in parser._actions for option in action.option_strings}
        assert {"--steps", "--minutes", "--out", "--backend", "--batch-size", "--seed",
                "--smoke"} <= options, name
        status, out, err = run(capsys, "train", name, "--steps", "0", "--out", "x")
        assert status == 2 and err.strip() == "musiclab: --steps must be at least 1", name
        status, out, err = run(capsys, "train", name, "--steps", "1", "--out", "x",
                               "--backend", "torch")
        assert status == 2 and len(err.strip().splitlines()) == 1 and "--backend" in err, name


@pytest.mark.parametrize("argv, message", [
    (["train", "vae", "--steps", "5", "--out", "x", "--minutes", "nan"],
     "argument --minutes: must be a finite number, got nan"),
    (["train", "gan", "--steps", "5", "--out", ""], "argument --out: must name a file or folder"),
    (["train", "harmony", "--steps", "5", "--out", "x", "--checkpoint-every", "0"],
     "--checkpoint-every must be at least 1"),
    (["train", "classifier", "--steps", "5", "--out", "x", "--batch-size", "100000000"],
     "--batch-size must be at most 4096"),
    (["generate", "--out", "x", "--temperature", "inf"],
     "argument --temperature: must be a finite number, got inf"),
    (["generate", "--out", "x", "--tempo", "0"], "--tempo must be positive"),
    (["generate", "--out", "x", "--count", "100000000000"], "--count would need about"),
    (["sample", "--model", "m", "--out", "x", "--length", "10000000000"],
     "--count and --length would need about"),
    (["render", "tune.abc", "--out", ""], "argument --out: must name a file or folder"),
])
def test_bad_numbers_empty_paths_and_sizes_get_one_line(capsys, argv, message):
    status, out, err = run(capsys, *argv)
    assert status == 2 and message in err and len(err.strip().splitlines()) == 1, err


def test_checkpoint_every_sets_how_much_a_kill_can_lose(capsys, tmp_path):
    import json

    status, _, err = run(capsys, "train", "harmony", "--smoke", "--steps", "4",
                         "--checkpoint-every", "2", "--out", str(tmp_path))
    assert status == 0, err
    history = json.loads((tmp_path / "state.json").read_text())["history"]
    assert [entry["step"] for entry in history] == [2, 4]
