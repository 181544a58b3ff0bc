"""The WaveNet family for symbolic music: the whole model in this folder.

    from musiclab import wavenet
    config = wavenet.WaveNetConfig.default("melody", styles)     # receptive field 255 steps
    model, state = wavenet.train(config, pieces["train"], pieces["valid"], steps=6000,
                                 folder="runs/wavenet")
    tune = wavenet.generate(model, length=128, temperature=0.9, top_p=0.95, seed=1)

Files: ``model`` (config, gated residual blocks, the network), ``training`` (training and
held-out likelihood), ``sample`` (cached "fast WaveNet" and naive sampling), ``cli``.
"""

from musiclab.lazy import exports

__getattr__, __dir__ = exports(__name__, {
    "WaveNetConfig": "model:WaveNetConfig", "build_wavenet": "model:build_wavenet",
    "load": "model:load_wavenet", "load_wavenet": "model:load_wavenet",
    "receptive_field": "model:receptive_field", "blocks": "model:blocks",
    "GatedResidualBlock": "model:GatedResidualBlock",
    "train": "training:train_wavenet", "train_wavenet": "training:train_wavenet",
    "sequence_scores": "training:sequence_scores",
    "generate": "sample:generate", "step_model": "sample:step_model",
    "style_embedding_of": "sample:style_embedding_of",
})
