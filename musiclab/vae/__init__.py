"""The melody VAE family (MusicVAE-style): the whole model in this folder.

    from musiclab import vae
    model = vae.pretrained()                                  # shipped, safe-mode load
    melodies = vae.sample(model, 4, temperature=0.5, seed=1)  # (4, 32) tokens
    path = vae.interpolate(model, melody_a, melody_b, count=7)
    model, state = vae.train(vae.MelodyVAEConfig.smoke(), train, valid, steps=200, folder="run")

Files: ``model`` (config, encoder, decoder, KL), ``training`` (training and held-out
figures), ``generate`` (encode, NumPy step decoder, sample, interpolate, styles),
``latent`` (principal directions and attribute vectors), ``shipped`` (the shipped
model and its card), ``cli`` (its commands).
"""

from musiclab.lazy import exports

__getattr__, __dir__ = exports(__name__, {
    "MelodyVAEConfig": "model:MelodyVAEConfig", "build_vae": "model:build_vae",
    "load": "model:load_vae", "load_vae": "model:load_vae", "style_names": "model:style_names",
    "kl_divergence_bits": "model:kl_divergence_bits", "build_encoder": "model:build_encoder",
    "build_decoder": "model:build_decoder", "build_conductor": "model:build_conductor",
    "LatentSampling": "model:LatentSampling", "StyleCondition": "model:StyleCondition",
    "encode": "generate:encode",
    "posterior": "generate:posterior", "decode": "generate:decode", "sample": "generate:sample",
    "reconstruct": "generate:reconstruct", "interpolate": "generate:interpolate",
    "slerp": "generate:slerp", "style_vector": "generate:style_vector",
    "melody_steps": "generate:melody_steps",
    "train": "training:train_vae", "train_vae": "training:train_vae",
    "evaluate": "training:evaluate_vae", "evaluate_vae": "training:evaluate_vae",
    "mean_kl_bits": "training:mean_kl_bits",
    "pretrained": "shipped:pretrained_vae", "pretrained_vae": "shipped:pretrained_vae",
    "model_card": "shipped:model_card", "publish": "shipped:publish",
    "latent": "latent:",
})
