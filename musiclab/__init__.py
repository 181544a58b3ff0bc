"""musiclab: an interactive workbench for AI music creation in Jupyter.

The package is organised along one flow::

    corpus / user files -> musiclab.data -> models -> generation -> metrics
      -> audio / notation / export -> widgets -> notebooks

Importing ``musiclab`` is cheap: Keras and the deep-learning backend are only
imported by the modules that build networks. TensorFlow's C++ start-up
messages are silenced unless ``TF_CPP_MIN_LOG_LEVEL`` is already set, so
notebooks and the command line show results rather than device logs.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from musiclab.errors import MusicFileError, MusiclabError

__version__ = "0.1.0"

__all__ = ["MusicFileError", "MusiclabError", "__version__"]
