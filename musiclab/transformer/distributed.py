"""Training across devices with ``keras.distribution`` (JAX backend).

``use_devices(count)`` sets a data-parallel distribution: every device holds all the
weights, each batch is split across the devices, and the gradients are averaged, so
the loss trajectory is that of one device with the whole batch (a test checks it on
simulated CPU devices). ``use_devices(count, model_parallel=m)`` lays the devices out as
a ``(count / m, m)`` mesh: batches split along the first axis, and the largest weight
matrices (token embedding, attention projections, feed-forward, logits) split along
the second (``layout_map``), for a model too large for one device's memory.

Set it before the model is built (``musiclab train transformer --devices N`` does).
The same command runs on one multi-GPU host as it is; on several hosts, start it on
every host after ``jax.distributed.initialize()`` (coordinator address, process count
and id from the cluster's environment), and ``--devices`` counts the devices of all
hosts. TensorFlow users wrap model building in a ``tf.distribute.MirroredStrategy``
scope instead; ``keras.distribution`` is JAX-only today.
"""

import keras

from musiclab.errors import MusiclabError


def layout_map(mesh):
    """Where the Transformer's weight matrices are split on a ``(batch, model)`` mesh:
    input-side kernels by their output columns, output-side kernels by their rows."""
    layout = keras.distribution.LayoutMap(mesh)
    layout["token_embedding/embeddings"] = (None, "model")
    layout[".*query_key_value/kernel"] = (None, "model")
    layout[".*attention_output/kernel"] = ("model", None)
    layout[".*feed_forward_in/kernel"] = (None, "model")
    layout[".*feed_forward_out/kernel"] = ("model", None)
    layout["logits/kernel"] = (None, "model")
    return layout


def use_devices(count, *, model_parallel=1):
    """Distribute training over the first ``count`` devices of the running backend.

    Args:
        count: devices to use (1: no distribution).
        model_parallel: devices each weight matrix is split over (``count`` must be a
            multiple of it); 1 is pure data parallelism.

    Returns:
        The ``keras.distribution`` set, or ``None`` for one device.

    Raises:
        MusiclabError: on the TensorFlow backend, or when there are too few devices.
    """
    if count < 1 or model_parallel < 1 or count % model_parallel:
        raise MusiclabError(f"devices: {count} devices cannot be split into groups of "
                            f"{model_parallel} for model parallelism")
    if count == 1:
        keras.distribution.set_distribution(None)
        return None
    if keras.backend.backend() != "jax":
        raise MusiclabError("devices: training on several devices uses keras.distribution, "
                            "which needs the JAX backend (--backend jax); with TensorFlow use "
                            "tf.distribute.MirroredStrategy")
    devices = keras.distribution.list_devices()
    if len(devices) < count:
        raise MusiclabError(f"devices: asked for {count}, but the backend sees {len(devices)} "
                            f"({', '.join(devices)})")
    chosen = devices[:count]
    if model_parallel == 1:
        distribution = keras.distribution.DataParallel(devices=chosen)
    else:
        mesh = keras.distribution.DeviceMesh((count // model_parallel, model_parallel),
                                             ("batch", "model"), chosen)
        distribution = keras.distribution.ModelParallel(layout_map=layout_map(mesh),
                                                        batch_dim_name="batch")
    keras.distribution.set_distribution(distribution)
    return distribution
