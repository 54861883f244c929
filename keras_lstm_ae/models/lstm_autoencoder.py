"""`LSTMAutoencoder`: a sequence autoencoder with standalone encoder and decoder.

This module holds its arguments, config and forward pass; its layers are
built in `architecture`, and how it trains, evaluates and saves over
NaN-padded sequences is its base class's (`SequenceModel`).
"""

from collections.abc import Callable
from typing import NamedTuple

import keras
import numpy as np
from keras import ops

from keras_lstm_ae._utils import validation
from keras_lstm_ae.backend.torch_step import no_gradients
from keras_lstm_ae.models import architecture
from keras_lstm_ae.models.layer_chain import run_chain
from keras_lstm_ae.models.sequence_model import SequenceModel

# A model seeded with `seed` gives its layers the seeds `seed`, `seed + 1`, ...,
# fewer than `LAYER_SEEDS` of them; a layer made outside it (a `front_end`)
# takes its seed from `seed + LAYER_SEEDS` on to stay apart.
LAYER_SEEDS = 1000


@keras.saving.register_keras_serializable(package="keras_lstm_ae")
class LSTMAutoencoder(SequenceModel):
    """An LSTM sequence autoencoder with standalone encoder and decoder models.

    `Input -> LSTM ... -> Dense(latent_dim) -> RepeatVector(timesteps) ->
    LSTM ... -> TimeDistributed(Dense(features))`, built with the functional
    API. `encoder` (many-to-one: a sequence to a fixed-length vector) and
    `decoder` (one-to-many: a vector to a sequence) are `keras.Model`s that
    share their weights with the autoencoder: training one trains the others.

    Variable-length sequences: a step whose values are NaN is padding or
    missing. The encoder skips it (so the encoding does not depend on the
    padding, and a real all-zero step is not skipped), and the loss and
    metrics count real steps only.

    On the torch backend the recurrent layers run torch's fused kernels
    (`keras_lstm_ae.layers`); elsewhere they are Keras's own.

    Args:
        timesteps: Length of the sequences the autoencoder reconstructs
            (the longest sequence; shorter ones are NaN-padded).
        features: Number of features per step.
        latent_dim: Size of the encoding.
        units: Sizes of the encoder's stacked recurrent layers. The latent is
            a Dense projection of the last one. With `units=()`, the single
            encoder layer itself has `latent_dim` units. Defaults to `(64,)`.
        decoder_units: Sizes of the decoder's stacked recurrent layers.
            Defaults to `None`: `units` reversed (`(latent_dim,)` when `units`
            is empty).
        cell: `"lstm"` (default) or `"gru"`.
        activation: Activation of the recurrent layers. Defaults to `"tanh"`
            (other activations take Keras's slower generic loop).
        output_activation: Activation of the output layer, e.g. `"sigmoid"`
            for one-hot data with binary cross-entropy. Defaults to `None`
            (linear).
        dropout: Dropout rate on the recurrent layers' inputs, in [0, 1).
        recurrent_dropout: Dropout rate on the recurrent state, in [0, 1)
            (it takes Keras's slower generic loop).
        bidirectional: Whether the encoder's layers read both directions.
            With `units=()`, each direction has `latent_dim // 2` units.
        decoder: `"repeat"` (default) repeats the latent at every step;
            `"reshape"` reshapes it into `(timesteps, latent_dim // timesteps)`.
        front_end: A Keras layer that every step goes through (after NaN
            masking, before the encoder's recurrent layers), such as
            `keras_lstm_ae.layers.SegmentConvolution`; it must pass the mask
            on (`supports_masking`). Saved with the model. Defaults to
            `None`: the steps as they are.
        seed: Integer seed for the initial weights, dropout and shuffling, or
            `None`.
        **kwargs: Passed to `keras.Model` (e.g. `name`).

    Example:

    >>> ae = LSTMAutoencoder(timesteps=10, features=8, latent_dim=20, seed=0)
    >>> ae.compile(optimizer="adam", loss="mse")
    >>> x = np.random.default_rng(0).random((6, 10, 8), dtype="float32")
    >>> ae.encoder.predict(x, verbose=0).shape
    (6, 20)
    >>> ae.decoder.predict(np.zeros((6, 20)), verbose=0).shape
    (6, 10, 8)
    """

    def __init__(
        self,
        timesteps,
        features,
        latent_dim,
        *,
        units=(64,),
        decoder_units=None,
        cell="lstm",
        activation="tanh",
        output_activation=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        bidirectional=False,
        decoder="repeat",
        front_end=None,
        seed=None,
        **kwargs,
    ):
        front_end = _checked_front_end(front_end)
        args = _checked_arguments(
            timesteps,
            features,
            latent_dim,
            units=units,
            decoder_units=decoder_units,
            cell=cell,
            activation=activation,
            output_activation=output_activation,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            bidirectional=bidirectional,
            decoder=decoder,
            seed=seed,
        )
        layer_options = {
            "cell": args.cell,
            "activation": args.activation_fn,
            "dropout": args.dropout,
            "recurrent_dropout": args.recurrent_dropout,
        }
        seeds = (
            iter(range(args.seed, args.seed + LAYER_SEEDS))
            if args.seed is not None
            else None
        )

        def next_seed():
            return None if seeds is None else next(seeds)

        # === Layers ===
        encoder, wrapped = architecture.build_encoder(
            args.features,
            args.latent_dim,
            args.units,
            args.bidirectional,
            layer_options,
            next_seed,
            front_end,
        )
        decoder_model = architecture.build_decoder(
            args.timesteps,
            args.features,
            args.latent_dim,
            args.decoder_units,
            args.decoder,
            args.output_activation_fn,
            layer_options,
            next_seed,
        )

        # === Functional Model ===
        inputs = keras.Input(shape=(args.timesteps, args.features), name="sequences")
        super().__init__(
            inputs=inputs,
            outputs=decoder_model(encoder(inputs)),
            timesteps=args.timesteps,
            features=args.features,
            seed=args.seed,
            **kwargs,
        )
        del wrapped  # Held until every layer is built (`build_encoder`).

        # === Config ===
        self.encoder = encoder
        self.decoder = decoder_model
        self.latent_dim = args.latent_dim
        self.units = args.units
        self.decoder_units = args.decoder_units
        self.cell = args.cell
        self.activation = args.activation_fn
        self.output_activation = args.output_activation_fn
        self.dropout = args.dropout
        self.recurrent_dropout = args.recurrent_dropout
        self.bidirectional = args.bidirectional
        self.decoder_kind = args.decoder
        self.front_end = front_end
        # Batches cut short (`fit(..., group_by_length=True)`) are rebuilt at
        # their own length (`call`), so any length up to `timesteps` passes.
        self.input_spec = keras.InputSpec(ndim=3, axes={-1: args.features})

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "timesteps": self.timesteps,
            "features": self.features,
            "latent_dim": self.latent_dim,
            "units": list(self.units),
            "decoder_units": list(self.decoder_units),
            "cell": self.cell,
            "activation": keras.activations.serialize(self.activation),
            "output_activation": keras.activations.serialize(self.output_activation),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "bidirectional": self.bidirectional,
            "decoder": self.decoder_kind,
            "front_end": (
                None
                if self.front_end is None
                else keras.saving.serialize_keras_object(self.front_end)
            ),
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("activation", "output_activation"):
            config[key] = keras.activations.deserialize(config[key])
        if config.get("front_end") is not None:
            config["front_end"] = keras.saving.deserialize_keras_object(
                config["front_end"]
            )
        return cls(**config)

    # --- Sequences of any length up to `timesteps` ---

    def call(self, inputs, training=None, mask=None):
        """Rebuilds `inputs`: as many steps as they have, up to `timesteps`.

        Full-length inputs run the functional graph. Shorter ones (the
        batches of `fit(..., group_by_length=True)`) are encoded as they are
        and decoded to their own length, which gives the first steps of the
        full-length reconstruction: every layer after the encoder is causal.
        """
        steps = inputs.shape[1]
        if steps == self.timesteps:
            return super().call(inputs, training=training, mask=mask)
        if steps is not None and steps > self.timesteps:
            raise ValueError(
                f"The autoencoder rebuilds sequences of up to {self.timesteps} "
                f"steps; got {steps}."
            )
        if self.encoder.chained_layers is not None:
            latent, _ = run_chain(self.encoder.chained_layers, inputs, None, training)
        else:
            latent = self.encoder(inputs, training=training)
        return self._generate(latent, ops.shape(inputs)[1], training)

    def _generate(self, latent, steps, training=None):
        """The decoder's first `steps` steps for a batch of latents (tensors)."""
        layers = self.decoder.chained_layers
        direct = layers is not None
        if not direct:
            layers = [
                layer
                for layer in self.decoder.layers
                if not isinstance(layer, keras.layers.InputLayer)
            ]
        # Repeating or reshaping the latent gives `timesteps` steps (a view
        # on torch); the decoder then runs on the first `steps` of them.
        hidden = layers[0].call(latent)[:, :steps]
        if direct:
            return run_chain(layers[1:], hidden, None, training)[0]
        for layer in layers[1:]:
            hidden = layer(hidden, training=training)
        return hidden

    def generate(self, latents, steps=None, batch_size=None, verbose=0):
        """Generates a sequence of `steps` steps from each latent vector.

        `decoder.predict(latents)` generates `timesteps` steps; this method
        runs the decoder for only the steps asked for, and gives the first
        `steps` steps of that full-length output (the decoder is causal).

        Args:
            latents: `(samples, latent_dim)` vectors.
            steps: Steps per sequence, from 1 to `timesteps`; `None` for
                `timesteps`.
            batch_size: Latents per batch. Defaults to 32.
            verbose: 0 (silent) or 1 (a progress bar).

        Returns:
            A NumPy array `(samples, steps, features)`.

        Raises:
            ValueError: If `steps` is not between 1 and `timesteps`, or
                `latents` is not `(samples, latent_dim)`.

        Example:

        >>> ae = LSTMAutoencoder(timesteps=10, features=2, latent_dim=4, seed=0)
        >>> ae.generate(np.zeros((3, 4)), steps=6).shape
        (3, 6, 2)
        """
        steps = self.timesteps if steps is None else steps
        steps = validation.check_positive_int(steps, "steps")
        if steps > self.timesteps:
            raise ValueError(
                f"`steps` must be at most `timesteps` ({self.timesteps}); got {steps}."
            )
        batch_size = validation.check_positive_int(batch_size or 32, "batch_size")
        latents = validation.as_float_array(latents, "latents")
        if latents.ndim != 2 or latents.shape[1] != self.latent_dim:
            raise ValueError(
                f"`latents` must have shape (samples, {self.latent_dim}); got "
                f"{latents.shape}."
            )
        starts = range(0, len(latents), batch_size)
        progress = keras.utils.Progbar(len(starts), verbose=verbose)
        outputs = []
        with no_gradients():
            for number, start in enumerate(starts, start=1):
                batch = ops.convert_to_tensor(latents[start : start + batch_size])
                outputs.append(ops.convert_to_numpy(self._generate(batch, steps)))
                progress.update(number)
        if not outputs:
            return np.zeros((0, steps, self.features), dtype=np.float32)
        return np.concatenate(outputs)


def _checked_front_end(front_end):
    """`front_end`: `None`, or a Keras layer that passes masks on."""
    if front_end is None:
        return None
    if not isinstance(front_end, keras.layers.Layer):
        raise TypeError(
            "`front_end` must be a Keras layer (such as "
            "`keras_lstm_ae.layers.SegmentConvolution(...)`) or None; got "
            f"{front_end!r}."
        )
    if not front_end.supports_masking:
        raise ValueError(
            f"`front_end` ({type(front_end).__name__}) must pass the mask of "
            "padded steps on to the encoder (`supports_masking=True`)."
        )
    return front_end


class _Arguments(NamedTuple):
    """`LSTMAutoencoder`'s arguments, checked (`_checked_arguments`)."""

    timesteps: int
    features: int
    latent_dim: int
    units: tuple
    decoder_units: tuple
    cell: str
    activation_fn: Callable
    output_activation_fn: Callable
    dropout: float
    recurrent_dropout: float
    bidirectional: bool
    decoder: str
    seed: int | None


def _checked_arguments(
    timesteps,
    features,
    latent_dim,
    *,
    units,
    decoder_units,
    cell,
    activation,
    output_activation,
    dropout,
    recurrent_dropout,
    bidirectional,
    decoder,
    seed,
):
    """`LSTMAutoencoder`'s arguments, checked, with defaults resolved.

    Returns:
        An `_Arguments`: the arguments checked, `decoder_units` resolved, the
        activations as functions.

    Raises:
        TypeError, ValueError: naming the first argument that is wrong.
    """
    timesteps = validation.check_positive_int(timesteps, "timesteps")
    features = validation.check_positive_int(features, "features")
    latent_dim = validation.check_positive_int(latent_dim, "latent_dim")
    units = validation.check_int_tuple(units, "units")
    if decoder_units is None:
        decoder_units = tuple(reversed(units)) or (latent_dim,)
    else:
        decoder_units = validation.check_int_tuple(decoder_units, "decoder_units")
    cell = validation.check_choice(cell, "cell", tuple(architecture.CELLS))
    decoder = validation.check_choice(decoder, "decoder", architecture.DECODERS)
    dropout = validation.check_rate(dropout, "dropout")
    recurrent_dropout = validation.check_rate(recurrent_dropout, "recurrent_dropout")
    activation_fn = architecture.get_activation(activation, "activation")
    output_activation_fn = architecture.get_activation(
        output_activation, "output_activation"
    )
    if not isinstance(bidirectional, bool):
        raise TypeError(
            f"`bidirectional` must be True or False; got {bidirectional!r}."
        )
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"`seed` must be an integer or None; got {seed!r}.")
        seed = int(seed)
    if decoder == "reshape" and latent_dim % timesteps:
        raise ValueError(
            f"`decoder='reshape'` reshapes the latent into (timesteps, "
            f"latent_dim // timesteps), so `latent_dim` ({latent_dim}) must be "
            f"a multiple of `timesteps` ({timesteps})."
        )
    if bidirectional and not units and latent_dim % 2:
        raise ValueError(
            "A bidirectional encoder with `units=()` splits `latent_dim` "
            f"between its two directions, so it must be even; got {latent_dim}."
        )

    return _Arguments(
        timesteps=timesteps,
        features=features,
        latent_dim=latent_dim,
        units=units,
        decoder_units=decoder_units,
        cell=cell,
        activation_fn=activation_fn,
        output_activation_fn=output_activation_fn,
        dropout=dropout,
        recurrent_dropout=recurrent_dropout,
        bidirectional=bidirectional,
        decoder=decoder,
        seed=seed,
    )
