"""mapio.Error and the classes it is raised as.

Every failure in mapio's C++ library is one error type (errno, operation, subject, explanation).
In Python it becomes an instance of a class that is both ``mapio.Error`` and the ``OSError``
subclass Python itself raises for that errno, so both of these work::

    try:
        mapio.MappedFile.open("/missing")
    except FileNotFoundError as e:     # e is also a mapio.Error
        print(e.errno, e.filename, e)  # 2 /missing open /missing: No such file or directory (ENOENT)

Errors that mean a bad argument (EINVAL, ERANGE, EOVERFLOW: an offset past the end, a misaligned
register) are also ``ValueError``.
"""

from __future__ import annotations

import errno as _errno

__all__ = ["Error"]


class Error(OSError):
    """A failure reported by mapio: an OSError with mapio's whole sentence as its message.

    Attributes: ``errno``, ``strerror``, ``filename`` (the path or address the operation was
    applied to), ``operation`` ("map", "open", "read32"), ``subject`` (same as filename) and
    ``explanation`` (why, and what to do about it, when mapio knows; else "").
    """

    def __init__(self, errno: int, strerror: str, filename: str | None = None, *,
                 message: str | None = None, operation: str = "", explanation: str = "") -> None:
        super().__init__(errno, strerror, filename)
        self.operation = operation
        self.subject = filename or ""
        self.explanation = explanation
        self.message = message if message is not None else f"{strerror} ({filename})"

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):
        return (_rebuild, (self.errno, self.strerror, self.filename, self.message, self.operation,
                           self.explanation))


Error.__module__ = "mapio"  # how tracebacks name it: mapio.Error

_ARGUMENT_ERRNOS = {_errno.EINVAL, _errno.ERANGE, _errno.EOVERFLOW}
_classes: dict[int, type] = {}


def error_class(number: int) -> type:
    """The class an error with this errno is raised as (cached: one class per errno)."""
    cls = _classes.get(number)
    if cls is not None:
        return cls
    builtin = type(OSError(number, ""))  # FileNotFoundError for ENOENT, OSError when none
    bases: tuple[type, ...] = (Error,)
    if builtin is not OSError:
        bases += (builtin,)
    if number in _ARGUMENT_ERRNOS:
        bases += (ValueError,)
    if len(bases) == 1:
        cls = Error
    else:
        name = builtin.__name__ if builtin is not OSError else "ValueError"
        cls = type(name, bases, {
            "__module__": "mapio",
            "__doc__": f"mapio.Error for {_errno.errorcode.get(number, number)}: "
                       + ", ".join(b.__name__ for b in bases[1:]) + " as well.",
        })
    _classes[number] = cls
    return cls


def _rebuild(number, strerror, filename, message, operation, explanation):
    return error_class(number)(number, strerror, filename, message=message, operation=operation,
                               explanation=explanation)


def _from_mapio(number: int, strerror: str, message: str, operation: str, subject: str,
                explanation: str) -> Error:
    """Called by the extension for each mapio::Error."""
    return _rebuild(number, strerror, subject or None, message, operation, explanation)
