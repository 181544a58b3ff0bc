"""musiclab: an interactive workbench for AI music creation in Jupyter.

The package is one folder per model family over a shared core::

    core      vocab, data (corpus, encodings, splits), sound, notation, plotting, export,
              metrics: no Keras
    nn        the shared Keras toolkit: configs that travel with models, the shift layer,
              sampling, the training loop
    families  vae, wavenet, gan, style, harmony: each model, its training, its generation
              and its commands in one folder (``from musiclab import vae``)

Importing ``musiclab`` or a family package is cheap: Keras and the deep-learning backend
are only imported by the modules that build networks, on first use. TensorFlow's C++ start-up
messages are silenced unless ``TF_CPP_MIN_LOG_LEVEL`` is already set, so
notebooks and the command line show results rather than device logs.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from musiclab.errors import MusicFileError, MusiclabError

__version__ = "0.1.0"

__all__ = ["MusicFileError", "MusiclabError", "__version__"]
