"""Running Trustbridge in a fresh process, where settings are read anew from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_python(
    args: list[str], tmp_path: Path, **variables: str
) -> subprocess.CompletedProcess[str]:
    """Run ``python args`` with only the given variables (and a private var directory)."""
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "trustbridge.settings",
        "TRUSTBRIDGE_VAR_DIR": str(tmp_path / "var"),
        **variables,
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
