"""User-facing errors.

Every error that a user can cause with bad input (a missing path, an unreadable
video, a dataset root that is not the dataset asked for) is raised as a
:class:`HiarError` subclass whose message names the file and what was expected.
The command line prints such errors as one line, without a traceback.
"""

from __future__ import annotations


class HiarError(Exception):
    """Base class of errors caused by the user's input or environment."""


class VideoError(HiarError):
    """A video file is missing, unreadable, or has no frames."""


class DatasetError(HiarError):
    """A dataset root or index does not look like the dataset asked for."""
