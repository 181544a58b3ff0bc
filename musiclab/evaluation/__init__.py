"""Evaluation with people in the loop and distances between music collections.

The listening tests themselves (store, designs, statistics, the served page) are core
(``musiclab.listening``: no Keras); this family adds what needs the models:
``feedback`` (a preference direction in a VAE's latent space, a reranker of candidates, a
simulated listener with a known taste), ``frechet`` (a Frechet distance between style-classifier
embeddings of real and generated melodies), and ``cli`` (``musiclab listen ...``).
"""
