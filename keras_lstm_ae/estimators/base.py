"""What the scikit-learn style estimators share: parameters, training, files.

`SequenceEncoder` and `AnomalyDetector` each wrap an `LSTMAutoencoder`. This
module holds what they do alike:

- parameters: scikit-learn's `get_params`/`set_params`/`clone`, including the
  `**model_options` passed on to `LSTMAutoencoder`, and the tags scikit-learn
  reads (`__sklearn_tags__`);
- training: a seeded held-out validation split, early stopping with the best
  weights restored, Keras's progress bars when `verbose`;
- files: one `.keras` archive holding the autoencoder (loadable with
  `keras.saving.load_model`) plus the estimator's own state as JSON, written
  atomically; pickling goes through the same archive.
"""

import functools
import inspect
import os
import tempfile
from collections.abc import Mapping

import keras
import numpy as np
from sklearn.base import BaseEstimator

from keras_lstm_ae import distributed
from keras_lstm_ae._utils.saving import refuse_overwrite, saved_suffix, write_atomically
from keras_lstm_ae._utils.validation import (
    NotFittedError,
    check_positive_int,
    check_rate,
)
from keras_lstm_ae.backend.threads import FollowSpareCores, thread_limit
from keras_lstm_ae.estimators.files import read_archive, write_archive
from keras_lstm_ae.models.lstm_autoencoder import LSTMAutoencoder
from keras_lstm_ae.preprocessing.batching import SequenceBatches


def uses_threads(method):
    """Runs an estimator's method on `self.n_jobs` CPU threads (`thread_limit`)."""

    @functools.wraps(method)
    def on_chosen_threads(self, *args, **kwargs):
        with thread_limit(self.n_jobs):
            return method(self, *args, **kwargs)

    return on_chosen_threads


def model_option_names():
    """The `LSTMAutoencoder` arguments a user may pass as `**model_options`."""
    names = inspect.signature(LSTMAutoencoder.__init__).parameters
    # `seed` is the estimator's own argument, passed on by the estimator;
    # a `front_end` layer is built by the estimator from its own parameters
    # (a layer is no parameter scikit-learn can clone).
    return tuple(
        name
        for name, parameter in names.items()
        if parameter.kind == parameter.KEYWORD_ONLY
        and name not in ("seed", "front_end")
    )


class SequenceModelEstimator(BaseEstimator):
    """Base class: an estimator that trains an `LSTMAutoencoder` on sequences.

    Subclasses store their constructor arguments (scikit-learn style) and
    their `**model_options`, as given, in `self._model_options`; they define
    `_default_model_options()`.

    The options are parameters one by one (`get_params()["units"]`,
    `set_params(units=(8,))`, a grid over `units`), and `model_options`,
    the name of the `**` argument, is one too: a dict of the same options,
    `SequenceEncoder(model_options={"units": (8,)})`, for code that keeps
    them together. A named `model_options=None` argument beside a `**`
    argument of another name would not do: scikit-learn's checks, like
    `inspect.signature`, list the `**` argument's name with the others and
    pass it to the constructor and to `set_params`. An option given both
    ways takes its keyword value, so that a grid over `units` overrides
    the `units` of a fixed `model_options`. Nothing is checked before
    `fit`, as scikit-learn asks.
    """

    # --- Parameters ---

    def get_params(self, deep=True):
        """The constructor arguments, `**model_options` included."""
        params = super().get_params(deep=deep)
        params.update(self._model_options)
        return params

    def set_params(self, **params):
        """Sets constructor arguments, `**model_options` included; returns self.

        Raises:
            ValueError: If a name is neither a constructor argument, nor an
                `LSTMAutoencoder` option, nor `model_options` (a misspelt
                `threshhold`, say), as scikit-learn's `set_params` raises.
        """
        own = set(super().get_params(deep=False))
        options = (*model_option_names(), "model_options")
        for name in params:
            if name not in own and name not in options:
                raise ValueError(
                    f"{type(self).__name__} has no parameter {name!r}; its "
                    f"parameters are {', '.join(sorted(own))}, the "
                    f"LSTMAutoencoder options {', '.join(options[:-1])}, and "
                    "`model_options`, a dict of them."
                )
        for name in list(params):
            if name not in own:
                self._model_options[name] = params.pop(name)
        return super().set_params(**params)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # NaN marks a missing value (and, after a sequence, padding).
        tags.input_tags.allow_nan = True
        tags.input_tags.sparse = False
        return tags

    def _model_options_checked(self):
        options = dict(self._model_options)
        bundle = options.pop("model_options", None)
        if bundle is not None:
            if not isinstance(bundle, Mapping):
                raise TypeError(
                    "`model_options` must be a dict of LSTMAutoencoder options, "
                    f"such as {{'units': (32,)}}; got {bundle!r}."
                )
            options = {**bundle, **options}  # The keywords take precedence.
        allowed = model_option_names()
        for name in options:
            if name not in allowed:
                raise TypeError(
                    f"{type(self).__name__} got an unknown option {name!r}; "
                    "options passed on to LSTMAutoencoder are "
                    f"{', '.join(allowed)}."
                )
        return {**self._default_model_options(), **options}

    def _check_training_arguments(self):
        check_positive_int(self.epochs, "epochs")
        check_positive_int(self.batch_size, "batch_size")
        check_positive_int(self.patience, "patience")
        check_rate(self.validation_split, "validation_split")
        rate = self.learning_rate
        if isinstance(rate, bool) or not isinstance(rate, (int, float, np.floating)):
            raise TypeError(f"`learning_rate` must be a positive number; got {rate!r}.")
        if not 0 < rate < float("inf"):
            raise ValueError(f"`learning_rate` must be a positive number; got {rate}.")
        if self.seed is not None and (
            isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer))
        ):
            raise TypeError(f"`seed` must be an integer or None; got {self.seed!r}.")

    def _check_fitted(self, method):
        if not hasattr(self, "model_"):
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet. Call `fit` with "
                f"training data before `{method}`."
            )

    # --- Training ---

    def _build_model(self, timesteps, features, latent_dim, options):
        model = LSTMAutoencoder(
            timesteps=timesteps,
            features=features,
            latent_dim=latent_dim,
            seed=self.seed,
            **options,
        )
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate=self.learning_rate),
            loss="mse",
        )
        return model

    def _train(
        self,
        model,
        inputs,
        validation="split",
        callbacks=(),
        initial_epoch=0,
        prepare=None,
        augment=None,
    ):
        """Trains `model` to rebuild `inputs` back to front, with early stopping.

        The target is each input reversed in time (Srivastava et al., 2015):
        the decoder rebuilds first what the encoder read last. Training stops
        when the held-out loss has not improved for `patience` epochs, and the
        best epoch's weights are restored.

        Args:
            model: A compiled `LSTMAutoencoder`.
            inputs: `(n, steps, features)` training inputs.
            validation: Held-out inputs; `"split"` to hold out a random
                `validation_split` of `inputs` (seeded by `seed`); or `None`
                to let the training loss decide.
            callbacks: More Keras callbacks (checkpoints, loggers).
            initial_epoch: The epoch to start counting from, when a run
                resumes.
            prepare: For data on disk: a function that turns a batch read
                from `inputs` (a memmap of raw sequences) into model inputs.
                Batches are then read and prepared one at a time
                (`batching.SequenceBatches`), and `validation` must be
                `"split"` or `None`.
            augment: With `prepare`: a function that changes a batch of raw
                training sequences at random (`augmentation.time_warp`,
                say) before it is prepared as the model's input; the target
                stays the prepared batch as read. Held-out batches are not
                changed.

        Returns:
            The `History.history` dict, as lists of floats.
        """
        source = inputs
        if isinstance(validation, str):
            # One split for every process of a distributed run.
            split_seed = distributed.shared_seed(self.seed)
            order = np.random.default_rng(split_seed).permutation(len(inputs))
            held_out = 0
            if self.validation_split > 0 and len(inputs) > 1:
                held_out = round(self.validation_split * len(inputs))
                held_out = min(max(held_out, 1), len(inputs) - 1)
            if prepare is not None:
                validation = order[:held_out] if held_out else None
                inputs = order[held_out:]
            else:
                validation = inputs[order[:held_out]] if held_out else None
                inputs = inputs[order[held_out:]]
        stopping = keras.callbacks.EarlyStopping(
            monitor="loss" if validation is None else "val_loss",
            patience=self.patience,
            restore_best_weights=True,
        )
        if prepare is not None:
            training, validation = self._prepared_batches(
                source, prepare, inputs, validation, augment
            )
            inputs, targets = training, None
        else:
            targets = inputs[:, ::-1]
            if validation is not None:
                validation = (validation, validation[:, ::-1])
        history = model.fit(
            inputs,
            targets,
            validation_data=validation,
            epochs=self.epochs,
            batch_size=None if prepare is not None else self.batch_size,
            shuffle=True,
            callbacks=[stopping, *self._thread_callbacks(), *callbacks],
            verbose=self.verbose,
            initial_epoch=initial_epoch,
        )
        return {
            key: [float(v) for v in values] for key, values in history.history.items()
        }

    def _thread_callbacks(self):
        """With `n_jobs=None`, a callback that follows the spare cores as
        other programs start and stop during training."""
        return [FollowSpareCores()] if self.n_jobs is None else []

    def _prepared_batches(self, source, prepare, training, held_out, augment=None):
        """Training and held-out `SequenceBatches` of `source`'s sequences
        (index arrays), each batch prepared and paired with its reversed
        target; training inputs changed by `augment` first, if given."""

        def inputs_and_targets(raw, change=None):
            target = prepare(raw)
            inputs = target if change is None else prepare(change(raw))
            return inputs, np.ascontiguousarray(target[:, ::-1])

        common = {
            "batch_size": self.batch_size,
            "rank": distributed.rank(),
            "world_size": distributed.world_size(),
        }
        batches = SequenceBatches(
            source,
            indices=training,
            shuffle=True,
            seed=distributed.shared_seed(self.seed),
            transform=functools.partial(inputs_and_targets, change=augment),
            **common,
        )
        if held_out is None:
            return batches, None
        return batches, SequenceBatches(
            source,
            indices=held_out,
            shuffle=False,
            transform=inputs_and_targets,
            **common,
        )

    def _rebuild(self, inputs):
        """The model's reconstructions of `inputs`, put back in time order."""
        return self.model_.predict(inputs, batch_size=256, verbose=self.verbose)[
            :, ::-1
        ]

    # --- Files ---

    def _fitted_state(self):
        """The JSON-serialisable fitted state besides `model_` (subclasses)."""
        raise NotImplementedError

    def _set_fitted_state(self, state):
        raise NotImplementedError

    def save(self, filepath, overwrite=True):
        """Saves the fitted estimator to one `.keras` file, atomically.

        The file is a Keras archive: `keras.saving.load_model` reads the
        autoencoder from it, and `lae.load_encoder` / `lae.load_detector`
        the whole estimator (scaler and fitted settings included). An
        interrupted save leaves any earlier file untouched. Under
        `torch.distributed`, only rank 0 writes.

        Raises:
            NotFittedError: If the estimator is not fitted.
            ValueError: If `filepath` does not end in `.keras`.
            FileExistsError: If the file exists and `overwrite=False`.
        """
        self._check_fitted("save")
        suffix = saved_suffix(filepath, (".keras",))
        if not distributed.is_main_process():
            return  # Under torch.distributed, rank 0 writes the file.
        refuse_overwrite(filepath, overwrite)
        write_atomically(filepath, lambda path: write_archive(self, path), suffix)

    @classmethod
    def _load(cls, filepath):
        document, model = read_archive(filepath, cls.__name__)
        return cls._from_document(document, model)

    @classmethod
    def _from_document(cls, document, model):
        estimator = cls(**document["params"], **document["model_options"])
        estimator._set_fitted_state(document["fitted"])
        estimator.model_ = model
        return estimator

    # --- Pickling: the model travels as its `.keras` archive ---

    def __getstate__(self):
        state = self.__dict__.copy()
        if "model_" in state:
            with tempfile.TemporaryDirectory() as folder:
                path = os.path.join(folder, "model.keras")
                state["model_"].save(path)
                with open(path, "rb") as file:
                    state["model_"] = file.read()
        return state

    def __setstate__(self, state):
        model = state.get("model_")
        if isinstance(model, bytes):
            with tempfile.TemporaryDirectory() as folder:
                path = os.path.join(folder, "model.keras")
                with open(path, "wb") as file:
                    file.write(model)
                state["model_"] = keras.saving.load_model(path)
        self.__dict__.update(state)
