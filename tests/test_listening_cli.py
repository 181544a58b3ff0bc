"""``musiclab listen``: create from YAML, report, and one-line errors for what cannot be used."""

import re

import pytest

from musiclab.cli import main
from musiclab.listening import ResultsStore
from musiclab.listening.serve import voila_command
from musiclab.listening.simulate import simulate_class
from tests.test_listening_designs import QUALITY, wav_bytes


@pytest.fixture()
def design_file(tmp_path):
    for index in range(3):
        (tmp_path / f"real{index}.wav").write_bytes(wav_bytes(220 + 30 * index))
        (tmp_path / f"vae{index}.wav").write_bytes(wav_bytes(330 + 30 * index))
    (tmp_path / "noise.wav").write_bytes(wav_bytes(900))
    path = tmp_path / "test.yaml"
    path.write_text("name: class test\nkind: turing\nanchor: shuffled\nsystems:\n"
                    "  real: [real0.wav, real1.wav, real2.wav]\n"
                    "  vae: [vae0.wav, vae1.wav, vae2.wav]\n  shuffled: [noise.wav]\n")
    return path


def test_create_then_report_with_files(design_file, tmp_path, capsys):
    database = tmp_path / "class.db"
    assert main(["listen", "create", str(design_file), "--db", str(database)]) in (0, None)
    assert "test 'class test' (turing), 8 items, 2 attention checks" in capsys.readouterr().out
    simulate_class(ResultsStore(database), "class test", QUALITY, raters=10, careless=1)
    assert main(["listen", "report", str(database), "--out", str(tmp_path / "results")]) == 0
    out = capsys.readouterr().out
    assert "'class test' (turing): 10 raters" in out and "judged_human" in out
    assert "Krippendorff's alpha" in out
    written = sorted(path.name for path in (tmp_path / "results").iterdir())
    assert written == ["responses.csv", "summary.csv", "summary.png"]
    assert (tmp_path / "results" / "summary.png").read_bytes()[:4] == b"\x89PNG"
    argv, environment = voila_command(database, port=8899, host="127.0.0.1")
    assert argv[1:3] == ["-m", "voila"] and argv[3].endswith("listen_page.ipynb")
    assert "--port=8899" in argv and environment["MUSICLAB_LISTEN_TEST"] == "class test"


@pytest.mark.parametrize("arguments, message", [
    (["listen", "serve", "{tmp}/missing.db"], "missing.db: no such results database"),
    (["listen", "report", "{tmp}/notes.txt"], "notes.txt: not a results database"),
    (["listen", "serve", "{tmp}/two.db"], "--test: .*two.db holds 2 tests"),
    (["listen", "serve", "{tmp}/two.db", "--test", "third"], "holds no test 'third'"),
    (["listen", "serve", "{tmp}/two.db", "--test", "a", "--port", "70000"], "--port: between"),
    (["listen", "create", "{tmp}/missing.yaml", "--db", "{tmp}/x.db"],
     "missing.yaml: not a readable YAML design"),
])
def test_unusable_input_gets_one_line(arguments, message, tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("not a database, " * 100)
    store = ResultsStore(tmp_path / "two.db")
    store.create_test("a", design={"kind": "turing", "items": []})
    store.create_test("b", design={"kind": "turing", "items": []})
    code = main([part.replace("{tmp}", str(tmp_path)) for part in arguments])
    error = capsys.readouterr().err
    assert code != 0 and len(error.strip().splitlines()) == 1

    assert re.search(message, error), error
