"""typer checks an option's value with a pydantic TypeAdapter, built the first time the option is
processed, even when it was not given: that imports pydantic (a tenth of a second of every command
here) to hand back None. typer's own `RuntimeParam.coerce` returns before using the adapter when
there is no value, so the adapter is built when the first value comes instead, and then checks it
exactly as before (same adapter, same messages). Only what typer does is deferred: where typer's
internals are not as expected, nothing is changed.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any


def defer_typer_adapters() -> None:
    try:
        from typer import _coercion, core
    except ImportError:
        return
    build = getattr(core, "build_runtime_param", None)
    base = getattr(_coercion, "RuntimeParam", None)
    if build is None or base is None or getattr(build, "deferred", False) or "coerce" not in vars(base):
        return

    @dataclass(frozen=True)
    class DeferredRuntimeParam(base):
        descriptor: Any = None

        @functools.cached_property
        def real(self):  # typer's own, built when the first value comes
            return build(self.descriptor)

        def _coerce_value(self, value, param, ctx):
            return self.real._coerce_value(value, param=param, ctx=ctx)

    def deferred(descriptor):
        return DeferredRuntimeParam(parameter_info=descriptor.parameter_info, annotation=descriptor.annotation,
                                    descriptor=descriptor)

    deferred.deferred = True
    core.build_runtime_param = deferred
