"""Change a module of moto right after it is imported, by whoever imports it first.

The sandbox adjusts some of moto's modules before anything takes names from them; importing them
at start to do so would put their cost (the Step Functions interpreter's: a tenth of a second) on
`workshop sandbox start`, where the warm-up pays it in the background anyway. `after_import(name,
change)` runs `change(module)` at once if the module is loaded, else as soon as its code has run,
before the import that loaded it returns: no other module sees it unchanged.
"""

from __future__ import annotations

import importlib.abc
import sys
from typing import Callable


class _Finder(importlib.abc.MetaPathFinder):
    def __init__(self, name: str, change: Callable):
        self.name, self.change = name, change

    def find_spec(self, fullname, path, target=None):
        if fullname != self.name:
            return None
        for finder in sys.meta_path:
            if isinstance(finder, _Finder) or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                break
        else:
            return None
        load = spec.loader.exec_module

        def exec_module(module):
            load(module)
            self.change(module)
            if self in sys.meta_path:
                sys.meta_path.remove(self)

        spec.loader.exec_module = exec_module
        return spec


def after_import(name: str, change: Callable) -> None:
    """`change(module)` now, or right after `name` is imported. Once per name while it waits."""
    if name in sys.modules:
        change(sys.modules[name])
    elif not any(isinstance(f, _Finder) and f.name == name for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder(name, change))
