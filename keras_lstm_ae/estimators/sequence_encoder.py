"""`SequenceEncoder`: sequences in, fixed-length vectors out, in one line."""

import functools

import keras
import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin

from keras_lstm_ae._utils.validation import (
    CHUNK_ROWS,
    check_non_negative_int,
    check_non_negative_number,
    check_not_sparse,
    check_positive_int,
)
from keras_lstm_ae.estimators.base import SequenceModelEstimator, uses_threads
from keras_lstm_ae.layers import SegmentConvolution, SequencePreparation
from keras_lstm_ae.models.export import export_onnx
from keras_lstm_ae.models.layer_chain import LayerChain
from keras_lstm_ae.models.lstm_autoencoder import LAYER_SEEDS
from keras_lstm_ae.preprocessing import segments
from keras_lstm_ae.preprocessing.augmentation import time_warp
from keras_lstm_ae.preprocessing.batching import padded_lengths
from keras_lstm_ae.preprocessing.scalers import StandardScaler
from keras_lstm_ae.preprocessing.sequences import as_sequence_batch

# The width of `segment_filters`' filters, in values of the series.
SEGMENT_KERNEL_SIZE = 7


class SequenceEncoder(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, SequenceModelEstimator
):
    """Encodes each sequence as a fixed-length vector, scikit-learn style.

    `fit(X)` trains an LSTM autoencoder on the sequences and `transform(X)`
    returns its encoder's vector for each one: `(n, latent_dim)`. Everything a
    good encoding needs is inside, with defaults chosen by measurement on
    real data sets (`benchmarks/bench_encodings.py`):

    - Scaling: each feature is standardised with statistics of the whole
      training set (NaN-aware), so differences of level and amplitude between
      sequences survive, as they do for a nearest-neighbour rule on the raw
      series.
    - Fewer, wider steps: long sequences are cut into segments of
      consecutive values, each read by the LSTM as one step
      (`segment_length_`), so the encoder's state summarises a few wide steps
      rather than carrying details over hundreds of narrow ones. By default
      a sequence becomes at most 8 steps, of at most 64 values each: 150
      steps become 8 steps of 19 values, 1460 steps 23 of 64.
    - A bidirectional encoder (`LSTM(64)` each way): the vector is a
      projection of the final states of both directions, so the start of a
      sequence is as present in it as its end.
    - A reversed target (Srivastava et al., 2015): the decoder rebuilds the
      sequence back to front, so what the encoder read last is rebuilt first.
    - Held-out validation data and early stopping with the best weights
      restored.

    Sequences may have different lengths: NaN after a sequence is padding,
    and a NaN inside one is a missing value, interpolated from its
    neighbours. `transform` accepts sequences longer than any seen in `fit`.

    Args:
        latent_dim: Length of each vector. Defaults to 16.
        epochs: The most passes over the training data. Defaults to 3000;
            early stopping usually ends training sooner.
        batch_size: Sequences per gradient step. Defaults to 16.
        validation_split: Fraction of the sequences held out (at random,
            seeded by `seed`) to decide when to stop. Defaults to 0.1.
        patience: Epochs without improvement of the held-out loss before
            training stops. Defaults to 300.
        segment_length: Consecutive values per LSTM step, or `None` to choose
            from the longest training sequence as described above
            (`keras_lstm_ae.preprocessing.segments.auto_segment_length`). 1 reads one step
            at a time. Defaults to `None`.
        learning_rate: Adam's learning rate. Defaults to 0.001.
        time_warp: How much the tempo of training inputs changes at
            random, for vectors that change little when only the timing
            does: the encoder reads each sequence with each quarter played
            at a random speed (the standard deviation of its log;
            `keras_lstm_ae.preprocessing.augmentation.time_warp`), and the
            decoder rebuilds the sequence as recorded. 0.2 plays most
            quarters between 0.67x and 1.5x as fast. It helps where classes
            differ in shape whatever their timing, and costs where timing
            tells them apart (see the design notes). Defaults to 0: the
            sequences as they are.
        segment_filters: Shift-tolerant features added to every segment
            before the LSTM reads it: this many filters of 7 values each
            run along the segment's values, and each filter's largest
            response in the segment is kept
            (`keras_lstm_ae.layers.SegmentConvolution`), so that a pattern
            that moves a little within a segment reads the same. It helps
            where classes differ in the shape of events at varying places,
            and costs where exact timing tells them apart (see the design
            notes). Defaults to 0: none.
        seed: Integer seed for the split, the initial weights, the
            shuffling and the time warping, or `None`.
        verbose: Keras's progress output during `fit` and `transform`: 0
            (silent), 1 (progress bars) or 2 (a line per epoch). Defaults
            to 0.
        n_jobs: CPU threads for training and inference, set for each call
            and restored after (`keras_lstm_ae.thread_limit`); `-1` uses
            every core. Defaults to `None`: the cores other programs leave
            spare, measured when a call starts and every second of
            training (every core of an idle machine; one thread on 2 cores
            beside a busy program, where more would wait for each other),
            at most `OMP_NUM_THREADS` where set.
        **model_options: Passed on to `LSTMAutoencoder`, overriding this
            estimator's choices, e.g. `units=(64,)`, `bidirectional=False`,
            `cell="gru"`. Each is a parameter of its own (`get_params`,
            `set_params`, grid searches). They may also come as one dict,
            `model_options={"units": (64,)}`; an option given both ways
            takes its keyword value.

    Attributes:
        model_: The trained `LSTMAutoencoder`. It reads scaled sequences cut
            into segments (`segment_length_` steps each) and rebuilds them
            back to front; `transform` and `inverse_transform` do that
            bookkeeping for you.
        scaler_: The `StandardScaler` fitted on the training sequences.
        history_: The training history: a dict of per-epoch lists (`loss`,
            and `val_loss` when data was held out).
        segment_length_: Steps per segment.
        timesteps_: The longest sequence seen by `fit`.
        n_features_per_step_: Features per step: 1 for a 2-D `X`.
        n_features_in_: The width of `X` in `fit` as scikit-learn counts
            it: for a 2-D `X` (a table of one sequence per row), its
            columns, which are steps; otherwise the features per step.

    A 2-D `X` `(n, timesteps)` (an array or a DataFrame) is a table: one
    sequence per row, one step per column, NaN after a shorter sequence's
    end. `transform` reads a table of any width, as sequences of that
    length, as it reads sequences of any length in a list or a 3-D array.

    For scikit-learn (`__sklearn_tags__`), the encoder takes NaN (padding
    and gaps), 2-D and 3-D arrays but no sparse ones, and its float32
    vectors keep the dtype of float32 input only. Two of scikit-learn's
    checks expect `transform` to refuse a table of another width; see
    `tests/test_sklearn_checks.py`.

    Example:

    >>> X = [np.sin(np.linspace(0, f, 30)) for f in (3.0, 5.0, 7.0, 9.0)]
    >>> encoder = SequenceEncoder(latent_dim=4, epochs=2, seed=0).fit(X)
    >>> encoder.transform(X).shape
    (4, 4)
    """

    def __init__(
        self,
        latent_dim=16,
        *,
        epochs=3000,
        batch_size=16,
        validation_split=0.1,
        patience=300,
        segment_length=None,
        learning_rate=0.001,
        time_warp=0.0,
        segment_filters=0,
        seed=None,
        verbose=0,
        n_jobs=None,
        **model_options,
    ):
        self.latent_dim = latent_dim
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_split = validation_split
        self.patience = patience
        self.segment_length = segment_length
        self.learning_rate = learning_rate
        self.time_warp = time_warp
        self.segment_filters = segment_filters
        self.seed = seed
        self.verbose = verbose
        self.n_jobs = n_jobs
        self._model_options = model_options

    @staticmethod
    def _default_model_options():
        return {"units": (64,), "bidirectional": True}

    @property
    def _n_features_out(self):
        return self.latent_dim

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True  # (n, timesteps, features)
        # The vectors are float32, whatever the input's dtype.
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    # --- Fitting ---

    @uses_threads
    def fit(self, X, y=None, *, callbacks=(), initial_weights=None, initial_epoch=0):
        """Trains the autoencoder on the sequences `X`.

        Args:
            X: Sequences: a NaN-padded array `(n, timesteps, features)`, an
                array `(n, timesteps)` (one feature), or a list of arrays
                `(steps,)` or `(steps, features)` of different lengths.
            y: Ignored; there for scikit-learn's `Pipeline`.
            callbacks: More Keras callbacks for the training, such as a
                `keras.callbacks.ModelCheckpoint` of the autoencoder.
            initial_weights: A `.weights.h5` file of an earlier run's
                autoencoder (the same data and settings) to continue from.
            initial_epoch: The epoch to continue counting from, with
                `initial_weights`. Early stopping's patience starts afresh.

        Returns:
            The fitted encoder itself.

        Raises:
            TypeError: If `X` holds something other than numbers, is
                sparse, or an argument has the wrong type.
            ValueError: If `X` is empty or 1-D, mixes feature counts, holds
                complex numbers or a sequence with no real step, or an
                argument is out of range.
        """
        latent_dim = check_positive_int(self.latent_dim, "latent_dim")
        if self.segment_length is not None:
            check_positive_int(self.segment_length, "segment_length")
        self._check_training_arguments()
        warp = check_non_negative_number(self.time_warp, "time_warp")
        filters = check_non_negative_int(self.segment_filters, "segment_filters")
        options = self._model_options_checked()
        x = _as_sequences(X)
        table_columns = _table_columns(X)
        _check_no_empty_sequence(x, "X")
        scaler = StandardScaler().fit(x)
        segment_length = self.segment_length or segments.auto_segment_length(x.shape[1])
        prepare = functools.partial(
            _prepare, scaler=scaler, segment_length=segment_length
        )
        # A memmap is prepared batch by batch as training reads it, and so are
        # sequences warped anew for every batch.
        batched = isinstance(x, np.memmap) or warp > 0
        inputs = x if batched else prepare(x)
        augment = None
        if warp > 0:
            rng = np.random.default_rng(self.seed)
            augment = functools.partial(time_warp, strength=warp, rng=rng)
        steps = -(-x.shape[1] // segment_length)
        if filters:
            options["front_end"] = SegmentConvolution(
                filters,
                SEGMENT_KERNEL_SIZE,
                channels=x.shape[2],
                # Apart from the autoencoder's own layers' seeds.
                seed=None if self.seed is None else self.seed + LAYER_SEEDS,
                name="segment_convolution",
            )
        model = self._build_model(
            steps, segment_length * x.shape[2], latent_dim, options
        )
        if initial_weights is not None:
            # Built first, so that Adam's moments are restored with the weights.
            model.optimizer.build(model.trainable_variables)
            model.load_weights(initial_weights)
        self.history_ = self._train(
            model,
            inputs,
            callbacks=list(callbacks),
            initial_epoch=initial_epoch,
            prepare=prepare if batched else None,
            augment=augment,
        )
        self.model_ = model
        self.scaler_ = scaler
        self.segment_length_ = segment_length
        self.timesteps_ = x.shape[1]
        self.n_features_per_step_ = x.shape[2]
        self.n_features_in_ = table_columns or x.shape[2]
        return self

    # --- Encoding and decoding ---

    @uses_threads
    def transform(self, X):
        """Encodes each sequence as a vector.

        Args:
            X: Sequences, in any of the forms `fit` takes, of any length.

        Returns:
            A float32 array `(n, latent_dim)`.

        Raises:
            NotFittedError: If the encoder is not fitted.
            ValueError: If `X` has another feature count than in `fit`, or
                holds a sequence with no real step (it has no encoding).
        """
        self._check_fitted("transform")
        x = _as_sequences(X)
        if x.shape[2] != self.n_features_per_step_:
            raise ValueError(
                f"`X` has {x.shape[2]} feature(s) per step; this encoder was "
                f"fitted on {self.n_features_per_step_}."
            )
        _check_no_empty_sequence(x, "X")
        # A chunk at a time: a memmap is never read whole.
        chunk = x.shape[0] if not isinstance(x, np.memmap) else CHUNK_ROWS
        vectors = []
        for start in range(0, len(x), chunk):
            inputs = _prepare(
                np.asarray(x[start : start + chunk], dtype=np.float32),
                self.scaler_,
                self.segment_length_,
            )
            vectors.append(
                self.model_.encoder.predict(
                    inputs, batch_size=256, verbose=self.verbose
                )
            )
        return np.concatenate(vectors).astype(np.float32)

    @uses_threads
    def inverse_transform(self, Z):
        """Decodes vectors into sequences, in the original units.

        Args:
            Z: Vectors `(n, latent_dim)`, such as `transform` returns.

        Returns:
            A float32 array `(n, timesteps_, features)`: the sequence each
            vector stands for, over the longest length seen in `fit` (the
            vector does not say where a shorter sequence ended).

        Raises:
            NotFittedError: If the encoder is not fitted.
            ValueError: If `Z` is not `(n, latent_dim)`.
        """
        self._check_fitted("inverse_transform")
        z = np.asarray(Z, dtype=np.float32)
        if z.ndim != 2 or z.shape[1] != self.model_.latent_dim:
            raise ValueError(
                f"`Z` must have shape (n, {self.model_.latent_dim}); got {z.shape}."
            )
        reversed_segments = self.model_.decoder.predict(
            z, batch_size=256, verbose=self.verbose
        )
        x = segments.from_segments(
            reversed_segments[:, ::-1], self.n_features_per_step_, self.timesteps_
        )
        return self.scaler_.inverse_transform(x)

    # --- Deployment ---

    def export(self, filepath, overwrite=True):
        """Writes one ONNX file that computes `transform`'s vectors.

        The file takes raw sequences as `transform` does, in their own units:
        float32 `(n, timesteps_, n_features_per_step_)`, NaN after a sequence's end
        (pad shorter ones with `keras_lstm_ae.pad_sequences(...,
        maxlen=timesteps_)`) and for a missing value. Scaling, gap filling
        and segments are in the graph (`layers.SequencePreparation`), then
        the encoder; it returns `(n, latent_dim)` float32 vectors. The
        file's metadata names the input's layout, `timesteps`, `features`
        and `latent_dim`. Runs on the torch backend.

        Args:
            filepath: Where to write; it must end in `.onnx`.
            overwrite: Whether to replace an existing file.

        Returns:
            The path written.

        Raises:
            NotFittedError: If the encoder is not fitted.
            ValueError: If `filepath` does not end in `.onnx`, or the backend
                is not torch.
            ImportError: If `onnx` or `onnxscript` is missing
                (`pip install "keras-lstm-ae[export]"`).

        Example (with `onnxruntime` installed):

        ```python
        encoder.export("encoder.onnx")
        session = onnxruntime.InferenceSession("encoder.onnx")
        x = lae.pad_sequences(sequences, maxlen=encoder.timesteps_)
        vectors = session.run(None, {"sequences": x})[0]  # encoder.transform(x)
        ```
        """
        self._check_fitted("export")
        inputs = keras.Input(
            shape=(self.timesteps_, self.n_features_per_step_), name="sequences"
        )
        prepared = SequencePreparation(
            self.scaler_.mean_, self.scaler_.scale_, self.segment_length_
        )(inputs)
        model = LayerChain(inputs, self.model_.encoder(prepared), name="vectors")
        metadata = {
            "producer": "keras_lstm_ae.SequenceEncoder",
            "input": (
                "sequences: float32 (n, timesteps, features) in the original "
                "units; NaN after a sequence's end and for missing values"
            ),
            "output": "vectors: float32 (n, latent_dim)",
            "timesteps": self.timesteps_,
            "features": self.n_features_per_step_,
            "latent_dim": self.model_.latent_dim,
        }
        return export_onnx(model, filepath, metadata, overwrite=overwrite)

    # --- Files ---

    def _fitted_state(self):
        return {
            "scaler": self.scaler_.get_config(),
            "history": self.history_,
            "segment_length": self.segment_length_,
            "timesteps": self.timesteps_,
            "n_features_in": self.n_features_in_,
            "n_features_per_step": self.n_features_per_step_,
        }

    def _set_fitted_state(self, state):
        self.scaler_ = StandardScaler.from_config(state["scaler"])
        self.history_ = state["history"]
        self.segment_length_ = state["segment_length"]
        self.timesteps_ = state["timesteps"]
        self.n_features_in_ = state["n_features_in"]
        # Files written before tables were told apart hold features per step.
        self.n_features_per_step_ = state.get(
            "n_features_per_step", self.n_features_in_
        )


def _as_sequences(X):
    """`as_sequence_batch(X, "X")`, first refusing a sparse, a 1-D or an
    empty 2-D array in the words scikit-learn's checks look for."""
    check_not_sparse(X, "X")
    if isinstance(X, np.ndarray) and X.dtype != object:
        if X.ndim == 1:
            raise ValueError(
                f"`X` is 1-D, shape {X.shape}: one sequence, or one step of "
                "each? Reshape your data: `X[None]` is one sequence, "
                "`X[:, None]` sequences of one step; or pass a list of "
                "sequences."
            )
        if X.ndim == 2 and X.shape[1] == 0:
            raise ValueError(
                "`X` holds sequences without a step: found array with 0 "
                f"feature(s) (shape={X.shape}) while a minimum of 1 is required."
            )
    return as_sequence_batch(X, "X")


def _table_columns(X):
    """The columns of a 2-D array or DataFrame `X` (a table of sequences, one
    step per column), or `None` for a list of sequences or a 3-D array."""
    shape = getattr(X, "shape", None)
    if shape is None or len(shape) != 2 or getattr(X, "dtype", None) == object:
        return None
    return shape[1]


def _prepare(x, scaler, segment_length):
    """Raw sequences as the model reads them: scaled, gaps filled, segments."""
    return segments.to_segments(segments.fill_gaps(scaler.transform(x)), segment_length)


def _check_no_empty_sequence(x, name):
    empty = np.flatnonzero(padded_lengths(x) == 0)  # A chunk at a time.
    if empty.size:
        raise ValueError(
            f"`{name}[{empty[0]}]` has no real step (every value is NaN), so it "
            f"has no encoding; {empty.size} sequence(s) of `{name}` are empty. "
            "Drop them first."
        )


def load_encoder(filepath):
    """Loads a `SequenceEncoder` written by its `save`.

    Args:
        filepath: The `.keras` file.

    Returns:
        The fitted `SequenceEncoder`, scaler and settings included.

    Raises:
        FileNotFoundError: If there is no file at `filepath`.
        ValueError: If the file is damaged, or holds no `SequenceEncoder`.
    """
    return SequenceEncoder._load(filepath)
