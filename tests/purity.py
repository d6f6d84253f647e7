"""Which packages a module imports, read from its source in a separate interpreter.

Why a subprocess: on CPython 3.11 the AST builder's recursion counter is shared by all
threads, and `traceback` calls `ast.parse` while formatting errors.  A background thread
(kaleido's event loop logging a cancelled task) that formats a traceback while a test parses
a file makes `ast.parse` fail with "AST constructor recursion depth mismatch".  A fresh
interpreter has no other threads.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

_SCRIPT = r"""
import ast, json, sys
found = {}
for path in sys.argv[1:]:
    tree = ast.parse(open(path, encoding="utf-8").read())
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
             for alias in node.names}
    names |= {node.module or "" for node in ast.walk(tree)
              if isinstance(node, ast.ImportFrom) and not node.level}
    found[path] = sorted({name.split(".")[0] for name in names if name})
print(json.dumps(found))
"""


def top_level_imports(paths: list[Path]) -> dict[Path, set[str]]:
    """Top-level package names each file imports anywhere (including inside functions)."""
    done = subprocess.run([sys.executable, "-c", _SCRIPT, *map(str, paths)],
                          check=True, capture_output=True, text=True)
    return {Path(path): set(names) for path, names in json.loads(done.stdout).items()}
