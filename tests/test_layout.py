"""The package's layout: one folder per role, imports running one way.

These read the source (`ast`), import nothing, and fail with the module and
the import that breaks a rule, so a change that crosses a boundary is seen
in review rather than in a later tangle.
"""

import ast
from pathlib import Path

import pytest

# The package's source, read as text: the same on every Keras backend.
pytestmark = pytest.mark.backend_neutral

PACKAGE = Path(__file__).resolve().parents[1] / "keras_lstm_ae"
MODULES = sorted(PACKAGE.rglob("*.py"))
TOP_LEVEL_MODULES = {"__init__.py", "__main__.py", "distributed.py", "demo.py"}
# Torch is imported only where torch-specific code lives.
TORCH_ALLOWED = ("layers", "backend", "distributed.py")
# Folders and what they must not import (beyond torch).
FORBIDDEN = {
    "anomaly": (
        "keras_lstm_ae.models",
        "keras_lstm_ae.estimators",
        "keras_lstm_ae.cli",
    ),
    "preprocessing": (
        "keras_lstm_ae.models",
        "keras_lstm_ae.estimators",
        "keras_lstm_ae.anomaly",
        "keras_lstm_ae.cli",
    ),
    "layers": ("keras_lstm_ae.models", "keras_lstm_ae.estimators", "keras_lstm_ae.cli"),
    "models": (
        "keras_lstm_ae.estimators",
        "keras_lstm_ae.cli",
        "keras_lstm_ae.anomaly",
    ),
    "estimators": ("keras_lstm_ae.cli",),
    "plotting": (
        "keras_lstm_ae.models",
        "keras_lstm_ae.estimators",
        "keras_lstm_ae.cli",
    ),
    "_utils": (
        "keras_lstm_ae.models",
        "keras_lstm_ae.estimators",
        "keras_lstm_ae.anomaly",
        "keras_lstm_ae.preprocessing",
        "keras_lstm_ae.cli",
    ),
}
MAX_MODULE_LINES = 500


def imported_modules(path):
    """Every module `path` imports, anywhere in it (deferred imports too)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def relative(path):
    return path.relative_to(PACKAGE).as_posix()


def test_only_the_entry_points_are_top_level_modules():
    top_level = {path.name for path in PACKAGE.glob("*.py")}

    assert top_level <= TOP_LEVEL_MODULES, sorted(top_level - TOP_LEVEL_MODULES)


@pytest.mark.parametrize("path", MODULES, ids=relative)
def test_torch_is_imported_only_by_layers_backend_and_distributed(path):
    if relative(path).startswith(TORCH_ALLOWED):
        return
    torch_imports = [
        name for name in imported_modules(path) if name.split(".")[0] == "torch"
    ]

    assert not torch_imports, f"{relative(path)} imports {torch_imports}"


@pytest.mark.parametrize("path", MODULES, ids=relative)
def test_imports_run_one_way(path):
    folder = relative(path).split("/")[0]
    forbidden = FORBIDDEN.get(folder, ())
    crossing = [
        name
        for name in imported_modules(path)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    ]

    assert not crossing, f"{relative(path)} imports {crossing}"


@pytest.mark.parametrize("path", MODULES, ids=relative)
def test_modules_stay_readable_at_once(path):
    lines = len(path.read_text().splitlines())

    assert lines <= MAX_MODULE_LINES, f"{relative(path)} has {lines} lines"


def test_all_names_exactly_what_the_lazy_tables_load():
    # `__all__` stays a literal list (ruff, griffe); it must not drift from the
    # tables that `__getattr__` loads names from.
    import keras_lstm_ae

    assert sorted(keras_lstm_ae.__all__) == sorted(
        [*keras_lstm_ae._EXPORTS, *keras_lstm_ae._MODULES]
    )
    assert len(set(keras_lstm_ae.__all__)) == len(keras_lstm_ae.__all__)
