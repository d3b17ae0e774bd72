"""Connections' secrets, kept by the sandbox as EventBridge keeps them in Secrets Manager: in memory
only, never logged or written to disk, masked in every repr, and never returned by an API
(`redact` is what DescribeConnection may show).
"""

from __future__ import annotations

import threading

# What DescribeConnection may show of each kind of auth parameters (AWS never returns secrets).
_SECRET_FIELDS = {"Password", "ApiKeyValue", "ClientSecret"}


class ConnectionSecrets:
    """Auth parameters of each connection, in memory only. repr() never shows a value."""

    def __init__(self):
        self._lock = threading.Lock()
        self._store: dict[tuple[str, str], tuple[str, dict]] = {}

    def __repr__(self) -> str:
        with self._lock:
            names = sorted(f"{region}/{name}:{kind}" for (region, name), (kind, _) in self._store.items())
        return f"ConnectionSecrets({', '.join(names)}; values masked)"

    __str__ = __repr__

    def put(self, region: str, name: str, auth_type: str, params: dict) -> None:
        with self._lock:
            self._store[(region, name)] = (auth_type, params)

    def update(self, region: str, name: str, auth_type: str | None, params: dict | None) -> None:
        """UpdateConnection: a new authorization type replaces everything; otherwise merge."""
        with self._lock:
            current = self._store.get((region, name))
            if current is None:
                if auth_type and params is not None:
                    self._store[(region, name)] = (auth_type, params)
                return
            kind, stored = current
            if auth_type and auth_type != kind:
                self._store[(region, name)] = (auth_type, params or {})
                return
            if params:
                self._store[(region, name)] = (kind, _merge(stored, params))

    def get(self, region: str, name: str) -> tuple[str, dict] | None:
        with self._lock:
            return self._store.get((region, name))

    def delete(self, region: str, name: str) -> None:
        with self._lock:
            self._store.pop((region, name), None)

    def clear(self) -> None:
        with self._lock:
            self._store.clear()


def _merge(old: dict, new: dict) -> dict:
    merged = dict(old)
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def redact(auth_parameters: dict) -> dict:
    """The auth parameters as DescribeConnection shows them: no password, key value or client
    secret, and no value of an invocation/OAuth parameter marked IsValueSecret."""

    def walk(value):
        if isinstance(value, dict):
            if value.get("IsValueSecret") and "Key" in value:
                return {k: v for k, v in value.items() if k != "Value"}
            return {k: walk(v) for k, v in value.items() if k not in _SECRET_FIELDS}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(auth_parameters or {})
