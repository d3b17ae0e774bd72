"""moto's request dispatcher, remembering which backend serves each host.

moto's DomainDispatcherApplication finds the backend for a request by listing its own package
directory (a listdir and ~150 stat calls) on every request, under a lock all requests share;
under load that lock serialises the whole sandbox. The answer for a given host never changes, so
we remember it. Only the public `get_backend_for_host` is overridden; moto does the rest.
"""

from __future__ import annotations

import threading

from moto.server import DomainDispatcherApplication

_MAX_HOSTS = 4096  # hosts are service.region names (and S3 virtual hosts): a small set


class CachingDispatcher(DomainDispatcherApplication):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._backends: dict[str, object] = {}
        self._backends_lock = threading.Lock()

    def get_backend_for_host(self, host):
        if host is None:
            return None
        with self._backends_lock:
            if host in self._backends:
                return self._backends[host]
        backend = super().get_backend_for_host(host)
        if backend:
            with self._backends_lock:
                if len(self._backends) >= _MAX_HOSTS:
                    self._backends.clear()
                self._backends[host] = backend
        return backend
