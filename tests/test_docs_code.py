"""The documentation's code runs: every ```python block of README.md and docs/.

Each page is one test. Its blocks run in order in one namespace, as a reader
would paste them one after the other, in a new empty folder (the files they
save land there). ```bash and ```text blocks (shell commands, files that a
reader must have, output) are shown, not run.

A small collector rather than a plugin (Sybil, pytest-markdown-docs): the
pages are plain Markdown with fenced blocks and nothing else to parse, the
blocks of a page share their state, and this way they run under the suite's
own settings (warnings as errors, one thread, the backend markers) with no
further dependency. The examples are sized to run in seconds (a few epochs,
small data): the whole takes about half a minute.
"""

import re
from pathlib import Path

import pytest

import keras_lstm_ae

pytestmark = [
    pytest.mark.backend_neutral,
    # The export guide calls Keras's `export(..., format="onnx")` itself, as a
    # user does: torch's TorchScript exporter warns that it is legacy and how
    # a trace may not generalise (tests/test_export.py checks the graphs), and
    # onnxscript's import uses a deprecated typing_extensions feature.
    pytest.mark.filterwarnings("ignore:You are using the legacy TorchScript"),
    pytest.mark.filterwarnings("ignore:.*trace might not generalize"),
    pytest.mark.filterwarnings("ignore:.*registered as constants in the trace"),
    pytest.mark.filterwarnings("ignore:.*batch_size other than 1"),
    pytest.mark.filterwarnings("ignore:The feature will be removed"),
]

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```python[^\n]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


def python_blocks(page):
    """The ```python blocks of a page, each with its first line's number."""
    text = page.read_text(encoding="utf-8")
    return [
        (text.count("\n", 0, match.start(1)) + 1, match.group(1))
        for match in FENCE.finditer(text)
    ]


PAGES_WITH_CODE = [page for page in PAGES if python_blocks(page)]


def test_the_readme_and_guides_have_code_to_run():
    names = {page.relative_to(ROOT).as_posix() for page in PAGES_WITH_CODE}
    assert "README.md" in names
    assert "docs/getting-started.md" in names


@pytest.mark.parametrize(
    "page", PAGES_WITH_CODE, ids=lambda page: page.relative_to(ROOT).as_posix()
)
def test_page_code_runs(page, tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__docs__"}
    try:
        for line, code in python_blocks(page):
            exec(compile(code, f"{page}:{line}", "exec"), namespace)  # noqa: S102
    finally:
        plt.close("all")


def test_api_reference_has_an_entry_for_every_public_name():
    reference = "\n".join(
        path.read_text(encoding="utf-8")
        for path in sorted((ROOT / "docs" / "api").glob("*.md"))
    )
    entries = set(
        re.findall(r"^::: keras_lstm_ae[\w.]*\.(\w+)$", reference, re.MULTILINE)
    )
    entries |= set(re.findall(r"^::: keras_lstm_ae\.(\w+)$", reference, re.MULTILINE))
    missing = sorted(set(keras_lstm_ae.__all__) - entries)
    assert not missing, f"no page entry in docs/api/ for {missing}"
