"""The models that ship in the package: cards, sizes, loading, the list command, publishing."""

import json
import subprocess
import sys

import pytest

from musiclab import shipped

CARD_FIELDS = {"name", "command", "data", "config", "steps", "training_seconds", "held_out",
               "size_bytes"}
MAX_TOTAL_BYTES = 30 * 2**20


def test_every_shipped_model_has_a_card_and_weights_within_the_size_budget():
    names = shipped.names()
    assert {"melody_vae_2bar", "melody_transformer", "melody_wavenet"} <= set(names)
    total = 0
    for name in names:
        card = shipped.card(name)
        assert CARD_FIELDS <= set(card), (name, CARD_FIELDS - set(card))
        assert card["command"].startswith("musiclab train "), name
        assert card["held_out"], name
        path = shipped.model_path(name)
        assert path.stat().st_size == card["size_bytes"], name
        total += card["size_bytes"]
    assert total <= MAX_TOTAL_BYTES, total / 2**20


@pytest.mark.parametrize("name", shipped.names())
def test_every_shipped_model_loads_as_the_kind_its_card_names(name):
    from musiclab.nn.config import config_of
    from musiclab.nn.publish import load_shipped

    model = load_shipped(name)
    card = shipped.card(name)
    assert config_of(model).kind == shipped.table()[shipped.names().index(name)]["family"]
    assert json.loads(config_of(model).to_json()) == card["config"]


def test_models_list_shows_every_model_with_its_figures():
    result = subprocess.run([sys.executable, "-m", "musiclab.cli", "models", "list"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    for row in shipped.table():
        line = next(line for line in result.stdout.splitlines() if line.startswith(row["name"]))
        assert row["family"] in line and row["held_out"] in line
    assert f"{len(shipped.names())} models" in result.stdout
    assert result.stderr == ""  # no backend start-up noise


def test_an_unknown_name_is_a_one_line_error():
    from musiclab.errors import MusiclabError

    with pytest.raises(MusiclabError, match="nothing_here: no shipped model of that name"):
        shipped.card("nothing_here")


def test_publishing_a_run_writes_lean_weights_and_a_card(tmp_path, bundled):
    from musiclab import wavenet
    from musiclab.data import corpus_pieces
    from musiclab.nn.config import config_of, load_any
    from musiclab.nn.publish import publish_run

    pieces, labels, styles = corpus_pieces("all", "melody", styles=True)
    config = wavenet.WaveNetConfig.smoke("melody", styles)
    run = tmp_path / "run"
    wavenet.train(config, pieces["train"][:40], pieces["valid"][:8], steps=4, folder=run,
                  batch_size=4, train_labels=labels["train"][:40], progress=False,
                  valid_labels=labels["valid"][:8], checkpoint_every=2)
    card = publish_run(run, "tiny", command="musiclab train wavenet --smoke --steps 4",
                       destination=tmp_path / "shipped")
    folder = tmp_path / "shipped" / "tiny"
    assert (folder / "model.keras").stat().st_size < (run / "model.keras").stat().st_size
    assert card["family"] == "wavenet" and card["steps"] == 4
    assert card["held_out"]["token_nll"] > 0 and 0 <= card["held_out"]["accuracy"] <= 1
    assert card["data"]["test_pieces"] == len(pieces["test"])
    assert json.loads((folder / "model_card.json").read_text()) == card
    assert config_of(load_any(folder / "model.keras")) == config_of(load_any(run / "model.keras"))
    rows = shipped.table(tmp_path / "shipped")
    assert rows[0]["name"] == "tiny" and rows[0]["held_out"].startswith("test NLL")


def test_the_transformer_publishes_through_the_shared_path(tmp_path):
    from musiclab import transformer
    from musiclab.nn.config import config_of, load_any
    from musiclab.transformer.shipped import publish

    data = transformer.melody_data(styles=True)
    config = transformer.TransformerConfig.smoke(styles=data.styles,
                                                 content_size=data.content_size)
    run = tmp_path / "run"
    transformer.train_transformer(config, data, steps=2, folder=run, batch_size=2,
                                  checkpoint_every=2, progress=False)
    card = publish(run, "musiclab train transformer --smoke --steps 2",
                   destination=tmp_path / "shipped")
    assert card["family"] == "transformer" and card["steps"] == 2
    assert set(card["held_out"]) == {"valid", "test"}
    assert card["held_out"]["test"]["tokens"] == data.tokens("test")
    shipped_model = load_any(tmp_path / "shipped" / "melody_transformer" / "model.keras")
    assert config_of(shipped_model) == config
