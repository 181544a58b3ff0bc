"""Exceptions with one-line messages that name the file or argument at fault."""


class MusiclabError(ValueError):
    """Base class for errors that musiclab reports to the user in one line."""


class MusicFileError(MusiclabError):
    """A music file could not be used.

    Args:
        path: the file (or ``file:tune`` id) at fault.
        reason: a short, human-readable reason.
        kind: the drop-report category: ``"unparseable"``, ``"empty"`` or ``"too large"``.
    """

    def __init__(self, path, reason, kind="unparseable"):
        self.path = str(path)
        self.reason = reason
        self.kind = kind
        super().__init__(f"{self.path}: {reason}")
