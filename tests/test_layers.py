"""Fast recurrent layers: the same outputs and gradients as Keras's own.

The recurrent layers' fused kernels run on torch only, so their tests are
`torch_only`; the other layers use `keras.ops` and are tested on every backend.
"""

import keras
import numpy as np
import pytest
import torch
from keras import ops

import keras_lstm_ae as lae
from keras_lstm_ae.layers import (
    GRU,
    LSTM,
    NaNMasking,
    RepeatVector,
    TimeDistributed,
    _torch_kernels,
)
from tests.helpers import gradients

PAIRS = [(LSTM, keras.layers.LSTM), (GRU, keras.layers.GRU)]

MASKS = {
    "none": None,
    "right padded": [[1] * 7, [1] * 4 + [0] * 3, [1] + [0] * 6, [1] * 6 + [0]],
    "left padded": [[0] * 3 + [1] * 4, [1] * 7, [0] * 6 + [1], [0, 1, 1, 1, 1, 1, 1]],
    "holes": [
        [1, 0, 1, 1, 0, 1, 1],
        [0, 1, 0, 1, 0, 1, 0],
        [1] * 7,
        [1, 1, 0, 0, 0, 0, 1],
    ],
    "fully masked": [[0] * 7, [1] * 5 + [0] * 2, [0] * 7, [1] * 7],
}


def inputs(seed=0):
    return np.random.default_rng(seed).normal(size=(4, 7, 3)).astype("float32")


def twin_layers(fast_class, stock_class, **kwargs):
    """A fast and a stock layer holding the same weights."""
    fast, stock = fast_class(5, **kwargs), stock_class(5, **kwargs)
    fast.build((None, 7, 3))
    stock.build((None, 7, 3))
    stock.set_weights(fast.get_weights())
    return fast, stock


def outputs_and_gradients(layer, x, mask):
    """The layer's outputs, and the gradients of a weighted sum of them with
    respect to the inputs and the trainable weights (NumPy)."""
    mask = None if mask is None else ops.convert_to_tensor(np.array(mask, bool))

    def call(x):
        out = layer(x, mask=mask)
        return out if isinstance(out, (list, tuple)) else [out]

    def total(x):
        return sum(ops.sum(o * ops.linspace(-1.0, 1.0, o.shape[-1])) for o in call(x))

    outputs = [ops.convert_to_numpy(o) for o in call(ops.convert_to_tensor(x))]
    return outputs, gradients(total, [x], layer.trainable_weights)


def assert_same(fast, stock, mask, x=None):
    x = inputs() if x is None else x
    fast_out, fast_grads = outputs_and_gradients(fast, x, mask)
    stock_out, stock_grads = outputs_and_gradients(stock, x, mask)
    for a, b in zip(fast_out, stock_out, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)
    for a, b in zip(fast_grads, stock_grads, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)


@pytest.mark.torch_only
@pytest.mark.parametrize(("fast_class", "stock_class"), PAIRS, ids=["LSTM", "GRU"])
@pytest.mark.parametrize("mask_name", list(MASKS))
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_outputs_and_gradients_equal_stock_layer(
    fast_class, stock_class, mask_name, return_sequences, go_backwards
):
    fast, stock = twin_layers(
        fast_class,
        stock_class,
        return_sequences=return_sequences,
        go_backwards=go_backwards,
    )
    assert fast.uses_fused_kernel(MASKS[mask_name])
    assert_same(fast, stock, MASKS[mask_name])


@pytest.mark.torch_only
@pytest.mark.parametrize(("fast_class", "stock_class"), PAIRS, ids=["LSTM", "GRU"])
@pytest.mark.parametrize("mask_name", ["none", "right padded", "holes"])
def test_bidirectional_equals_stock(fast_class, stock_class, mask_name):
    fast = keras.layers.Bidirectional(fast_class(5, return_sequences=True))
    stock = keras.layers.Bidirectional(stock_class(5, return_sequences=True))
    fast.build((None, 7, 3))
    stock.build((None, 7, 3))
    assert isinstance(fast.backward_layer, fast_class)
    stock.set_weights(fast.get_weights())
    assert_same(fast, stock, MASKS[mask_name])


@pytest.mark.torch_only
@pytest.mark.parametrize(("fast_class", "stock_class"), PAIRS, ids=["LSTM", "GRU"])
def test_stacked_layers_with_padding_equal_stock(fast_class, stock_class):
    def stacked(layer_class):
        inputs_ = keras.Input((7, 3))
        hidden = NaNMasking()(inputs_)
        hidden = layer_class(6, return_sequences=True)(hidden)
        hidden = layer_class(4)(hidden)
        return keras.Model(inputs_, hidden)

    fast, stock = stacked(fast_class), stacked(stock_class)
    stock.set_weights(fast.get_weights())
    x = inputs()
    x[1, 4:] = np.nan
    x[2, 2] = np.nan
    x[3] = np.nan
    assert_same(fast, stock, None, x=x)


@pytest.mark.torch_only
@pytest.mark.parametrize("layer_class", [LSTM, GRU])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_inputs_of_another_width_than_built_for_are_refused(layer_class, bidirectional):
    # The fused kernel reads weights by the inputs' width: without the check
    # it read past them (wrong outputs, or a crash) where Keras's loop raises.
    layer = layer_class(4)
    if bidirectional:
        layer = keras.layers.Bidirectional(layer)
    layer(np.zeros((2, 3, 5), "float32"))
    with pytest.raises(ValueError, match="built for 5 features per step"):
        layer(np.ones((2, 3, 7), "float32"))


@pytest.mark.torch_only
@pytest.mark.parametrize("layer_class", [LSTM, GRU])
@pytest.mark.parametrize("shape", [(2, 6), (3, 4)], ids=["units", "batch"])
def test_initial_states_of_another_shape_are_refused(layer_class, shape):
    layer = layer_class(4)
    x = np.zeros((2, 3, 5), "float32")
    states = 2 if layer_class is LSTM else 1
    good = [np.ones((2, 4), "float32")] * states
    assert tuple(layer(x, initial_state=good).shape) == (2, 4)
    with pytest.raises(ValueError, match=r"initial states of shape \(2, 4\)"):
        layer(x, initial_state=[np.ones(shape, "float32")] * states)


@pytest.mark.torch_only
def test_input_dropout_takes_the_fused_kernel_and_drops_the_same_features():
    fast, stock = twin_layers(LSTM, keras.layers.LSTM, dropout=0.5, seed=1)
    assert fast.uses_fused_kernel()
    # The same seed gives the same dropout mask, applied to every step.
    out_fast = fast(inputs(), training=True)
    out_stock = stock(inputs(), training=True)
    np.testing.assert_allclose(
        out_fast.detach().numpy(), out_stock.detach().numpy(), atol=1e-5
    )


@pytest.mark.torch_only
@pytest.mark.parametrize(
    "kwargs",
    [
        {"recurrent_dropout": 0.3},
        {"activation": "relu"},
        {"recurrent_activation": "hard_sigmoid"},
        {"use_cudnn": False},
        {"unroll": True},
    ],
    ids=lambda kwargs: next(iter(kwargs)),
)
@pytest.mark.parametrize(("fast_class", "stock_class"), PAIRS, ids=["LSTM", "GRU"])
def test_fallback_to_the_stock_loop(fast_class, stock_class, kwargs, monkeypatch):
    fast, stock = twin_layers(fast_class, stock_class, **kwargs)
    assert not fast.uses_fused_kernel()

    def fail(*args, **kwargs):
        raise AssertionError("the fused kernel must not run")

    monkeypatch.setattr(_torch_kernels, "fused_rnn", fail)
    mask = None if kwargs.get("unroll") else MASKS["right padded"]
    np.testing.assert_allclose(
        fast(
            inputs(),
            mask=mask if mask is None else torch.tensor(mask, dtype=torch.bool),
        )
        .detach()
        .numpy(),
        stock(
            inputs(),
            mask=mask if mask is None else torch.tensor(mask, dtype=torch.bool),
        )
        .detach()
        .numpy(),
        atol=1e-6,
    )


@pytest.mark.torch_only
def test_gru_without_reset_after_falls_back():
    fast, stock = twin_layers(GRU, keras.layers.GRU, reset_after=False)
    assert not fast.uses_fused_kernel()
    assert_same(fast, stock, MASKS["right padded"])


@pytest.mark.torch_only
def test_masked_lstm_returning_states_falls_back_and_matches():
    fast, stock = twin_layers(LSTM, keras.layers.LSTM, return_state=True)
    assert fast.uses_fused_kernel(None)
    assert not fast.uses_fused_kernel(MASKS["right padded"])
    assert_same(fast, stock, MASKS["right padded"])
    assert_same(fast, stock, None)


@pytest.mark.torch_only
def test_masked_gru_returning_states_stays_fused_and_matches():
    fast, stock = twin_layers(GRU, keras.layers.GRU, return_state=True)
    assert fast.uses_fused_kernel(MASKS["holes"])
    assert_same(fast, stock, MASKS["holes"])


@pytest.mark.torch_only
def test_fused_kernel_runs_for_the_default_autoencoder(monkeypatch):
    calls = []
    original = _torch_kernels.fused_rnn

    def counting(*args, **kwargs):
        calls.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(_torch_kernels, "fused_rnn", counting)
    model = lae.LSTMAutoencoder(timesteps=7, features=3, latent_dim=2, seed=0)
    x = inputs()
    x[0, 3:] = np.nan
    model.predict(x, verbose=0)
    assert calls == ["lstm", "lstm"]


def test_config_equals_the_stock_layers_config():
    fast, stock = (
        LSTM(7, dropout=0.1, name="a"),
        keras.layers.LSTM(7, dropout=0.1, name="a"),
    )
    assert fast.get_config() == stock.get_config()
    fast_td = TimeDistributed(keras.layers.Dense(2))
    stock_td = keras.layers.TimeDistributed(keras.layers.Dense(2))
    assert fast_td.get_config().keys() == stock_td.get_config().keys()


def test_time_distributed_equals_stock_and_folds_time():
    fast = TimeDistributed(keras.layers.Dense(4))
    stock = keras.layers.TimeDistributed(keras.layers.Dense(4))
    fast.build((None, 7, 3))
    stock.build((None, 7, 3))
    stock.set_weights(fast.get_weights())
    assert fast.folds_time_into_batch()
    assert_same(fast, stock, None)
    assert not TimeDistributed(
        keras.layers.BatchNormalization()
    ).folds_time_into_batch()


@pytest.mark.torch_only
@pytest.mark.parametrize("use_bias", [True, False])
@pytest.mark.parametrize("activation", [None, "tanh"])
def test_a_plain_dense_runs_the_same_torch_calls_to_the_bit(use_bias, activation):
    from keras_lstm_ae.layers import _fast_path

    layer = keras.layers.Dense(4, use_bias=use_bias, activation=activation)
    x = torch.from_numpy(inputs())  # (batch, time, features): Dense acts per step.
    layer.build(x.shape)
    assert _fast_path.is_plain_dense(layer)
    np.testing.assert_array_equal(
        _fast_path.dense_call(layer, x).detach().numpy(),
        layer.call(x).detach().numpy(),
    )


@pytest.mark.torch_only
def test_dense_layers_the_direct_call_cannot_reproduce_keep_kerass_call():
    from keras_lstm_ae.layers import _fast_path

    lora = keras.layers.Dense(4)
    lora.build((None, 3))
    lora.enable_lora(2)
    half = keras.layers.Dense(4, dtype="mixed_float16")

    class Scaled(keras.layers.Dense):
        pass

    for layer in (lora, half, Scaled(4), keras.layers.EinsumDense("ab,bc->ac", 4)):
        assert not _fast_path.is_plain_dense(layer)


def test_time_distributed_folds_time_for_layers_that_take_2d_inputs():
    # Flatten needs the time axis folded into the batch: (4, 7, 3, 2) steps
    # become (28, 3, 2) samples, and come back as (4, 7, 6).
    x = np.random.default_rng(0).normal(size=(4, 7, 3, 2)).astype("float32")
    fast = TimeDistributed(keras.layers.Flatten())
    stock = keras.layers.TimeDistributed(keras.layers.Flatten())
    assert fast.folds_time_into_batch()
    out = keras.ops.convert_to_numpy(fast(x))
    assert out.shape == (4, 7, 6)
    np.testing.assert_array_equal(out, keras.ops.convert_to_numpy(stock(x)))
    np.testing.assert_array_equal(out, x.reshape(4, 7, 6))


def test_repeat_vector_equals_stock_values_gradients_and_config():
    fast, stock = RepeatVector(5, name="r"), keras.layers.RepeatVector(5, name="r")
    assert fast.get_config() == stock.get_config()
    grads, outs = [], []
    x = inputs()[:, 0, :]
    for layer in (fast, stock):

        def total(x, layer=layer):
            out = layer(x)
            return ops.sum(out * ops.linspace(0.5, 2.0, 5)[None, :, None] * out)

        grads.append(gradients(total, [x])[0])
        outs.append(ops.convert_to_numpy(layer(x)))
    assert outs[0].shape == (4, 5, 3)
    np.testing.assert_array_equal(outs[0], outs[1])
    np.testing.assert_allclose(grads[0], grads[1], atol=1e-6)
    assert fast.compute_output_shape((None, 3)) == (None, 5, 3)


def stock_model():
    inputs_ = keras.Input((7, 3))
    hidden = NaNMasking()(inputs_)
    hidden = keras.layers.LSTM(5, name="encoder")(hidden)
    hidden = keras.layers.RepeatVector(7)(hidden)
    hidden = keras.layers.GRU(5, return_sequences=True, name="decoder")(hidden)
    outputs = keras.layers.TimeDistributed(keras.layers.Dense(3), name="output")(hidden)
    return keras.Model(inputs_, outputs)


def fast_model():
    inputs_ = keras.Input((7, 3))
    hidden = NaNMasking()(inputs_)
    hidden = LSTM(5, name="encoder")(hidden)
    hidden = keras.layers.RepeatVector(7)(hidden)
    hidden = GRU(5, return_sequences=True, name="decoder")(hidden)
    outputs = TimeDistributed(keras.layers.Dense(3), name="output")(hidden)
    return keras.Model(inputs_, outputs)


def test_stock_weights_load_into_fast_layers(tmp_path):
    stock = stock_model()
    stock.save_weights(tmp_path / "stock.weights.h5")
    fast = fast_model()
    fast.load_weights(tmp_path / "stock.weights.h5")
    x = inputs()
    x[1, 5:] = np.nan
    np.testing.assert_allclose(
        fast.predict(x, verbose=0), stock.predict(x, verbose=0), atol=1e-6
    )


def test_fast_model_reloads_and_its_weights_load_into_stock_layers(tmp_path):
    fast = fast_model()
    fast.save(tmp_path / "fast.keras")
    reloaded = keras.saving.load_model(tmp_path / "fast.keras")
    assert type(reloaded.get_layer("encoder")) is LSTM
    fast.save_weights(tmp_path / "fast.weights.h5")
    stock = stock_model()
    stock.load_weights(tmp_path / "fast.weights.h5")
    x = inputs()
    np.testing.assert_allclose(
        stock.predict(x, verbose=0), fast.predict(x, verbose=0), atol=1e-6
    )
    np.testing.assert_allclose(
        reloaded.predict(x, verbose=0), fast.predict(x, verbose=0), atol=1e-6
    )


def test_nan_masking_marks_steps_with_any_nan():
    x = np.array([[[1.0, 2.0], [np.nan, 0.0], [0.0, 0.0], [np.nan, np.nan]]], "float32")
    layer = NaNMasking()
    mask = keras.ops.convert_to_numpy(layer.compute_mask(x))
    np.testing.assert_array_equal(mask, [[True, False, True, False]])
    out = keras.ops.convert_to_numpy(layer(x))
    np.testing.assert_array_equal(out, np.nan_to_num(x))


@pytest.mark.torch_only
def test_params_match_torch_layouts():
    layer = LSTM(3)
    layer.build((None, 2, 4))
    w_ih, w_hh, _b_ih, b_hh = _torch_kernels.lstm_params(
        layer.cell.kernel.value,
        layer.cell.recurrent_kernel.value,
        layer.cell.bias.value,
    )
    assert w_ih.shape == (12, 4)
    assert w_hh.shape == (12, 3)
    torch.testing.assert_close(w_ih, layer.cell.kernel.value.T)
    assert torch.count_nonzero(b_hh) == 0


def bump_segments(positions, segment_length=19, steps=3):
    """Steps of zeros with the bump [1, 2, 3, 2, 1] at `positions` (one per
    step, `None` for none): `(1, steps, segment_length)`."""
    x = np.zeros((1, steps, segment_length), "float32")
    for step, position in enumerate(positions):
        if position is not None:
            x[0, step, position : position + 5] = [1, 2, 3, 2, 1]
    return x


def test_segment_convolution_features_do_not_move_with_a_pattern():
    layer = lae.layers.SegmentConvolution(filters=6, kernel_size=3, seed=0)
    early = ops.convert_to_numpy(layer(bump_segments([3, 3, None])))
    late = ops.convert_to_numpy(layer(bump_segments([9, 12, None])))
    # The segment's values come first, as given; the pooled features after.
    np.testing.assert_array_equal(early[..., :19], bump_segments([3, 3, None]))
    assert early.shape == (1, 3, 19 + 6)
    np.testing.assert_allclose(early[..., 19:], late[..., 19:], rtol=0, atol=1e-6)
    # The features tell a segment with the bump from one without it.
    assert not np.allclose(early[0, 0, 19:], early[0, 2, 19:])


def test_segment_convolution_reads_each_channel_of_interleaved_values():
    # Two channels, 4 values each: a pattern in channel 1 differs from the
    # same pattern in channel 0.
    layer = lae.layers.SegmentConvolution(filters=8, kernel_size=3, channels=2, seed=0)
    x = np.zeros((2, 1, 8), "float32")
    x[0, 0, 0::2] = [0, 1, 2, 0]  # channel 0
    x[1, 0, 1::2] = [0, 1, 2, 0]  # channel 1
    y = ops.convert_to_numpy(layer(x))
    assert y.shape == (2, 1, 16)
    assert not np.allclose(y[0, 0, 8:], y[1, 0, 8:])


def test_segment_convolution_passes_the_mask_on_and_saves(tmp_path):
    inputs = keras.Input((None, 10))
    hidden = NaNMasking()(inputs)
    hidden = lae.layers.SegmentConvolution(4, 3, seed=1)(hidden)
    model = keras.Model(inputs, LSTM(3)(hidden))
    x = np.random.default_rng(0).standard_normal((2, 5, 10)).astype("float32")
    padded = np.concatenate([x, np.full((2, 3, 10), np.nan, "float32")], axis=1)
    expected = model.predict(x, verbose=0)
    np.testing.assert_allclose(model.predict(padded, verbose=0), expected, atol=1e-6)
    path = tmp_path / "model.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path)
    np.testing.assert_allclose(reloaded.predict(padded, verbose=0), expected, atol=1e-6)


def test_segment_convolution_refuses_steps_that_are_not_whole_segments():
    layer = lae.layers.SegmentConvolution(4, 3, channels=3)
    with pytest.raises(ValueError, match="channels=3.*steps of 10"):
        layer(np.zeros((1, 2, 10), "float32"))


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"filters": 0}, ValueError, "`filters` must be a positive integer"),
        ({"kernel_size": 2.5}, TypeError, "`kernel_size` must be a positive integer"),
        ({"channels": 0}, ValueError, "`channels` must be a positive integer"),
    ],
)
def test_segment_convolution_refuses_bad_arguments(arguments, error, message):
    with pytest.raises(error, match=message):
        lae.layers.SegmentConvolution(**{"filters": 4, "kernel_size": 3, **arguments})
