"""The embedded local AWS: moto for the control plane, our own EventBridge data plane.

This package's public face is process control (start/stop/status/reset/tick) over loopback HTTP;
the server itself runs in a separate process (`python -m workshop.sandbox.server`). Nothing outside
this package imports its internals, and importing this module does not import moto or boto3.
"""

from .control import SandboxControl, SandboxInfo, SandboxNotRunning, request, reset, start, status, stop, tick

__all__ = ["SandboxControl", "SandboxInfo", "SandboxNotRunning", "request", "reset", "start", "status", "stop", "tick"]
