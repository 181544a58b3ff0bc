"""The style family's model kinds, where the command line and loaders look for them:
the style classifier (``classifier.py``). A conditional VAE is the ``vae`` family's."""

from musiclab.style.classifier import StyleClassifierConfig, build_style_classifier

__all__ = ["StyleClassifierConfig", "build_style_classifier"]
