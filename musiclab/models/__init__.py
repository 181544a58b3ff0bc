"""Keras 3 networks. Importing this package imports Keras (and its backend)."""
