"""Shared helpers for mapio's Python tests (run by CTest with PYTHONPATH at the build tree)."""

import os
import pathlib
import subprocess
import sys

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("MAPIO_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))


@pytest.fixture
def text_file(tmp_path):
    """A small text file with known lines."""
    path = tmp_path / "text.txt"
    path.write_bytes(b"alpha beta\ngamma\n\ndelta epsilon zeta\nno newline at the end")
    return path


def run_python(code: str, *args: str, pass_fds=(), timeout=60) -> subprocess.CompletedProcess:
    """Runs `code` in a new interpreter (same PYTHONPATH, so the same mapio)."""
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          pass_fds=pass_fds, timeout=timeout)
