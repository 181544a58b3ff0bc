"""A decoder-only Transformer for music tokens (GPT-2 shape, Music Transformer attention).

Each block is pre-norm: ``x + Attention(LayerNorm(x))`` then ``x + FeedForward(LayerNorm(x))``.
Attention is causal multi-head self-attention with one of three position schemes:

* ``"absolute"``: a learned vector per position added to the token embeddings
  (``keras_hub.layers.PositionEmbedding``), as in GPT-2 and MuseNet;
* ``"relative"``: Music Transformer's relative attention (Huang et al. 2019): every head
  learns a vector per distance ``i - j`` and adds ``q_i . r_(i-j)`` to the logits; the
  "skewing" trick (``relative_logits``) gets all of them from one ``(L, L)`` product
  instead of an ``(L, L, d)`` tensor;
* ``"rotary"``: queries and keys rotated by their positions
  (``keras_hub.layers.RotaryEmbedding``), so ``q . k`` depends on ``i - j`` only.

The token sequence begins with a prefix token: a style token for a conditioned model
(region of the tune), else a start token; output ``t`` predicts token ``t + 1``.
Everything uses ``keras.ops``: it trains on the TensorFlow and JAX backends.
"""

import dataclasses
import math

import keras
import keras_hub
from keras import ops

from musiclab.nn.config import JSONConfig, attach, load_model, model_kind, register
from musiclab.vocab import VOCABULARY_SIZE

POSITIONS = ("absolute", "relative", "rotary")
DATA = ("melody", "satb", "remi")


@register("transformer", sampler="musiclab.transformer.sample:generate",
          held_out="musiclab.transformer.training:held_out")
@dataclasses.dataclass(frozen=True)
class TransformerConfig(JSONConfig):
    """Hyper-parameters of a Transformer (saved inside its model file).

    Attributes:
        data: ``"melody"`` (the project's melody tokens), ``"satb"`` (chorale grids voice
            by voice at 16th notes) or ``"remi"`` (miditok REMI events).
        content_size: tokens of the data itself; the start token is ``content_size`` and
            style ``s`` is ``content_size + 1 + s``.
        styles: style names of the first prefix token (empty: a start token instead).
        dances: dance types (reel, jig...) of a second prefix token, with one more token
            for "any dance" (empty: no second token).
        context: the longest sequence (prefix included) the model attends over.
        model_dim, layers, heads, feed_forward_dim: the network's size.
        position: ``"absolute"``, ``"relative"`` or ``"rotary"``.
        dropout: dropout on attention weights and block outputs while training.
        learning_rate: peak AdamW learning rate, after ``warmup_steps`` of linear warm-up;
            with ``decay_steps`` it then follows a cosine down to 5%.
        weight_decay: AdamW weight decay.
        window: training crop length in content tokens (at most ``context - 1``).
        transpose: random transposition of training crops (melody / SATB), semitones.
        steps_per_quarter: time resolution of the data (playback and notation).
        tokenizer: the miditok tokenizer's parameters (JSON) for ``"remi"`` data.
    """

    data: str = "melody"
    content_size: int = VOCABULARY_SIZE
    styles: tuple = ()
    dances: tuple = ()
    context: int = 512
    model_dim: int = 128
    layers: int = 4
    heads: int = 4
    feed_forward_dim: int = 512
    position: str = "relative"
    dropout: float = 0.1
    learning_rate: float = 1e-3
    warmup_steps: int = 100
    decay_steps: int = 0
    weight_decay: float = 0.01
    window: int = 256
    transpose: int = 0
    steps_per_quarter: int = 4
    tokenizer: str = ""

    def __post_init__(self):
        if self.data not in DATA:
            raise ValueError(f"data: must be one of {DATA}, got {self.data!r}")
        if self.position not in POSITIONS:
            raise ValueError(f"position: must be one of {POSITIONS}, got {self.position!r}")
        self.require_at_least_one("content_size", "context", "model_dim", "layers", "heads",
                                  "feed_forward_dim", "window", "steps_per_quarter")
        if self.model_dim % self.heads or (self.model_dim // self.heads) % 2:
            raise ValueError(f"model_dim: must divide into {self.heads} heads of an even "
                             f"size, got {self.model_dim}")
        if self.window >= self.context:
            raise ValueError(f"window: must be below context ({self.context}), got "
                             f"{self.window}")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout: must be in [0, 1), got {self.dropout}")
        object.__setattr__(self, "styles", tuple(str(s) for s in self.styles))
        object.__setattr__(self, "dances", tuple(str(s) for s in self.dances))

    @property
    def head(self):
        """What a step is, for samplers and widgets: ``"melody"`` tokens or this data kind."""
        return "melody" if self.data == "melody" else self.data

    @property
    def start_token(self):
        return self.content_size

    @property
    def vocabulary_size(self):
        """Content tokens, the start token, one token per style and, with dances, one per
        dance and one for "any dance"."""
        return self.content_size + 1 + len(self.styles) + \
            (len(self.dances) + 1 if self.dances else 0)

    @property
    def prefix_length(self):
        """Prefix tokens before the content: 1, or 2 with dances."""
        return 2 if self.dances else 1

    def prefix_token(self, style=None):
        """The first token of a sequence: style ``style``'s token, or the start token."""
        return self.start_token if style is None else self.content_size + 1 + int(style)

    def prefix(self, style=None, dance=None):
        """The prefix tokens of a sequence: the style's (or the start token), then with
        dances the dance's (``None`` or -1: "any dance")."""
        tokens = [self.prefix_token(style)]
        if self.dances:
            first = self.content_size + 1 + len(self.styles)
            tokens.append(first + len(self.dances) if dance is None or int(dance) < 0
                          else first + int(dance))
        return tokens

    def verify(self, model):
        """The vocabulary, width and depth this config names are the model's."""
        embedding = model.get_layer("token_embedding")
        if embedding.input_dim != self.vocabulary_size:
            raise ValueError(f"{self.vocabulary_size} tokens, but the model embeds "
                             f"{embedding.input_dim}")
        if embedding.output_dim != self.model_dim:
            raise ValueError(f"model_dim {self.model_dim}, but the model is "
                             f"{embedding.output_dim} wide")
        if len(decoder_blocks(model)) != self.layers:
            raise ValueError(f"{self.layers} layers, but the model has "
                             f"{len(decoder_blocks(model))}")

    @classmethod
    def default(cls, data="melody", content_size=VOCABULARY_SIZE, styles=()):
        """About 1.1 M parameters: 4 layers of width 128, relative attention."""
        return cls(data=data, content_size=content_size, styles=tuple(styles))

    @classmethod
    def smoke(cls, data="melody", content_size=VOCABULARY_SIZE, styles=()):
        """A tiny model that trains in seconds (CI, smoke notebooks)."""
        return cls(data=data, content_size=content_size, styles=tuple(styles), context=128,
                   model_dim=32, layers=2, heads=2, feed_forward_dim=64, window=64)

    @classmethod
    def sized(cls, model_dim, layers, **changes):
        """A config of a given width and depth (heads of 32, feed-forward 4x): the sizes of
        a scaling study."""
        return cls(model_dim=model_dim, layers=layers, heads=max(1, model_dim // 32),
                   feed_forward_dim=4 * model_dim, **changes)


def parameter_count(config):
    """Parameters of a model of ``config`` (what a scaling study puts on its x axis),
    embeddings included."""
    d, f, v = config.model_dim, config.feed_forward_dim, config.vocabulary_size
    per_block = 4 * d * d + 4 * d + 2 * d * f + f + d + 4 * d
    if config.position == "relative":
        per_block += config.context * d
    total = v * d + config.layers * per_block + 2 * d + d * v + v
    return total + (config.context * d if config.position == "absolute" else 0)


def relative_logits(queries, relative_embeddings):
    """Music Transformer's relative logits by "skewing" (Huang et al. 2019, section 3.4.1).

    ``S[i, j] = q_i . r_(L - 1 - (i - j))`` for ``j <= i``: row ``r`` of the embeddings is
    the vector of distance ``L - 1 - r`` (the last row: distance 0). One product
    ``Q R^T`` gives every query's logit for every distance, but in the wrong place:
    column ``r`` holds distance ``L - 1 - r``. Padding one zero column on the left,
    reshaping ``(L, L + 1)`` to ``(L + 1, L)`` and dropping the first row moves each entry
    to column ``j = i - (L - 1 - r)``: memory ``O(L d)`` instead of the ``O(L^2 d)`` of
    gathering a vector per pair. Entries above the diagonal are junk; the causal mask
    removes them.

    Args:
        queries: ``(batch, heads, L, head_dim)``.
        relative_embeddings: ``(heads, L, head_dim)``, distances ``L - 1`` down to 0.

    Returns:
        ``(batch, heads, L, L)``.
    """
    logits = ops.einsum("bhld,hmd->bhlm", queries, relative_embeddings)
    batch, heads, length = ops.shape(logits)[0], ops.shape(logits)[1], ops.shape(logits)[2]
    padded = ops.pad(logits, [(0, 0), (0, 0), (0, 0), (1, 0)])
    reshaped = ops.reshape(padded, (batch, heads, length + 1, length))
    return reshaped[:, :, 1:, :]


@keras.saving.register_keras_serializable(package="musiclab")
class DecoderBlock(keras.layers.Layer):
    """One pre-norm Transformer block with causal multi-head self-attention.

    Input / output shape: ``(batch, steps, model_dim)``, ``steps <= context``.
    """

    def __init__(self, model_dim, heads, feed_forward_dim, *, context, position="relative",
                 dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.model_dim, self.heads, self.feed_forward_dim = model_dim, heads, feed_forward_dim
        self.context, self.position, self.dropout = context, position, dropout
        self.head_dim = model_dim // heads
        self.attention_norm = keras.layers.LayerNormalization(epsilon=1e-5, name="attention_norm")
        self.query_key_value = keras.layers.Dense(3 * model_dim, name="query_key_value")
        self.attention_output = keras.layers.Dense(model_dim, name="attention_output")
        self.feed_forward_norm = keras.layers.LayerNormalization(epsilon=1e-5,
                                                                 name="feed_forward_norm")
        self.feed_forward_in = keras.layers.Dense(feed_forward_dim, name="feed_forward_in")
        self.feed_forward_out = keras.layers.Dense(model_dim, name="feed_forward_out")
        self.rotary = keras_hub.layers.RotaryEmbedding(name="rotary") \
            if position == "rotary" else None
        self.attention_dropout = keras.layers.Dropout(dropout)
        self.output_dropout = keras.layers.Dropout(dropout)

    def build(self, input_shape):
        self.attention_norm.build(input_shape)
        self.query_key_value.build(input_shape)
        self.attention_output.build(input_shape)
        self.feed_forward_norm.build(input_shape)
        self.feed_forward_in.build(input_shape)
        self.feed_forward_out.build((*input_shape[:-1], self.feed_forward_dim))
        self.relative_embeddings = None
        if self.position == "relative":
            self.relative_embeddings = self.add_weight(
                shape=(self.heads, self.context, self.head_dim),
                initializer=keras.initializers.RandomNormal(stddev=self.head_dim ** -0.5),
                name="relative_embeddings")

    def attention_weights(self, x):
        """Attention probabilities ``(batch, heads, steps, steps)`` of this block for its
        input ``x`` (before the block's own normalisation)."""
        return self._attend(self.attention_norm(x), training=False)[1]

    def _attend(self, normed, training):
        batch, steps = ops.shape(normed)[0], ops.shape(normed)[1]
        qkv = ops.reshape(self.query_key_value(normed),
                          (batch, steps, 3, self.heads, self.head_dim))
        queries, keys, values = qkv[:, :, 0], qkv[:, :, 1], qkv[:, :, 2]
        if self.rotary is not None:  # (batch, steps, heads, head_dim): rotate along steps
            queries, keys = self.rotary(queries), self.rotary(keys)
        queries, keys, values = (ops.transpose(t, (0, 2, 1, 3)) for t in (queries, keys, values))
        logits = ops.einsum("bhid,bhjd->bhij", queries, keys)
        if self.relative_embeddings is not None:
            logits = logits + relative_logits(queries, self.relative_embeddings[:, -steps:])
        logits = logits / math.sqrt(self.head_dim)
        causal = ops.tril(ops.ones((steps, steps), dtype="bool"))
        logits = ops.where(causal[None, None], logits, ops.full_like(logits, -1e9))
        weights = ops.softmax(logits, axis=-1)
        mixed = ops.einsum("bhij,bhjd->bhid", self.attention_dropout(weights, training=training),
                           values)
        mixed = ops.reshape(ops.transpose(mixed, (0, 2, 1, 3)), (batch, steps, self.model_dim))
        return self.attention_output(mixed), weights

    def call(self, x, training=False):
        attended, _ = self._attend(self.attention_norm(x), training)
        x = x + self.output_dropout(attended, training=training)
        hidden = keras.activations.gelu(self.feed_forward_in(self.feed_forward_norm(x)),
                                        approximate=True)
        return x + self.output_dropout(self.feed_forward_out(hidden), training=training)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "model_dim": self.model_dim, "heads": self.heads,
                "feed_forward_dim": self.feed_forward_dim, "context": self.context,
                "position": self.position, "dropout": self.dropout}


def build_transformer(config):
    """A compiled Transformer.

    Inputs: tokens ``(batch, steps)`` int32, prefix token first, ``steps <= context``.

    Returns:
        A Keras model giving logits ``(batch, steps, vocabulary_size)``; output ``t``
        predicts token ``t + 1``.
    """
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(config.vocabulary_size, config.model_dim,
                               name="token_embedding")(tokens)
    if config.position == "absolute":
        x = x + keras_hub.layers.PositionEmbedding(config.context, name="position_embedding")(x)
    x = keras.layers.Dropout(config.dropout, name="embedding_dropout")(x)
    for index in range(config.layers):
        x = DecoderBlock(config.model_dim, config.heads, config.feed_forward_dim,
                         context=config.context, position=config.position,
                         dropout=config.dropout, name=f"block_{index}")(x)
    x = keras.layers.LayerNormalization(epsilon=1e-5, name="final_norm")(x)
    logits = keras.layers.Dense(config.vocabulary_size, name="logits")(x)
    model = keras.Model(tokens, logits, name=f"transformer_{config.position}")
    learning_rate = config.learning_rate
    if config.decay_steps or config.warmup_steps:
        learning_rate = keras.optimizers.schedules.CosineDecay(
            0.0, max(1, config.decay_steps or 10**9), alpha=0.05,
            warmup_target=config.learning_rate, warmup_steps=config.warmup_steps)
    model.compile(optimizer=keras.optimizers.AdamW(learning_rate,
                                                   weight_decay=config.weight_decay,
                                                   global_clipnorm=1.0),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return attach(model, config)


def decoder_blocks(model):
    """The model's ``DecoderBlock`` layers, input side first."""
    return [layer for layer in model.layers if isinstance(layer, DecoderBlock)]


def load_transformer(path):
    """Load a Transformer (``nn.config.save_model``), in Keras safe mode, config attached.

    Raises:
        MusiclabError: naming the file when it is missing, corrupt, unsafe or not a
            Transformer.
    """
    return load_model(path, TransformerConfig)


@register("lstm_language_model", held_out="musiclab.transformer.training:held_out")
@dataclasses.dataclass(frozen=True)
class LSTMConfig(TransformerConfig):
    """The baseline a Transformer is compared with: an LSTM language model over the same
    tokens, prefixes, crops and held-out windows (``units`` wide, ``layers`` deep; the
    attention fields are unused)."""

    units: int = 256

    def verify(self, model):
        if model.get_layer("token_embedding").input_dim != self.vocabulary_size:
            raise ValueError(f"{self.vocabulary_size} tokens, but the model embeds "
                             f"{model.get_layer('token_embedding').input_dim}")


def build_lstm(config):
    """A compiled LSTM language model with the Transformer's inputs and outputs."""
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(config.vocabulary_size, config.model_dim,
                               name="token_embedding")(tokens)
    for index in range(config.layers):
        x = keras.layers.LSTM(config.units, return_sequences=True, dropout=config.dropout,
                              name=f"lstm_{index}")(x)
    logits = keras.layers.Dense(config.vocabulary_size, name="logits")(x)
    model = keras.Model(tokens, logits, name="lstm_language_model")
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate, global_clipnorm=1.0),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return attach(model, config)


def build(config):
    """A new compiled model of ``config``: a Transformer, or the LSTM baseline."""
    return build_lstm(config) if isinstance(config, LSTMConfig) else build_transformer(config)


def load(path):
    """Load a Transformer or the LSTM baseline, whichever kind the file holds.

    Raises:
        MusiclabError: naming the file when it is missing, corrupt, unsafe or of another kind.
    """
    lstm = model_kind(path) == LSTMConfig.kind
    return load_model(path, LSTMConfig if lstm else TransformerConfig)
