"""Training runs: checkpoints, resume, NaN, device report."""

import json

import numpy as np
import pytest

from musiclab.errors import MusiclabError


@pytest.fixture(scope="module")
def tokens(bundled):
    windows = bundled.select(collection="essen", region="chinese").windows(bars=2).tokens
    return windows[:96], windows[96:128]


def test_train_checkpoints_and_resumes(tokens, tmp_path):
    from musiclab.vae.model import MelodyVAEConfig
    from musiclab.vae.training import train_vae

    train, valid = tokens
    config = MelodyVAEConfig.smoke()
    model, state = train_vae(config, train, valid, steps=6, folder=tmp_path, batch_size=16,
                             checkpoint_every=3, progress=False)
    assert state["steps_done"] == 6 and [e["step"] for e in state["history"]] == [3, 6]
    assert (tmp_path / "model.keras").exists() and (tmp_path / "config.json").exists()
    assert json.loads((tmp_path / "state.json").read_text())["steps_done"] == 6
    assert state["device"].startswith("tensorflow on ")
    assert all(entry["kl_bits"] >= 0 for entry in state["history"])
    _, resumed = train_vae(config, train, valid, steps=9, folder=tmp_path, batch_size=16,
                           checkpoint_every=3, progress=False)
    assert [e["step"] for e in resumed["history"]] == [3, 6, 9]
    assert not list(tmp_path.glob("*.tmp"))
    other = MelodyVAEConfig(latent_dim=4, embedding_dim=4, encoder_units=8, decoder_units=8)
    with pytest.raises(MusiclabError, match="another configuration"):
        train_vae(other, train, valid, steps=3, folder=tmp_path, progress=False)


def test_time_limit_stops_within_a_checkpoint_interval(tokens, tmp_path):
    from musiclab.vae.model import MelodyVAEConfig
    from musiclab.vae.training import train_vae

    train, valid = tokens
    _, state = train_vae(MelodyVAEConfig.smoke(), train, valid, steps=100_000, folder=tmp_path,
                         batch_size=16, checkpoint_every=100_000, progress=False,
                         time_limit=1e-6)
    assert state["steps_done"] == 1 and [e["step"] for e in state["history"]] == [1]
    assert json.loads((tmp_path / "state.json").read_text())["steps_done"] == 1
    assert (tmp_path / "best.keras").exists()
    _, resumed = train_vae(MelodyVAEConfig.smoke(), train, valid, steps=100_000,
                           folder=tmp_path, batch_size=16, checkpoint_every=100_000,
                           progress=False, time_limit=1e-6)
    assert resumed["steps_done"] == 1 and len(resumed["history"]) == 1


def test_nan_stops_with_a_clear_message(tokens, tmp_path):
    from musiclab.vae.model import MelodyVAEConfig
    from musiclab.vae.training import train_vae

    train, valid = tokens
    config = MelodyVAEConfig.smoke()
    config = type(config)(**{**config.__dict__, "learning_rate": float("nan")})
    with pytest.raises(MusiclabError, match="loss became NaN at step"):
        train_vae(config, train, valid, steps=4, folder=tmp_path, batch_size=16,
                  checkpoint_every=2, progress=False)


def test_bad_shapes_name_the_argument(tokens, tmp_path):
    from musiclab.vae.model import MelodyVAEConfig
    from musiclab.vae.training import train_vae

    train, valid = tokens
    with pytest.raises(ValueError, match=r"valid_tokens: expected shape \(n, 32\)"):
        train_vae(MelodyVAEConfig.smoke(), train, valid[:, :8], steps=2, folder=tmp_path)
    assert np.ndim(train) == 2
