"""The masked loss's bookkeeping: real steps only, whatever the batch.

A target step with any NaN is padding or missing. `LSTMAutoencoder`'s loss is
the mean of the compiled loss's per-step values over a batch's real steps,
and its loss tracker weights each batch by its real steps, so that an epoch's
loss (and `evaluate`) is the mean over all real steps. Where Keras's own
reduction must run (several losses, loss weights, regularizers), the weights
are scaled to give the same mean.
"""

import keras
from keras import ops
from keras.src.losses.losses import LossFunctionWrapper  # Not exported.


class BatchRealSteps:
    """Holds the number of real steps of the batch whose loss was just computed."""

    value = None


class RealStepWeightedMean(keras.metrics.Mean):
    """The loss tracker: averages batch losses weighted by their real steps.

    Each batch's loss is the mean over its real steps; weighting batches by
    their number of real steps makes the epoch's loss (and `evaluate`) the
    mean over all real steps, whatever the batch size.

    On the torch backend, a batch's loss is added to the totals in place
    (`torch_loss.add_weighted`) rather than through Keras's general
    `Mean.update_state`, whose conversions cost about 0.1 ms a batch: the
    same sums, for the one scalar loss this tracker receives.
    """

    def __init__(self, real_steps, name="loss"):
        super().__init__(name=name)
        self._real_steps = real_steps

    def _in_place_sums(self):
        """`backend.torch_loss` where the totals are added in place (float32
        on torch), else `None`."""
        if keras.backend.backend() != "torch" or self.dtype != "float32":
            return None
        from keras_lstm_ae.backend import torch_loss

        return torch_loss

    def update_state(self, values, sample_weight=None):
        if self._real_steps.value is not None:
            sample_weight = self._real_steps.value
        sums = self._in_place_sums()
        if sums and sums.add_weighted(self.total, self.count, values, sample_weight):
            return None
        return super().update_state(values, sample_weight=sample_weight)

    def result(self):
        sums = self._in_place_sums()
        if sums:
            return sums.mean_or_zero(self.total, self.count)
        return super().result()


def mask_missing_steps(y, sample_weight):
    """Replaces NaN targets by 0 and returns per-step weights that skip them.

    Returns:
        `(y, weights, real_steps)`: the cleaned targets, weights of shape
        `(samples, timesteps)` that are 0 on missing steps (times any user
        sample weights), and the number of real steps.
    """
    missing = ops.isnan(y)
    present = ops.cast(ops.logical_not(ops.any(missing, axis=-1)), y.dtype)
    y = ops.where(missing, 0.0, y)
    weights = present
    if sample_weight is not None:
        sample_weight = ops.cast(sample_weight, y.dtype)
        if len(sample_weight.shape) == 1:
            sample_weight = ops.expand_dims(sample_weight, axis=-1)
        weights = weights * sample_weight
    return y, weights, ops.sum(present)


def as_step_loss(loss, loss_weights):
    """`(function, dtype, torch_twin)` for `loss`'s unreduced values, or `None`.

    `None` where Keras's own reduction must run: several losses or loss
    weights, a reduction other than the batch mean, or a cross-entropy whose
    kind Keras picks from the data. `torch_twin` is the same per-step loss in
    plain torch (`_torch_loss`), on the torch backend and for the losses that
    have one; otherwise `None`.
    """
    if loss is None or loss_weights is not None:
        return None
    if isinstance(loss, str):
        if loss.lower() in ("crossentropy", "ce"):
            return None
        try:
            loss = keras.losses.get(loss)
        except ValueError:
            return None
    if isinstance(loss, keras.losses.Loss):
        if loss.reduction not in ("sum_over_batch_size", "mean"):
            return None
        # A Keras loss class that wraps a function with no extra arguments
        # (`MeanSquaredError()`) is that function.
        function = loss.call
        if (
            isinstance(loss, LossFunctionWrapper)
            and type(loss).call is LossFunctionWrapper.call
            and not loss._fn_kwargs
        ):
            function = loss.fn
        dtype = loss.dtype
    elif callable(loss):
        function, dtype = loss, keras.backend.floatx()
    else:
        return None
    return function, dtype, _torch_twin(function, dtype)


def _torch_twin(function, dtype):
    if keras.backend.backend() != "torch" or dtype != "float32":
        return None
    from keras_lstm_ae.backend import torch_loss as _torch_loss

    return _torch_loss.TORCH_TWINS.get(function)


def step_values(step_loss, y, y_pred):
    """Unreduced loss values, computed in the loss's dtype as `Loss` does."""
    function, dtype, _ = step_loss
    if keras.backend.standardize_dtype(y.dtype) != dtype:
        y = ops.cast(y, dtype)
    if keras.backend.standardize_dtype(y_pred.dtype) != dtype:
        y_pred = ops.cast(y_pred, dtype)
    return function(y, y_pred)
