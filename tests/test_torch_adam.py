"""The direct step's Adam update is Keras's `optimizer.apply`, to the bit."""

import keras
import numpy as np
import pytest
import torch

from keras_lstm_ae.backend import torch_adam

pytestmark = pytest.mark.torch_only


def variables_and_optimizer(optimizer):
    """Three float32 variables, and `optimizer` built on them."""
    rng = np.random.default_rng(0)
    variables = [
        keras.Variable(rng.standard_normal(shape).astype("float32"))
        for shape in [(4, 8), (8,), (3, 8, 2)]
    ]
    optimizer.build(variables)
    return variables, optimizer


def random_gradients(variables, step):
    rng = np.random.default_rng(step + 1)
    return [
        torch.from_numpy(rng.standard_normal(v.shape).astype("float32"))
        for v in variables
    ]


def state(variables, optimizer):
    return [np.array(v.numpy()) for v in [*variables, *optimizer.variables]]


@pytest.mark.parametrize(
    "make_optimizer",
    [
        lambda: keras.optimizers.Adam(),
        lambda: keras.optimizers.Adam(0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-5),
        lambda: keras.optimizers.Adam(
            keras.optimizers.schedules.ExponentialDecay(0.01, 2, 0.5)
        ),
    ],
    ids=["defaults", "options", "schedule"],
)
def test_plain_adam_leaves_what_apply_leaves_to_the_bit(make_optimizer):
    own_variables, own = variables_and_optimizer(make_optimizer())
    keras_variables, reference = variables_and_optimizer(make_optimizer())
    for step in range(4):
        assert torch_adam.apply_plain_adam(
            own, random_gradients(own_variables, step), own_variables
        )
        reference.apply(random_gradients(keras_variables, step), keras_variables)
    assert int(own.iterations.numpy()) == 4
    for a, b in zip(
        state(own_variables, own),
        state(keras_variables, reference),
        strict=True,
    ):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "make_optimizer",
    [
        lambda: keras.optimizers.Adam(amsgrad=True),
        lambda: keras.optimizers.Adam(clipnorm=1.0),
        lambda: keras.optimizers.Adam(global_clipnorm=1.0),
        lambda: keras.optimizers.Adam(clipvalue=0.5),
        lambda: keras.optimizers.Adam(weight_decay=0.01),
        lambda: keras.optimizers.Adam(use_ema=True),
        lambda: keras.optimizers.Adam(gradient_accumulation_steps=2),
        lambda: keras.optimizers.Adam(loss_scale_factor=8.0),
        lambda: keras.optimizers.AdamW(),
        lambda: keras.optimizers.SGD(),
    ],
    ids=[
        "amsgrad",
        "clipnorm",
        "global_clipnorm",
        "clipvalue",
        "weight_decay",
        "ema",
        "accumulation",
        "loss_scale",
        "adamw",
        "sgd",
    ],
)
def test_other_optimizers_and_options_are_left_to_apply(make_optimizer):
    variables, optimizer = variables_and_optimizer(make_optimizer())
    before = state(variables, optimizer)
    assert not torch_adam.apply_plain_adam(
        optimizer, random_gradients(variables, 0), variables
    )
    for a, b in zip(before, state(variables, optimizer), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_missing_gradient_or_a_constraint_is_left_to_apply():
    variables, optimizer = variables_and_optimizer(keras.optimizers.Adam())
    gradients = random_gradients(variables, 0)
    assert not torch_adam.apply_plain_adam(optimizer, [None, *gradients[1:]], variables)
    variables[0].constraint = keras.constraints.NonNeg()
    assert not torch_adam.apply_plain_adam(optimizer, gradients, variables)
    assert int(optimizer.iterations.numpy()) == 0


def test_the_moments_follow_a_new_list_of_variables():
    # A model whose trainable variables change (a layer frozen) passes a
    # shorter list: each variable must still get its own moments.
    own_variables, own = variables_and_optimizer(keras.optimizers.Adam())
    keras_variables, reference = variables_and_optimizer(keras.optimizers.Adam())
    for step, chosen in enumerate([[0, 1, 2], [0, 2], [2]]):
        gradients = random_gradients(own_variables, step)
        assert torch_adam.apply_plain_adam(
            own, [gradients[i] for i in chosen], [own_variables[i] for i in chosen]
        )
        reference.apply(
            [gradients[i] for i in chosen], [keras_variables[i] for i in chosen]
        )
    for a, b in zip(
        state(own_variables, own), state(keras_variables, reference), strict=True
    ):
        np.testing.assert_array_equal(a, b)
