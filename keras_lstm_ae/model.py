"""`LSTMAutoencoder`: a sequence autoencoder with standalone encoder and decoder."""

import contextlib
import inspect

import keras
import numpy as np
from keras import ops
from keras.src.backend import set_keras_mask  # Not exported; stable since Keras 3.6.

from keras_lstm_ae import distributed, masked_loss, validation
from keras_lstm_ae import layers as lae_layers
from keras_lstm_ae._seeding import seeded_shuffling
from keras_lstm_ae.batching import SequenceBatches
from keras_lstm_ae.callbacks import TerminateOnNaNKeepBest, restore_only
from keras_lstm_ae.chain import LayerChain, run_chain
from keras_lstm_ae.saving import refuse_overwrite, saved_suffix, write_atomically

CELLS = {"lstm": lae_layers.LSTM, "gru": lae_layers.GRU}
# Callbacks that write files: under torch.distributed, rank 0's only.
FILE_CALLBACKS = (
    keras.callbacks.CSVLogger,
    keras.callbacks.TensorBoard,
)
DECODERS = ("repeat", "reshape")


def _is_array_like(data):
    return isinstance(data, (np.ndarray, list)) or (
        hasattr(data, "__array__") and not isinstance(data, keras.utils.PyDataset)
    )


def _rnn_layer(
    cell, units, *, return_sequences, activation, dropout, recurrent_dropout, seed, name
):
    kwargs = {}
    if seed is not None:
        kwargs = {
            "kernel_initializer": keras.initializers.GlorotUniform(seed=seed),
            "recurrent_initializer": keras.initializers.Orthogonal(seed=seed),
            "seed": seed,
        }
    return CELLS[cell](
        units,
        activation=activation,
        return_sequences=return_sequences,
        dropout=dropout,
        recurrent_dropout=recurrent_dropout,
        name=name,
        **kwargs,
    )


def _dense_layer(units, *, activation, seed, name):
    initializer = (
        keras.initializers.GlorotUniform(seed=seed)
        if seed is not None
        else "glorot_uniform"
    )
    return keras.layers.Dense(
        units, activation=activation, kernel_initializer=initializer, name=name
    )


@keras.saving.register_keras_serializable(package="keras_lstm_ae")
class LSTMAutoencoder(LayerChain):
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
        seed=None,
        **kwargs,
    ):
        timesteps = validation.check_positive_int(timesteps, "timesteps")
        features = validation.check_positive_int(features, "features")
        latent_dim = validation.check_positive_int(latent_dim, "latent_dim")
        units = validation.check_int_tuple(units, "units")
        if decoder_units is None:
            decoder_units = tuple(reversed(units)) or (latent_dim,)
        else:
            decoder_units = validation.check_int_tuple(decoder_units, "decoder_units")
        cell = validation.check_choice(cell, "cell", tuple(CELLS))
        decoder = validation.check_choice(decoder, "decoder", DECODERS)
        dropout = validation.check_rate(dropout, "dropout")
        recurrent_dropout = validation.check_rate(
            recurrent_dropout, "recurrent_dropout"
        )
        activation_fn = _get_activation(activation, "activation")
        output_activation_fn = _get_activation(output_activation, "output_activation")
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

        layer_options = {
            "cell": cell,
            "activation": activation_fn,
            "dropout": dropout,
            "recurrent_dropout": recurrent_dropout,
        }
        seeds = iter(range(seed, seed + 1000)) if seed is not None else None

        def next_seed():
            return None if seeds is None else next(seeds)

        # === Encoder ===
        encoder_inputs = keras.Input(shape=(None, features), name="encoder_input")
        hidden = lae_layers.NaNMasking(name="nan_masking")(encoder_inputs)
        encoder_sizes = units or (latent_dim // 2 if bidirectional else latent_dim,)
        # `Bidirectional` copies the layer it wraps through its config. While a
        # file loads, Keras matches the objects it serializes by `id()`, so a
        # wrapped layer that the garbage collector frees before the next one
        # is made can pass its id on, and the next `Bidirectional` gets the
        # earlier copies (Keras 3.15: one load in 40 of a two-layer encoder
        # failed). Holding the wrapped layers keeps their ids apart.
        wrapped = []
        for index, size in enumerate(encoder_sizes):
            rnn = _rnn_layer(
                units=size,
                return_sequences=index < len(encoder_sizes) - 1,
                seed=next_seed(),
                name=f"encoder_{cell}_{index + 1}",
                **layer_options,
            )
            if bidirectional:
                wrapped.append(rnn)
                rnn = keras.layers.Bidirectional(
                    rnn, name=f"encoder_bi{cell}_{index + 1}"
                )
            hidden = rnn(hidden)
        if units:
            hidden = _dense_layer(
                latent_dim, activation=None, seed=next_seed(), name="latent"
            )(hidden)
        encoder = LayerChain(encoder_inputs, hidden, name="encoder")

        # === Decoder ===
        decoder_inputs = keras.Input(shape=(latent_dim,), name="decoder_input")
        if decoder == "repeat":
            hidden = lae_layers.RepeatVector(timesteps, name="repeat")(decoder_inputs)
        else:
            hidden = keras.layers.Reshape(
                (timesteps, latent_dim // timesteps), name="reshape"
            )(decoder_inputs)
        for index, size in enumerate(decoder_units):
            hidden = _rnn_layer(
                units=size,
                return_sequences=True,
                seed=next_seed(),
                name=f"decoder_{cell}_{index + 1}",
                **layer_options,
            )(hidden)
        outputs = lae_layers.TimeDistributed(
            _dense_layer(
                features,
                activation=output_activation_fn,
                seed=next_seed(),
                name="output",
            ),
            name="reconstruction",
        )(hidden)
        decoder_model = LayerChain(decoder_inputs, outputs, name="decoder")

        # === Functional Model ===
        inputs = keras.Input(shape=(timesteps, features), name="sequences")
        super().__init__(
            inputs=inputs, outputs=decoder_model(encoder(inputs)), **kwargs
        )

        # === Config ===
        self.encoder = encoder
        self.decoder = decoder_model
        self.timesteps = timesteps
        self.features = features
        self.latent_dim = latent_dim
        self.units = units
        self.decoder_units = decoder_units
        self.cell = cell
        self.activation = activation_fn
        self.output_activation = output_activation_fn
        self.dropout = dropout
        self.recurrent_dropout = recurrent_dropout
        self.bidirectional = bidirectional
        self.decoder_kind = decoder
        self.seed = seed
        self._batch_real_steps = masked_loss.BatchRealSteps()
        # Batches cut short (`fit(..., group_by_length=True)`) are rebuilt at
        # their own length (`call`), so any length up to `timesteps` passes.
        self.input_spec = keras.InputSpec(ndim=3, axes={-1: features})

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
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("activation", "output_activation"):
            config[key] = keras.activations.deserialize(config[key])
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
        with _no_gradients():
            for number, start in enumerate(starts, start=1):
                batch = ops.convert_to_tensor(latents[start : start + batch_size])
                outputs.append(ops.convert_to_numpy(self._generate(batch, steps)))
                progress.update(number)
        if not outputs:
            return np.zeros((0, steps, self.features), dtype=np.float32)
        return np.concatenate(outputs)

    # --- Training on NaN-padded data ---

    def _use_real_step_loss_tracker(self):
        # Set without Keras's attribute tracking, which would list the
        # tracker twice among the metrics (Keras sets its own untracked).
        tracker = getattr(self, "_loss_tracker", None)
        if tracker is not None and not isinstance(
            tracker, masked_loss.RealStepWeightedMean
        ):
            object.__setattr__(
                self,
                "_loss_tracker",
                masked_loss.RealStepWeightedMean(self._batch_real_steps),
            )

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        """The compiled loss over real (non-NaN) steps only.

        A target step with any NaN is padding or missing: its weight is 0,
        and the loss is the mean over the batch's real steps (0 when there is
        none, so a batch of empty sequences leaves the loss finite).
        """
        y = x if y is None else y
        step_loss = self._per_step_loss()
        # The first call builds Keras's compiled loss, which `fit` checks.
        use_step_loss = step_loss is not None and self._compile_loss.built
        if use_step_loss and step_loss[2] is not None:
            from keras_lstm_ae import _torch_loss

            loss, self._batch_real_steps.value = _torch_loss.masked_step_mean(
                step_loss[2], y, y_pred, sample_weight
            )
            return loss
        y, weights, real_steps = masked_loss.mask_missing_steps(y, sample_weight)
        self._batch_real_steps.value = real_steps
        if use_step_loss:
            values = masked_loss.step_values(step_loss, y, y_pred)
            if tuple(values.shape) == tuple(weights.shape):
                return ops.sum(values * weights) / ops.maximum(real_steps, 1.0)
        # Keras divides by every step; scaling makes it a mean over real ones.
        total_steps = ops.cast(ops.shape(weights)[0] * ops.shape(weights)[1], y.dtype)
        weights = weights * (total_steps / ops.maximum(real_steps, 1.0))
        return super().compute_loss(
            x=x, y=y, y_pred=y_pred, sample_weight=weights, training=training
        )

    def _per_step_loss(self):
        """The compiled loss as `(function, dtype, torch_twin)` giving per-step
        values (see `masked_loss.as_step_loss`), or `None` where Keras's own reduction
        must run.

        Weighting the per-step values by hand gives what Keras's compiled loss
        gives with the same weights (for a single loss that averages over the
        batch) without its general bookkeeping, which on a small model costs
        as much as the loss itself. Resolved once per `compile`; a model with
        additional losses (weight regularizers) keeps Keras's reduction, which
        adds them.
        """
        compile_loss = getattr(self, "_compile_loss", None)
        cached = self.__dict__.get("_step_loss_cache")
        if cached is not None and cached[0] is compile_loss:
            return cached[1]
        step_loss = None
        if not self.losses:
            step_loss = masked_loss.as_step_loss(
                self.loss, getattr(compile_loss, "_user_loss_weights", "unknown")
            )
        # Untracked: Keras would otherwise list the loss among the layers.
        object.__setattr__(self, "_step_loss_cache", (compile_loss, step_loss))
        return step_loss

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Updates the compiled metrics over real (non-NaN) steps only."""
        y = x if y is None else y
        if self._compile_metrics is None:
            return super().compute_metrics(x, y, y_pred, sample_weight=sample_weight)
        missing = ops.isnan(y)
        y = ops.where(missing, 0.0, y)
        # Keras applies a prediction's mask to every metric, weighted or not
        # (`metrics=` ignore sample weights).
        set_keras_mask(y_pred, ops.logical_not(ops.any(missing, axis=-1)))
        return super().compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    # --- Checked entry points ---

    def _check(self, data, name):
        if not _is_array_like(data):
            return data  # Datasets and generators are read lazily.
        return validation.check_sequences(
            data, name=name, features=self.features, timesteps=self.timesteps
        )

    def _check_pair(self, x, y, x_name="x", y_name="y"):
        """Checks inputs and targets; `y` stays `None` when it is `x` itself.

        The loss then reads the targets from `x`, and Keras slices and moves
        one array per batch instead of two.
        """
        same_targets = y is None or y is x
        x = self._check(x, x_name)
        if same_targets:
            return x, None
        y = self._check(y, y_name)
        if _is_array_like(x) and _is_array_like(y) and len(x) != len(y):
            raise ValueError(
                f"`{x_name}` and `{y_name}` must hold the same number of sequences; "
                f"got {len(x)} and {len(y)}."
            )
        return x, y

    def _check_validation_data(self, validation_data):
        if isinstance(validation_data, tuple):
            if not 1 <= len(validation_data) <= 3:
                raise ValueError(
                    "`validation_data` must be `x_val`, `(x_val,)`, `(x_val, y_val)` "
                    f"or `(x_val, y_val, sample_weight)`; got {len(validation_data)} items."
                )
            x_val, y_val = self._check_pair(
                validation_data[0],
                validation_data[1] if len(validation_data) > 1 else None,
                "validation_data[0]",
                "validation_data[1]",
            )
            return (x_val, y_val, *validation_data[2:])
        if _is_array_like(validation_data):
            x_val = self._check(validation_data, "validation_data")
            return (x_val,)
        return validation_data

    def _seeded_shuffling(self):
        # A seeded model shuffles the same way every run, on every backend,
        # without changing the caller's random state; a resumed run (later
        # optimizer step) draws new orders.
        if self.seed is None:
            return seeded_shuffling(None)
        step = int(self.optimizer.iterations.numpy()) if self.optimizer else 0
        return seeded_shuffling(self.seed + step)

    def fit(self, x=None, y=None, *args, group_by_length=False, **kwargs):
        """Trains the autoencoder; `y` defaults to `x`.

        Arguments are those of `keras.Model.fit`, and `group_by_length`.
        Array inputs are checked first (shape, features, length, numbers, no
        infinities; a memmap in chunks), arrays in memory with fewer steps
        than `timesteps` are NaN-padded, and training stops at the first
        non-finite loss with the best weights restored
        (`TerminateOnNaNKeepBest`, added unless a NaN callback is given).

        Arrays are read batch by batch (`batching.SequenceBatches`) on the
        torch backend, and on any backend for a memmap or with
        `group_by_length`: a memmap is never loaded whole. Shuffling is then
        seeded by the model's `seed`; with `validation_split`, the held-out
        sequences are the last ones, as in Keras.

        Under `torch.distributed` (see `keras_lstm_ae.distributed`), it
        trains data-parallel: `batch_size` is the global batch, each process
        computes its share of it, and every process ends with the weights
        one process would get.

        Args:
            group_by_length: Whether to put sequences of similar length in
                the same batch and cut each batch after the last real step
                any of its sequences has, which skips most of the padding's
                work. The batches' losses and gradients are those of the
                same batches at full length; only which sequences share a
                batch changes (shuffled groups of 50 batches, sorted by
                length within each). It needs array inputs; validation
                batches are grouped too. Defaults to `False`.
        """
        arguments = _named_arguments(keras.Model.fit, self, x, y, *args, **kwargs)
        if not isinstance(group_by_length, (bool, np.bool_)):
            raise TypeError(
                f"`group_by_length` must be True or False; got {group_by_length!r}."
            )
        arguments["x"], arguments["y"] = self._check_pair(
            arguments.get("x"), arguments.get("y")
        )
        if arguments.get("validation_data") is not None:
            arguments["validation_data"] = self._check_validation_data(
                arguments["validation_data"]
            )
        parallel = distributed.is_active()
        if parallel and self._direct_chain is None:
            raise ValueError(
                "Data-parallel training needs the direct torch path: float32 "
                "layers (no mixed precision policy)."
            )
        x = arguments["x"]
        if _is_array_like(x) and (
            keras.backend.backend() == "torch"
            or group_by_length
            or isinstance(x, np.memmap)
        ):
            self._read_in_batches(arguments, group_by_length)
        elif group_by_length or (parallel and not isinstance(x, SequenceBatches)):
            raise TypeError(
                "`group_by_length=True` and data-parallel training batch arrays "
                "themselves: `x` must be a NumPy array (or memmap) of sequences; "
                f"got {type(x).__name__}."
            )
        elif isinstance(x, SequenceBatches):
            # It shuffles itself, seeded; Keras would reorder its batches with
            # Python's unseeded `random`.
            arguments["shuffle"] = False
        callbacks = list(arguments.get("callbacks") or [])
        if not any(
            isinstance(c, (TerminateOnNaNKeepBest, keras.callbacks.TerminateOnNaN))
            for c in callbacks
        ):
            callbacks.append(TerminateOnNaNKeepBest())
        if parallel:
            distributed.broadcast_variables(self.variables)
            if not distributed.is_main_process():
                # Files and progress are rank 0's (saves are, in `save`);
                # every process restores a backup, rank 0 writes it.
                callbacks = [
                    restore_only(c)
                    if isinstance(c, keras.callbacks.BackupAndRestore)
                    else c
                    for c in callbacks
                    if not isinstance(c, FILE_CALLBACKS)
                ]
                arguments["verbose"] = 0
        arguments["callbacks"] = callbacks
        self._use_real_step_loss_tracker()
        with self._seeded_shuffling():
            return super().fit(**arguments)

    def _read_in_batches(self, arguments, group_by_length):
        """Replaces `fit`'s arrays by `SequenceBatches`, in place."""
        x, y = arguments.get("x"), arguments.get("y")
        sample_weight = arguments.pop("sample_weight", None)
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight)
            if sample_weight.shape not in ((len(x),), (len(x), x.shape[1])):
                raise ValueError(
                    "`sample_weight` must be one weight per sequence, shape "
                    f"({len(x)},), or one per step, shape ({len(x)}, {x.shape[1]}); "
                    f"got {sample_weight.shape}."
                )
        batch_size = arguments.pop("batch_size", None) or 32
        split = arguments.pop("validation_split", 0.0) or 0.0
        validation = arguments.get("validation_data")
        if split and validation is None:
            # Keras holds out the last sequences, before shuffling.
            cut = int(np.ceil(len(x) * (1 - split)))
            validation = (
                x[cut:],
                None if y is None else y[cut:],
                None if sample_weight is None else sample_weight[cut:],
            )
            x, y = x[:cut], None if y is None else y[:cut]
            sample_weight = None if sample_weight is None else sample_weight[:cut]
        shards = {"rank": distributed.rank(), "world_size": distributed.world_size()}
        if isinstance(validation, tuple):
            x_val, y_val, weights_val = (*validation, None, None)[:3]
            arguments["validation_data"] = SequenceBatches(
                x_val,
                y_val,
                weights_val,
                batch_size=arguments.get("validation_batch_size") or batch_size,
                shuffle=False,
                group_by_length=group_by_length,
                **shards,
            )
        step = int(self.optimizer.iterations.numpy()) if self.optimizer else 0
        seed = None if self.seed is None else self.seed + step
        arguments["x"] = SequenceBatches(
            x,
            y,
            sample_weight,
            batch_size=batch_size,
            shuffle=bool(arguments.get("shuffle", True)),
            seed=distributed.shared_seed(seed),
            group_by_length=group_by_length,
            **shards,
        )
        arguments["y"] = None
        arguments["shuffle"] = False  # The batches shuffle themselves, seeded.

    # --- Training across processes (torch.distributed) ---

    def _combine_losses(self, loss):
        """The global batch's loss from every process's share of it.

        A process's loss is the mean over its real steps. The global loss is
        the sum of every process's per-step values over all real steps;
        differentiating this process's part of it (its sum over the global
        count), then summing gradients across processes, gives the gradient
        of the global loss.
        """
        if not distributed.is_active():
            return loss, loss
        import torch

        local_steps = torch.as_tensor(self._batch_real_steps.value, dtype=loss.dtype)
        local_sum = loss * local_steps
        total_sum, total_steps = distributed.all_reduce_sum([local_sum, local_steps])
        total_steps = total_steps.clamp(min=1.0)
        self._batch_real_steps.value = total_steps  # The loss tracker's weight.
        return local_sum / total_steps, total_sum / total_steps

    def _combine_gradients(self, gradients):
        if distributed.is_active():
            distributed.sum_gradients(gradients)

    def get_metrics_result(self):
        """The metrics' results; under `torch.distributed`, over every
        process's batches.

        The loss is combined as each batch is (`_combine_losses`). Each
        compiled metric's state (Keras's metrics keep totals and counts) is
        summed across processes for its result, then this process's own is
        put back, so that the next batch adds to it.
        """
        if not distributed.is_active():
            return super().get_metrics_result()
        variables = [
            variable
            for metric in self.metrics
            if metric is not self._loss_tracker
            for variable in metric.variables
        ]
        if not variables:
            return super().get_metrics_result()
        own = [variable.value.detach().clone() for variable in variables]
        for variable, total in zip(
            variables, distributed.all_reduce_sum(own), strict=True
        ):
            variable.assign(total)
        try:
            return super().get_metrics_result()
        finally:
            for variable, value in zip(variables, own, strict=True):
                variable.assign(value)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        """Evaluates the reconstruction loss over real steps; `y` defaults to `x`."""
        arguments = _named_arguments(keras.Model.evaluate, self, x, y, *args, **kwargs)
        x, y = self._check_pair(arguments.get("x"), arguments.get("y"))
        if isinstance(x, np.memmap):
            # Read batch by batch, never whole.
            x = SequenceBatches(
                x,
                y,
                arguments.pop("sample_weight", None),
                batch_size=arguments.pop("batch_size", None) or 32,
                shuffle=False,
            )
            y = None
        arguments["x"], arguments["y"] = x, y
        self._use_real_step_loss_tracker()
        return super().evaluate(**arguments)

    def predict(self, x, *args, **kwargs):
        """Reconstructs sequences: `(samples, timesteps, features)`."""
        return super().predict(self._check(x, "x"), *args, **kwargs)

    # --- Saving ---

    def save(self, filepath, overwrite=True, **kwargs):
        """Saves to a `.keras` file, atomically: a failed save loses nothing.

        Under `torch.distributed`, only rank 0 writes.

        Raises:
            FileExistsError: If the file exists and `overwrite=False`.
        """
        suffix = saved_suffix(filepath, (".keras",))
        if not distributed.is_main_process():
            return  # Under torch.distributed, rank 0 writes the file.
        refuse_overwrite(filepath, overwrite)
        optimizer = getattr(self, "optimizer", None)
        if optimizer is not None and not optimizer.built:
            # Otherwise the file holds an unbuilt optimizer, and loading it
            # warns that its variables could not be restored.
            optimizer.build(self.trainable_variables)
        write_atomically(
            filepath, lambda path: keras.Model.save(self, path, **kwargs), suffix
        )

    def save_weights(self, filepath, overwrite=True, **kwargs):
        """Saves the weights to a `.weights.h5` file, atomically (rank 0 only,
        under `torch.distributed`)."""
        suffix = saved_suffix(filepath, (".weights.h5",))
        if not distributed.is_main_process():
            return  # Under torch.distributed, rank 0 writes the file.
        refuse_overwrite(filepath, overwrite)
        write_atomically(
            filepath,
            lambda path: keras.Model.save_weights(self, path, **kwargs),
            suffix,
        )


def _named_arguments(method, model, *args, **kwargs):
    """A call's arguments to a `keras.Model` method, by name (no `self`)."""
    arguments = inspect.signature(method).bind(model, *args, **kwargs).arguments
    arguments.pop("self")
    arguments.update(arguments.pop("kwargs", {}))
    return arguments


def _no_gradients():
    """A context without gradient tracking on torch; nothing elsewhere."""
    if keras.backend.backend() == "torch":
        import torch

        return torch.no_grad()
    return contextlib.nullcontext()


def _get_activation(identifier, name):
    try:
        return keras.activations.get(identifier)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"`{name}` must be an activation name such as 'tanh', 'relu', "
            f"'sigmoid' or 'linear', or a callable; got {identifier!r}."
        ) from error
