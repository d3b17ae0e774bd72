"""Errors raised by the pattern engine."""


class InvalidPatternError(ValueError):
    """A pattern EventBridge would refuse, worded like its InvalidEventPatternException."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"Event pattern is not valid. Reason: {reason}")


class InvalidEventError(ValueError):
    """An event that is not a JSON object."""
