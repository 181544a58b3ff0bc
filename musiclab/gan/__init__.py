"""The piano-roll GAN family (MuseGAN-style, WGAN-GP): the whole model in this folder.

    from musiclab import gan
    phrases = gan.chorale_phrases()                    # 2-bar SATB phrases, (n, 32, 88, 4)
    model, state = gan.train(gan.GANConfig.default(), phrases["train"], phrases["valid"],
                             steps=4000, folder="runs/gan")
    rolls = gan.generate(model, count=8, seed=1)       # bool (8, 32, 88, 4)

Files: ``model`` (config, generator, critic, noise parts), ``wgan_gp`` (the adversarial
step, the one backend-specific module: TensorFlow and JAX), ``run`` (phrases, training,
sampling, latent moves, scores), ``cli``.
"""

from musiclab.lazy import exports

__getattr__, __dir__ = exports(__name__, {
    "GANConfig": "model:GANConfig", "build_gan": "model:build_gan", "load": "model:load_gan",
    "load_gan": "model:load_gan", "parts": "model:parts", "sample_latent": "model:sample_latent",
    "to_model_rolls": "model:to_model_rolls", "to_full_rolls": "model:to_full_rolls",
    "build_generator": "model:build_generator", "build_critic": "model:build_critic",
    "WGANGPStep": "wgan_gp:WGANGPStep",
    "chorale_phrases": "run:chorale_phrases", "generate": "run:generate",
    "interpolate_latent": "run:interpolate_latent", "vary_part": "run:vary_part",
    "train": "run:train_gan", "train_gan": "run:train_gan", "to_score": "run:to_score",
    "QUALITY_METRICS": "run:QUALITY_METRICS",
})
