"""moto's API Gateway loads OpenAPI's validator only when a document must be checked.

moto imports `openapi_spec_validator` as it loads API Gateway (jsonschema, pydantic's settings:
a seventh of a second of CPU in the sandbox's warm-up) to check the OpenAPI documents that
ImportRestApi and PutRestApi get with failonwarnings=true; the workshop sends none. Until moto's
API Gateway is loaded, the package is a stand-in with the two names moto takes from it: `validate`,
which loads the real validator on its first call, and `OpenAPIValidationError`, which `validate`
raises with the real error's message (moto reads `.message`). Anything else asked of the stand-in
loads the real package, which from then on is what every import gets.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types

_PACKAGE = "openapi_spec_validator"
_MODULES = (_PACKAGE, f"{_PACKAGE}.validation", f"{_PACKAGE}.validation.exceptions")


class OpenAPIValidationError(Exception):
    """The real validator's error, as moto catches it from the stand-in."""

    def __init__(self, cause):
        super().__init__(str(cause))
        self.message = getattr(cause, "message", str(cause))


def _real(name: str):
    for module in _MODULES:
        if getattr(sys.modules.get(module), "stands_in", False):
            del sys.modules[module]
    return importlib.import_module(name)


def validate(spec, *args, **kwargs):
    exceptions = _real(f"{_PACKAGE}.validation.exceptions")
    try:
        return _real(_PACKAGE).validate(spec, *args, **kwargs)
    except exceptions.OpenAPIValidationError as exc:
        raise OpenAPIValidationError(exc) from exc


def _attribute(module: str, attribute: str):
    if attribute.startswith("__"):  # the import system asks for __path__ and the like: not a use
        raise AttributeError(attribute)
    return getattr(_real(module), attribute)


def defer_openapi_validator() -> None:
    """Put the stand-ins in place, unless moto's API Gateway or the validator is loaded already."""
    if "moto.apigateway.models" in sys.modules or any(name in sys.modules for name in _MODULES):
        return
    if importlib.util.find_spec(_PACKAGE) is None:
        return  # moto's own import says what is missing
    for name in _MODULES:
        module = types.ModuleType(name)
        module.stands_in = True
        module.__getattr__ = lambda attribute, name=name: _attribute(name, attribute)
        sys.modules[name] = module
    sys.modules[_PACKAGE].validate = validate
    sys.modules[f"{_PACKAGE}.validation.exceptions"].OpenAPIValidationError = OpenAPIValidationError
