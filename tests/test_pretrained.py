"""Publishing a training run as a pretrained model with a model card."""

import json

import numpy as np


def test_publish_writes_weights_config_and_card(tmp_path):
    from musiclab.models.melody_vae import MelodyVAEConfig, load_vae
    from musiclab.models.pretrained import publish
    from musiclab.training import corpus_windows, train_vae

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
