"""MkDocs hooks: the repository's figures, and the docstrings' doctests.

- The examples write their figures to figures/ at the repository root, where
  README.md shows them; `on_files` publishes that folder as the site's
  figures/, so nothing is copied by hand and no figure can be stale on one
  side only.
- The docstrings' examples are doctests written after `Example:` without
  indentation (`>>> x.shape` then `(2, 2)`), as Keras writes them. Markdown
  would read `>>>` as nested quotes; `on_config` adds a preprocessor that
  fences each run of doctest lines as a `pycon` code block, in the pages and
  in mkdocstrings' docstrings alike.
"""

import re
from pathlib import Path

from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

FIGURES = Path(__file__).resolve().parents[2] / "figures"
FENCE = re.compile(r"^\s*(```|~~~)")


class DoctestBlocks(Preprocessor):
    """Fences each run of `>>>` lines and their output (up to a blank line)."""

    def run(self, lines):
        out, fenced, i = [], False, 0
        while i < len(lines):
            line = lines[i]
            if FENCE.match(line):
                fenced = not fenced
            if fenced or not line.startswith(">>>"):
                out.append(line)
                i += 1
                continue
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i])
                i += 1
            out += ["", "```pycon", *block, "```", ""]
        return out


class DoctestExtension(Extension):
    def extendMarkdown(self, md):
        # Before the fenced-code preprocessors (priority 25), which then
        # highlight the new blocks.
        md.preprocessors.register(DoctestBlocks(md), "doctest_blocks", 30)


@event_priority(100)  # before mkdocstrings reads the Markdown extensions
def on_config(config):
    config.markdown_extensions.append(DoctestExtension())
    return config


def on_files(files, config):
    for figure in sorted(FIGURES.glob("*.png")):
        files.append(
            File(
                f"figures/{figure.name}",
                src_dir=str(FIGURES.parent),
                dest_dir=config["site_dir"],
                use_directory_urls=config["use_directory_urls"],
            )
        )
    return files
