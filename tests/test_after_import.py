"""The sandbox changes some of moto's modules when they are first imported, not at its start: no
module that imports one sees it unchanged, and a module loaded already is changed at once."""

from __future__ import annotations

import sys

from workshop.sandbox.moto_backends.after_import import after_import


def test_a_module_is_changed_before_anyone_takes_names_from_it(tmp_path, monkeypatch):
    (tmp_path / "wsh_target_mod.py").write_text("def greet():\n    return 'moto'\n")
    (tmp_path / "wsh_user_mod.py").write_text("from wsh_target_mod import greet\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    changed = []

    def change(module):
        changed.append(module.__name__)
        module.greet = lambda: "kept"

    try:
        after_import("wsh_target_mod", change)
        after_import("wsh_target_mod", change)  # asked twice while waiting: still changed once
        assert "wsh_target_mod" not in sys.modules and changed == []
        import wsh_user_mod

        assert wsh_user_mod.greet() == "kept"
        assert changed == ["wsh_target_mod"]
        assert not any(getattr(f, "name", None) == "wsh_target_mod" for f in sys.meta_path)  # the hook is gone
        after_import("wsh_target_mod", change)  # loaded already: changed at once
        assert changed == ["wsh_target_mod", "wsh_target_mod"]
    finally:
        for name in ("wsh_target_mod", "wsh_user_mod"):
            sys.modules.pop(name, None)
