"""workshop: runs the Amazon EventBridge workshop end to end (sandbox, AWS-compatible endpoint, or AWS)."""

__version__ = "0.1.0"
