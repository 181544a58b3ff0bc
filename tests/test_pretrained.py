"""Publishing a training run as a pretrained model with a model card."""

import json

import numpy as np


def test_publish_writes_weights_config_and_card(tmp_path):
    from musiclab.data import corpus_windows
    from musiclab.vae.model import MelodyVAEConfig, load_vae
    from musiclab.vae.shipped import publish
    from musiclab.vae.training import train_vae

    windows = corpus_windows("ryan", bars=2)
    run = tmp_path / "run"
    model, _ = train_vae(MelodyVAEConfig.smoke(), windows["train"][:200], windows["valid"],
                         steps=4, folder=run, batch_size=16, checkpoint_every=2, progress=False)
    card = publish(run, command="musiclab train vae --smoke", source="ryan", name="melody_vae_2bar",
                   destination=tmp_path / "package")
    folder = tmp_path / "package" / "melody_vae_2bar"
    assert json.loads((folder / "model_card.json").read_text()) == card
    assert card["steps"] == 4 and card["command"] == "musiclab train vae --smoke"
    assert card["data"]["test_windows"] == len(windows["test"])
    assert 0 <= card["held_out"]["teacher_forced_accuracy"] <= 1
    assert (folder / "model.keras").stat().st_size < (run / "model.keras").stat().st_size
    shipped = load_vae(folder / "model.keras")
    sample = windows["test"][:4]
    np.testing.assert_allclose(shipped.predict(sample, verbose=0),
                               model.predict(sample, verbose=0), atol=1e-5)


def test_the_shipped_model_loads_and_matches_its_card():
    from musiclab.vae import generate as generation
    from musiclab.vae.model import MelodyVAEConfig
    from musiclab.vae.shipped import PRETRAINED_ROOT, model_card, pretrained_vae

    card = model_card()
    folder = PRETRAINED_ROOT / "melody_vae_2bar"
    assert card["command"].startswith("musiclab train vae --corpus all --bars 2")
    assert card["size_bytes"] == (folder / "model.keras").stat().st_size <= 10_000_000
    assert set(card["held_out"]) == {"windows", "teacher_forced_accuracy",
                                     "free_running_accuracy", "kl_bits"}
    config = MelodyVAEConfig.from_json((folder / "config.json").read_text())
    assert card["config"] == json.loads(config.to_json())
    model = pretrained_vae()
    assert model.get_layer("encoder").input_shape[1] == config.steps
    melodies = generation.sample(model, 2, temperature=0.5, seed=0)
    assert melodies.shape == (2, config.steps) and (melodies >= 2).any()
