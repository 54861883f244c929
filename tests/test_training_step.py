"""The per-step loss, and the direct torch training step, equal Keras's own.

The training step and the loss's torch twins exist on torch only
(`torch_only`); the loss's values are tested on every backend.
"""

import keras
import numpy as np
import pytest
import torch
from keras import ops
from keras.src.backend.torch.trainer import TorchTrainer

import keras_lstm_ae as lae
from keras_lstm_ae.backend import torch_loss
from keras_lstm_ae.models import masked_loss
from tests.helpers import random_sequences, with_nan_after

LENGTHS = [6, 2, 0, 4, 6, 1, 3, 5]


def padded_batch(features=2):
    x = with_nan_after(random_sequences(8, 6, features), LENGTHS)
    x[4, 1] = np.nan  # A hole inside a sequence.
    return x


def per_step_error(name, y, y_hat):
    """NumPy's per-step loss values, `(samples, timesteps)`."""
    if name == "mse":
        return ((y_hat - y) ** 2).mean(axis=-1)
    if name == "mae":
        return np.abs(y_hat - y).mean(axis=-1)
    y_hat = np.clip(y_hat, 1e-7, 1 - 1e-7)
    return -(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)).mean(axis=-1)


def model_compiled_with(loss, **compile_kwargs):
    model = lae.LSTMAutoencoder(
        timesteps=6, features=2, latent_dim=3, output_activation="sigmoid", seed=0
    )
    model.compile(optimizer="adam", loss=loss, **compile_kwargs)
    model.evaluate(padded_batch(), verbose=0)  # Builds the compiled loss.
    return model


@pytest.mark.parametrize(
    ("loss", "name"),
    [
        ("mse", "mse"),
        ("mean_absolute_error", "mae"),
        ("binary_crossentropy", "bce"),
        (keras.losses.MeanSquaredError(), "mse"),
        (keras.losses.mean_absolute_error, "mae"),
    ],
    ids=["mse", "mae-name", "bce", "loss-instance", "function"],
)
@pytest.mark.parametrize("weighted", ["none", "sequence", "step"])
def test_loss_is_the_weighted_mean_over_real_steps(loss, name, weighted):
    model = model_compiled_with(loss)
    x = padded_batch()
    x_hat = model.predict(x, verbose=0)
    weights = {
        "none": None,
        "sequence": np.linspace(0.5, 2.0, len(x)).astype("float32"),
        "step": np.linspace(0.5, 2.0, x.shape[0] * x.shape[1])
        .reshape(x.shape[:2])
        .astype("float32"),
    }[weighted]
    value = model.compute_loss(
        x=ops.convert_to_tensor(x),
        y_pred=ops.convert_to_tensor(x_hat),
        sample_weight=None if weights is None else ops.convert_to_tensor(weights),
    )
    real = ~np.isnan(x).any(axis=-1)
    if weights is not None and weights.ndim == 1:
        weights = weights[:, None]
    step_weights = real * (1.0 if weights is None else weights)
    errors = per_step_error(name, np.nan_to_num(x), x_hat)
    expected = (errors * step_weights).sum() / real.sum()
    assert float(value) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize(
    ("loss", "compile_kwargs", "scale"),
    [
        (keras.losses.MeanSquaredError(reduction="sum"), {}, 48.0),
        ("mse", {"loss_weights": 3.0}, 3.0),
    ],
    ids=["sum-reduction", "loss-weights"],
)
def test_other_reductions_keep_keras_semantics(loss, compile_kwargs, scale):
    # Keras's own reduction runs: a "sum" adds every step's weighted error
    # (weights scaled by steps / real steps), loss weights multiply.
    model = model_compiled_with(loss, **compile_kwargs)
    x = padded_batch()
    x_hat = model.predict(x, verbose=0)
    value = model.compute_loss(
        x=ops.convert_to_tensor(x), y_pred=ops.convert_to_tensor(x_hat)
    )
    real = ~np.isnan(x).any(axis=-1)
    mean = per_step_error("mse", np.nan_to_num(x), x_hat)[real].mean()
    assert float(value) == pytest.approx(mean * scale, rel=1e-5)


def test_a_loss_that_is_not_per_step_uses_keras_reduction():
    def mean_of_everything(y_true, y_pred):
        return keras.ops.mean(keras.ops.square(y_true - y_pred))

    model = model_compiled_with(mean_of_everything)
    x = padded_batch()
    x_hat = model.predict(x, verbose=0)
    value = model.compute_loss(
        x=ops.convert_to_tensor(x), y_pred=ops.convert_to_tensor(x_hat)
    )
    # The scalar is the plain mean over every value, padding steps as zeros.
    expected = ((x_hat - np.nan_to_num(x)) ** 2).mean()
    assert float(value) == pytest.approx(expected, rel=1e-5)


@pytest.mark.torch_only
@pytest.mark.parametrize("loss", ["mse", "binary_crossentropy"])
def test_direct_train_step_equals_keras_train_step(loss):
    direct, stock = model_compiled_with(loss), model_compiled_with(loss)
    assert direct.chained_layers is not None
    x = torch.from_numpy(padded_batch())
    for _ in range(3):
        direct_logs = direct.train_step((x,))
        stock_logs = TorchTrainer.train_step(stock, (x,))
        assert float(direct_logs["loss"]) == pytest.approx(
            float(stock_logs["loss"]), rel=1e-6
        )
    for a, b in zip(direct.get_weights(), stock.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)
    assert int(direct.optimizer.iterations.numpy()) == 3


@pytest.mark.torch_only
def test_direct_test_step_equals_keras_test_step():
    direct, stock = model_compiled_with("mse"), model_compiled_with("mse")
    x = torch.from_numpy(padded_batch())
    with torch.no_grad():
        direct_logs = direct.test_step((x,))
        stock_logs = TorchTrainer.test_step(stock, (x,))
    assert float(direct_logs["loss"]) == pytest.approx(
        float(stock_logs["loss"]), rel=1e-6
    )


@pytest.mark.torch_only
def test_a_frozen_model_warns_and_keeps_its_weights():
    model = model_compiled_with("mse")
    model.trainable = False
    before = model.get_weights()
    with pytest.warns(
        UserWarning, match="no.*trainable weights|not have any trainable"
    ):
        model.train_step((torch.from_numpy(padded_batch()),))
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_fit_builds_the_compiled_loss_once():
    # `fit` traces the model symbolically while Keras's compiled loss is
    # unbuilt; the per-step loss must leave it built after the first batch.
    model = lae.LSTMAutoencoder(timesteps=6, features=2, latent_dim=3, seed=0)
    model.compile(optimizer="adam", loss="mse")
    model.fit(padded_batch(), epochs=1, verbose=0)
    assert model._compile_loss.built


def test_weight_regularizers_are_added_to_the_loss():
    model = lae.LSTMAutoencoder(timesteps=6, features=2, latent_dim=3, seed=0)
    kernel = model.encoder.get_layer("latent").kernel
    kernel.regularizer = keras.regularizers.L2(0.1)
    model.compile(optimizer="adam", loss="mse")
    x = padded_batch()
    x_hat = model.predict(x, verbose=0)
    value = model.compute_loss(
        x=ops.convert_to_tensor(x), y_pred=ops.convert_to_tensor(x_hat)
    )
    real = ~np.isnan(x).any(axis=-1)
    mse = per_step_error("mse", np.nan_to_num(x), x_hat)[real].mean()
    penalty = 0.1 * np.square(keras.ops.convert_to_numpy(kernel)).sum()
    assert penalty > 1e-3
    assert float(ops.convert_to_numpy(value)) == pytest.approx(mse + penalty, rel=1e-5)


@pytest.mark.torch_only
@pytest.mark.parametrize(
    "function", [keras.losses.mean_squared_error, keras.losses.mean_absolute_error]
)
@pytest.mark.parametrize("padded", [True, False], ids=["padded", "no-nan"])
def test_torch_twins_equal_keras_losses_values_and_gradients(function, padded):
    # The twin path (a Keras built-in) and the generic path (the same loss
    # wrapped in a function Keras does not know) give the same loss and
    # the same gradients; a batch without NaN takes the twin's fused call.
    assert function in torch_loss.TORCH_TWINS
    x = padded_batch() if padded else random_sequences(8, 6, 2)
    x = torch.from_numpy(x)
    results = []
    for loss in (function, lambda y_true, y_pred: function(y_true, y_pred)):
        model = model_compiled_with(loss)
        y_pred = torch.rand(x.shape, generator=torch.Generator().manual_seed(0))
        y_pred.requires_grad_(True)
        value = model.compute_loss(x=x, y_pred=y_pred)
        (gradient,) = torch.autograd.grad(value, y_pred)
        uses_twin = model._per_step_loss()[2] is not None
        results.append((float(value.detach()), gradient.numpy(), uses_twin))
        # The loss tracker weights the batch by its real steps.
        real_steps = (~np.isnan(x.numpy()).any(axis=-1)).sum()
        assert float(model._real_steps.value) == real_steps
    assert [uses_twin for *_, uses_twin in results] == [True, False]
    assert results[0][0] == pytest.approx(results[1][0], rel=1e-6)
    np.testing.assert_allclose(results[0][1], results[1][1], atol=1e-7)


def test_compute_loss_takes_numpy_arrays():
    model = model_compiled_with("mse")
    x = padded_batch()
    x_hat = model.predict(x, verbose=0)
    real = ~np.isnan(x).any(axis=-1)
    expected = per_step_error("mse", np.nan_to_num(x), x_hat)[real].mean()
    value = model.compute_loss(x=x, y_pred=x_hat)
    assert float(value) == pytest.approx(expected, rel=1e-5)


@pytest.mark.torch_only
def test_the_loss_tracker_sums_as_kerass_mean_does():
    # Its torch path adds in place; the totals and result are Keras's.
    real_steps = masked_loss.BatchRealSteps()
    tracker = masked_loss.RealStepWeightedMean(real_steps)
    reference = keras.metrics.Mean()
    assert float(tracker.result()) == float(reference.result()) == 0.0
    rng = np.random.default_rng(0)
    for _ in range(20):
        loss = torch.tensor(rng.uniform(0, 3), requires_grad=True) * 1.0
        real_steps.value = torch.tensor(float(rng.integers(1, 6400)))
        tracker.update_state(loss)
        reference.update_state(loss.detach(), sample_weight=real_steps.value)

    for ours, keras_own in zip(
        (tracker.total, tracker.count, tracker.result()),
        (reference.total, reference.count, reference.result()),
        strict=True,
    ):
        assert float(ours) == float(keras_own)
    tracker.reset_state()
    assert float(tracker.result()) == 0.0
    real_steps.value = None  # No batch yet: each value weighs 1, as in Keras.
    tracker.update_state(torch.tensor(2.0))
    tracker.update_state(4.0)
    assert (float(tracker.count), float(tracker.result())) == (2.0, 3.0)
