"""Which models to score with, in libvmaf's syntax.

libvmaf's command line (and ffmpeg's ``libvmaf`` filter) describe a model as
``key=value`` pairs joined by ``:``::

    version=vmaf_v0.6.1:enable_transform=true:name=phone
    path=my_model.json:name=mine:disable_clip=true

We read the same, and also the short forms ``vmaf_v0.6.1`` and
``vmaf_v0.6.1:enable_transform=true`` (a packaged model's name or a model
file's path first). ``none`` asks for no model at all. The API takes the same
strings, ``{"version": ..., "name": ..., "enable_transform": True}`` dicts,
loaded :class:`Model` objects, or a list of any of these.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Optional

from ..errors import InputError

KEYS = ("version", "path", "name", "enable_transform", "disable_clip")
NO_MODEL = "none"
# A name that logs can carry as a JSON key, an XML attribute, a CSV column and a SUB field alike.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,127}")
# Splits at ':' only before "key=", so that paths keep their colons (C:\models\x.json).
_SPLIT = re.compile(r":(?=[A-Za-z_][A-Za-z0-9_.]*=)")


@dataclass(frozen=True)
class ModelRequest:
    """One model to score with: `ref` is a packaged model's name (`by` "version"), a model file's path
    ("path"), either ("auto": a packaged name if there is one, else a path) or a loaded Model ("object").
    `name` is what the logs list its scores under (libvmaf's ``name=``; None: decided by ModelSet)."""

    ref: Any
    by: str = "auto"
    name: Optional[str] = None
    enable_transform: bool = False
    disable_clip: bool = False

    @property
    def flags(self) -> dict[str, bool]:
        return {k: True for k in ("enable_transform", "disable_clip") if getattr(self, k)}


def parse(text: str) -> Optional[ModelRequest]:
    """A model in libvmaf's syntax (see above); None for "none"."""
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"model: expected a model name, a path or version=/path= options, got {text!r}")
    text = text.strip()
    if text == NO_MODEL:
        return None
    head, *rest = _SPLIT.split(text)
    given: dict[str, str] = {}
    if _key_of(head) is None:  # the short form: the model itself first
        given["auto"] = head
    else:
        rest = [head, *rest]
    for item in rest:
        key, _, value = item.partition("=")
        if key not in KEYS:
            hint = " (libvmaf's per-model feature options are not supported)" if "." in key else ""
            raise InputError(f"model {text!r}: unknown option {key!r}{hint}; known: {', '.join(KEYS)}")
        if key in given or (key in ("version", "path") and "auto" in given):
            raise InputError(f"model {text!r}: {key!r} given twice" if key in given else
                             f"model {text!r}: the model is named twice ({given['auto']!r} and {key}=)")
        given[key] = value
    return from_options(given, text)


def from_dict(options: dict) -> ModelRequest:
    """A model from {"version" or "path": ..., "name": ..., "enable_transform": bool, "disable_clip": bool}."""
    unknown = [k for k in options if k not in KEYS]
    if unknown:
        raise InputError(f"model {options!r}: unknown key {unknown[0]!r}; known: {', '.join(KEYS)}")
    given = {}
    for key, value in options.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, os.PathLike):
            value = os.fsdecode(os.fspath(value))
        if not isinstance(value, str):
            raise InputError(f"model {options!r}: {key} must be a string{' or a bool' if key in KEYS[3:] else ''}")
        given[key] = value
    request = from_options(given, repr(options))
    if request is None:
        raise InputError(f"model {options!r}: needs version= or path=")
    return request


def from_options(given: dict[str, str], shown: str) -> Optional[ModelRequest]:
    flags = {}
    for key in ("enable_transform", "disable_clip"):
        value = given.get(key, "false")
        if value not in ("true", "false"):
            raise InputError(f"model {shown}: {key} must be true or false, got {value!r}")
        flags[key] = value == "true"
    name = given.get("name")
    if name is not None:
        check_name(name, shown)
    refs = [(by, given[by]) for by in ("auto", "version", "path") if by in given]
    if not refs:
        raise InputError(f"model {shown}: needs version=NAME or path=FILE")
    if len(refs) > 1:
        raise InputError(f"model {shown}: give version= or path=, not both")
    by, ref = refs[0]
    if not ref:
        raise InputError(f"model {shown}: {by if by != 'auto' else 'the model'} is empty")
    return ModelRequest(ref, by, name, **flags)


def check_name(name: str, shown: str) -> None:
    if not _NAME.fullmatch(name):
        raise InputError(f"model {shown}: name {name!r} must start with a letter or '_' and hold only letters, "
                         f"digits, '_', '.' and '-' (at most 128)")


def requests(model: Any) -> list[ModelRequest]:
    """Every model asked for, in order: `model` is one model (a string in libvmaf's syntax, a path, a dict,
    a loaded Model), a list of them, or None / "none" / [] for none."""
    from .base import Model

    if model is None:
        return []
    items = list(model) if isinstance(model, (list, tuple)) else [model]
    out: list[ModelRequest] = []
    for item in items:
        if isinstance(item, Model):
            out.append(ModelRequest(item, "object", getattr(item, "log_name", None)))
        elif isinstance(item, ModelRequest):
            out.append(item)
        elif isinstance(item, dict):
            out.append(from_dict(item))
        elif isinstance(item, os.PathLike):
            out.append(ModelRequest(os.fsdecode(os.fspath(item)), "path"))
        elif isinstance(item, str):
            request = parse(item)
            if request is None:
                if len(items) > 1:
                    raise InputError("model 'none' asks for no model: it cannot be given with others")
                return []
            out.append(request)
        else:
            shown = repr(item) if len(repr(item)) <= 60 else repr(item)[:57] + "..."
            raise InputError(f"model must be a packaged model name (e.g. vmaf_v0.6.1), a model file path or a loaded "
                             f"Model, got {shown} (or libvmaf's version=...:name=... syntax, a dict of its options, "
                             f"a list of models, or None for none)")
    return out


def describe(identity: str, flags: dict[str, bool]) -> str:
    """What was used, in the short syntax parse() reads: "vmaf_v0.6.1:enable_transform=true"."""
    return identity + "".join(f":{k}=true" for k, v in flags.items() if v)


def _key_of(segment: str) -> Optional[str]:
    key, eq, _ = segment.partition("=")
    return key if eq and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", key) else None
