"""WGAN-GP training of the piano-roll GAN: the one backend-specific piece of musiclab.

Keras 3's ``fit`` trains one loss; a GAN trains two networks against each other, and
WGAN-GP's gradient penalty needs the gradient of the critic with respect to its
*input*. Both need the backend's own differentiation, so this module holds one
small training step per backend (``tf.GradientTape`` on TensorFlow, ``jax.grad`` on
JAX) with the same arithmetic (Gulrajani et al. 2017):

* critic loss: ``mean(critic(fake)) - mean(critic(real)) + penalty * GP`` with
  ``GP = mean((|grad critic(mix)| - 1)^2)``, where ``mix`` lies on a random point
  between a real and a fake roll;
* generator loss: ``-mean(critic(fake))``.

The noise and the mixing points come from NumPy with a seed, so a run is reproducible.
"""

import keras
import numpy as np

from musiclab.gan.model import parts
from musiclab.nn.config import config_of


class WGANGPStep:
    """One optimisation step of critic and generator (``critic_steps`` critic updates first).

    Args:
        gan: a joined GAN from ``musiclab.gan.model.build_gan`` (or loaded).

    Call ``step(real_batches, noise_batches, mix_batches)``, where the lists hold one
    batch per critic update (the last noise batch also trains the generator); it
    returns ``{"critic_loss", "generator_loss", "gradient_penalty", "wasserstein"}``.
    """

    def __init__(self, gan):
        self.generator, self.critic = parts(gan)
        self.config = config = config_of(gan)
        self.backend = keras.backend.backend()

        def adam():
            return keras.optimizers.Adam(config.learning_rate, beta_1=0.5, beta_2=0.9)

        self.generator_optimizer, self.critic_optimizer = adam(), adam()
        self.generator_optimizer.build(self.generator.trainable_variables)
        self.critic_optimizer.build(self.critic.trainable_variables)
        if self.backend == "tensorflow":
            self._make_tensorflow_steps()
        elif self.backend == "jax":
            self._make_jax_steps()
        else:
            raise RuntimeError(f"GAN training supports the tensorflow and jax backends, "
                               f"not {self.backend}")

    # ---- optimiser state, saved beside the checkpoint -----------------------------------------
    def optimizer_arrays(self):
        """``{name: array}`` of both optimisers' variables (for ``numpy.savez``)."""
        arrays = {}
        for prefix, optimizer in (("generator", self.generator_optimizer),
                                  ("critic", self.critic_optimizer)):
            for index, variable in enumerate(optimizer.variables):
                arrays[f"{prefix}_{index}"] = np.asarray(variable.numpy())
        return arrays

    def load_optimizer_arrays(self, arrays):
        """Restore what ``optimizer_arrays`` gave (shapes must match)."""
        for prefix, optimizer in (("generator", self.generator_optimizer),
                                  ("critic", self.critic_optimizer)):
            for index, variable in enumerate(optimizer.variables):
                variable.assign(arrays[f"{prefix}_{index}"])

    # ---- TensorFlow ----------------------------------------------------------------------------
    def _make_tensorflow_steps(self):
        import tensorflow as tf  # this backend's step only

        # Grappler's remapper cannot fuse the gradient penalty's double-backward graph of the
        # critic and logs an error line on stderr (a red box in a notebook) before running it
        # unfused anyway: skip that pass, the step is the same
        tf.config.optimizer.set_experimental_options({"remapping": False})
        generator, critic, penalty = self.generator, self.critic, self.config.gradient_penalty

        @tf.function
        def critic_step(real, noise, mix):
            with tf.GradientTape() as tape:
                fake = generator(noise, training=True)
                mixed = mix * real + (1.0 - mix) * fake
                with tf.GradientTape() as inner:
                    inner.watch(mixed)
                    mixed_score = critic(mixed, training=True)
                gradient = inner.gradient(mixed_score, mixed)
                norm = tf.sqrt(tf.reduce_sum(tf.square(gradient), axis=[1, 2, 3]) + 1e-12)
                gradient_penalty = tf.reduce_mean(tf.square(norm - 1.0))
                wasserstein = tf.reduce_mean(critic(real, training=True)) - tf.reduce_mean(
                    critic(fake, training=True))
                loss = -wasserstein + penalty * gradient_penalty
            gradients = tape.gradient(loss, critic.trainable_variables)
            self.critic_optimizer.apply(gradients, critic.trainable_variables)
            return loss, gradient_penalty, wasserstein

        @tf.function
        def generator_step(noise):
            with tf.GradientTape() as tape:
                loss = -tf.reduce_mean(critic(generator(noise, training=True), training=True))
            gradients = tape.gradient(loss, generator.trainable_variables)
            self.generator_optimizer.apply(gradients, generator.trainable_variables)
            return loss

        self._critic_step, self._generator_step = critic_step, generator_step

    # ---- JAX -----------------------------------------------------------------------------------
    def _make_jax_steps(self):
        import jax  # this backend's step only
        import jax.numpy as jnp

        generator, critic, penalty = self.generator, self.critic, self.config.gradient_penalty

        def critic_loss(critic_weights, critic_state, generator_weights, generator_state,
                        real, noise, mix):
            fake, generator_state = generator.stateless_call(
                generator_weights, generator_state, noise, training=True)

            def score(rolls):
                output, _ = critic.stateless_call(critic_weights, critic_state, rolls,
                                                  training=True)
                return output

            mixed = mix * real + (1.0 - mix) * fake
            gradient = jax.grad(lambda rolls: jnp.sum(score(rolls)))(mixed)
            norm = jnp.sqrt(jnp.sum(jnp.square(gradient), axis=(1, 2, 3)) + 1e-12)
            gradient_penalty = jnp.mean(jnp.square(norm - 1.0))
            wasserstein = jnp.mean(score(real)) - jnp.mean(score(fake))
            loss = -wasserstein + penalty * gradient_penalty
            return loss, (gradient_penalty, wasserstein, generator_state)

        def generator_loss(generator_weights, generator_state, critic_weights, critic_state,
                           noise):
            fake, generator_state = generator.stateless_call(
                generator_weights, generator_state, noise, training=True)
            output, _ = critic.stateless_call(critic_weights, critic_state, fake, training=True)
            return -jnp.mean(output), generator_state

        @jax.jit
        def critic_step(state, real, noise, mix):
            (critic_weights, critic_state, generator_weights, generator_state,
             optimizer_state) = state
            (loss, (gradient_penalty, wasserstein, generator_state)), gradients = \
                jax.value_and_grad(critic_loss, has_aux=True)(
                    critic_weights, critic_state, generator_weights, generator_state, real,
                    noise, mix)
            critic_weights, optimizer_state = self.critic_optimizer.stateless_apply(
                optimizer_state, gradients, critic_weights)
            return (critic_weights, optimizer_state, generator_state), (
                loss, gradient_penalty, wasserstein)

        @jax.jit
        def generator_step(state, noise):
            (generator_weights, generator_state, critic_weights, critic_state,
             optimizer_state) = state
            (loss, generator_state), gradients = jax.value_and_grad(
                generator_loss, has_aux=True)(generator_weights, generator_state,
                                              critic_weights, critic_state, noise)
            generator_weights, optimizer_state = self.generator_optimizer.stateless_apply(
                optimizer_state, gradients, generator_weights)
            return (generator_weights, optimizer_state, generator_state), loss

        def values(variables):
            return [variable.value for variable in variables]

        def assign(variables, arrays):
            for variable, array in zip(variables, arrays, strict=True):
                variable.assign(array)

        def run_critic(real, noise, mix):
            state = (values(critic.trainable_variables), values(critic.non_trainable_variables),
                     values(generator.trainable_variables),
                     values(generator.non_trainable_variables),
                     values(self.critic_optimizer.variables))
            (weights, optimizer_state, generator_state), losses = critic_step(
                state, real, noise, mix)
            assign(critic.trainable_variables, weights)
            assign(self.critic_optimizer.variables, optimizer_state)
            assign(generator.non_trainable_variables, generator_state)
            return losses

        def run_generator(noise):
            state = (values(generator.trainable_variables),
                     values(generator.non_trainable_variables),
                     values(critic.trainable_variables), values(critic.non_trainable_variables),
                     values(self.generator_optimizer.variables))
            (weights, optimizer_state, generator_state), loss = generator_step(state, noise)
            assign(generator.trainable_variables, weights)
            assign(self.generator_optimizer.variables, optimizer_state)
            assign(generator.non_trainable_variables, generator_state)
            return loss

        self._critic_step, self._generator_step = run_critic, run_generator

    def step(self, real_batches, noise_batches, mix_batches):
        """Train the critic on each batch, then the generator once. Returns the losses."""
        for real, noise, mix in zip(real_batches, noise_batches, mix_batches, strict=True):
            critic_loss, gradient_penalty, wasserstein = self._critic_step(real, noise, mix)
        generator_loss = self._generator_step(noise_batches[-1])
        return {"critic_loss": float(critic_loss), "generator_loss": float(generator_loss),
                "gradient_penalty": float(gradient_penalty), "wasserstein": float(wasserstein)}
