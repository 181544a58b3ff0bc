"""The Transformer family: a decoder-only Transformer over music tokens.

    from musiclab import transformer
    data = transformer.melody_data(styles=True)                  # the project's split
    config = transformer.TransformerConfig.default("melody", styles=data.styles)
    model, state = transformer.train(config, data, steps=3000, folder="runs/transformer")
    tunes = transformer.generate(model, length=256, temperature=0.9, style=0, seed=1)
    maps = transformer.attention_maps(model, tunes[0, :128], style=0)

Files: ``model`` (config, the decoder block with relative / rotary / absolute positions and
the skewing trick), ``tokens`` (melody, SATB and miditok REMI data with style prefixes),
``training`` (training, held-out likelihood, the LSTM baseline, the scaling law),
``sample`` (key-value-cached sampling in NumPy, attention maps), ``distributed``
(``keras.distribution`` across devices), ``shipped`` (the trained model and its card), ``cli``.
"""

from musiclab.lazy import exports

__getattr__, __dir__ = exports(__name__, {
    "TransformerConfig": "model:TransformerConfig", "build": "model:build",
    "build_transformer": "model:build_transformer", "load": "model:load",
    "load_transformer": "model:load_transformer", "DecoderBlock": "model:DecoderBlock",
    "relative_logits": "model:relative_logits", "parameter_count": "model:parameter_count",
    "generate": "sample:generate", "attention_maps": "sample:attention_maps",
    "NumpyTransformer": "sample:NumpyTransformer", "skew": "sample:skew",
    "LSTMConfig": "model:LSTMConfig",
    "melody_data": "tokens:melody_data", "satb_data": "tokens:satb_data",
    "jsb_data": "tokens:jsb_data", "remi_data": "tokens:remi_data",
    "train": "training:train_transformer", "train_transformer": "training:train_transformer",
    "sequence_nll": "training:sequence_nll", "scaling_study": "training:scaling_study",
    "fit_power_law": "training:fit_power_law", "config_for": "training:config_for",
    "lstm_config_for": "training:lstm_config_for",
    "use_devices": "distributed:use_devices",
    "pretrained": "shipped:pretrained_transformer", "model_card": "shipped:model_card",
    "studies": "shipped:studies",
    "tokens": "tokens:", "distributed": "distributed:",
})
