"""Keras 3 networks. Importing this package imports Keras (and its backend).

TensorFlow's C++ start-up messages are silenced unless ``TF_CPP_MIN_LOG_LEVEL``
is already set, so notebooks show results rather than device logs.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
