"""The drawing of the exception tree in wfsync/errors.py names every error class."""

from __future__ import annotations

import importlib
import pkgutil

import wfsync
import wfsync.errors
from wfsync.errors import WfsyncError


def _all_modules() -> None:
    for info in pkgutil.walk_packages(wfsync.__path__, "wfsync."):
        if ".simulator" not in info.name and ".migrations" not in info.name:
            importlib.import_module(info.name)


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_every_error_class_is_in_the_drawing() -> None:
    _all_modules()
    drawing = wfsync.errors.__doc__ or ""
    missing = sorted(
        cls.__name__
        for cls in _subclasses(WfsyncError)
        if cls.__module__.startswith("wfsync.") and cls.__name__ not in drawing
    )
    assert missing == [], f"add to the tree in wfsync/errors.py: {missing}"
