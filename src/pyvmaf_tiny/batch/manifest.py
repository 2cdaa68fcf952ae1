"""Batch manifests: one encode per row, validated up front, fingerprinted, and
grouped by reference into ladder tasks.

A manifest is CSV (a header row) or JSON lines (one object a line), or a list
of dicts from Python. `ref` and `dist` are required; the other columns are the
`score` command's options, per row. Relative paths are taken from the
manifest's own directory, so a manifest travels with its files.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Optional, Sequence

from ..errors import InputError
from ..io.policy import DEFAULT_POLICY, shown

COLUMNS = ("id", "ref", "dist", "width", "height", "pix_fmt", "model", "features", "scale_dist", "frames",
           "skip_ref", "skip_dist", "subsample")
# Options each encode of a ladder may set for itself; every other option must match for rows to share a task.
PER_ENCODE = ("scale_dist", "skip_dist")
SCALERS = ("bicubic", "lanczos")
DEFAULT_MODEL = "vmaf_v0.6.1"
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")


@dataclass(frozen=True)
class Encode:
    """One manifest row. `error` is set when the row cannot be scored as written."""

    row: int  # 1-based, in manifest order
    id: str
    ref: str  # as written in the manifest
    dist: str
    model: str = DEFAULT_MODEL
    width: Optional[int] = None
    height: Optional[int] = None
    pix_fmt: Optional[str] = None
    features: tuple[str, ...] = ()
    scale_dist: Optional[str] = None
    frames: Optional[int] = None
    skip_ref: int = 0
    skip_dist: int = 0
    subsample: int = 1
    ref_path: str = ""  # resolved real paths (and model file, when the model is a path)
    dist_path: str = ""
    model_path: Optional[str] = None
    # the model as score() is given it, options included, never re-parsed: (version or path, name, flags)
    model_spec: Optional[tuple] = None
    key: str = ""  # fingerprint of the row and its inputs' sizes and mtimes
    error: Optional[str] = None

    def shared(self) -> tuple:
        """What rows must have in common to be scored as one ladder."""
        return (self.ref_path, self.width, self.height, self.pix_fmt, self.model_spec or self.model, self.features,
                self.frames, self.skip_ref, self.subsample)

    def model_arg(self) -> Any:
        """What score() is given as the model: a packaged name or a resolved path as a dict of libvmaf's model
        options, so that a path is never split at its colons a second time."""
        if self.model_spec is None:
            return self.model_path or self.model
        (by, ref), name, flags = self.model_spec
        return {by: ref, **({"name": name} if name else {}), **dict(flags)}


@dataclass(frozen=True)
class Ladder:
    """One task: a reference and the encodes scored against it."""

    name: str
    ref: str
    options: dict  # shared keyword arguments of score_ladder()
    encodes: tuple[tuple[str, str, Optional[str], int], ...]  # (key, dist path, scale_dist, skip_dist)
    cost: float = 0.0  # a relative size, for scheduling the longest first

    def split(self) -> list["Ladder"]:
        return [replace(self, name=f"{self.name}.{i}", encodes=(e,), cost=self.cost / len(self.encodes))
                for i, e in enumerate(self.encodes)]


@dataclass
class Manifest:
    encodes: list[Encode]
    source: str = "<rows>"
    ignored_columns: list[str] = field(default_factory=list)


def read(manifest: Any) -> Manifest:
    """Parse and validate a manifest: a CSV or JSON-lines path, or an iterable of dicts.

    Only a manifest that cannot be read at all raises (InputError); a bad row
    comes back as an Encode with `error` set.
    """
    if isinstance(manifest, (str, os.PathLike)):
        path = os.fspath(manifest)
        with DEFAULT_POLICY.open(path, "manifest") as f:
            text = f.read().decode("utf-8-sig", errors="replace")
        base = os.path.dirname(os.path.realpath(path))
        if path.lower().endswith(JSONL_SUFFIXES):
            rows = _jsonl_rows(text, path)
        else:
            rows = _csv_rows(text, path)
        return _validate(rows, base, shown(path))
    try:
        rows = [(i, dict(r) if isinstance(r, dict) else r) for i, r in enumerate(manifest, start=1)]
    except TypeError:
        raise InputError(f"manifest: expected a path or an iterable of dicts, got {type(manifest).__name__}") from None
    return _validate(rows, os.getcwd(), "<rows>")


def _csv_rows(text: str, path: str) -> list[tuple[int, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    rows = []
    try:
        if not reader.fieldnames:
            raise InputError(f"manifest {shown(path)}: empty (expected a header row naming at least ref and dist)")
        for i, r in enumerate(reader, start=1):
            if None in r:  # more cells than header names
                rows.append((i, f"{len(r[None])} cell(s) more than the header has"))
                continue
            rows.append((i, {k: v for k, v in r.items() if v is not None and v.strip() != ""}))
    except csv.Error as e:  # a cell over the csv module's size limit, a broken quote: the rest cannot be split
        raise InputError(f"manifest {shown(path)}: line {reader.line_num + 1}: not CSV ({e})") from None
    return rows


def _jsonl_rows(text: str, path: str) -> list[tuple[int, Any]]:
    rows = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            rows.append((len(rows) + 1, json.loads(line)))
        except ValueError as e:
            rows.append((len(rows) + 1, f"not JSON ({e})"))
        except RecursionError:  # nested deeper than the parser goes
            rows.append((len(rows) + 1, "not JSON (nested too deeply)"))
    return rows


def _canonical(name: Any) -> str:
    """Column names as the CLI spells them work too (pix-fmt, skip-dist)."""
    return str(name).strip().lower().replace("-", "_")


def _validate(rows: Sequence[tuple[int, Any]], base: str, source: str) -> Manifest:
    out, ignored, seen = [], {}, {}
    checks = _Checks(base)
    for row, raw in rows:
        enc = _parse_row(row, raw, checks, ignored)
        if enc.error is None:
            first = seen.setdefault(enc.id, row)
            if first != row:
                enc = replace(enc, error=f"InputError: duplicate id {enc.id!r} (first used by row {first})")
        out.append(enc)
    return Manifest(out, source, sorted(ignored))


class _Checks:
    """One manifest's checks, each value checked once: a catalogue repeats its references, models and options."""

    def __init__(self, base: str):
        self.base = base
        self._memo: dict = {}

    def _once(self, kind: str, value, check):
        key = (kind, value)
        if key not in self._memo:
            try:
                self._memo[key] = (check(value), None)
            except InputError as e:
                self._memo[key] = (None, e)
        result, error = self._memo[key]
        if error is not None:
            raise error
        return result

    def pix_fmt(self, value: str) -> None:
        from ..io.pixfmt import parse_pix_fmt

        self._once("pix_fmt", value, parse_pix_fmt)

    def features(self, value: tuple) -> None:
        from .. import featureset

        self._once("features", value, lambda v: _no_writes(featureset.resolve(list(v))[0]))

    def path(self, value: str, what: str) -> str:
        return self._once(what, value, lambda v: DEFAULT_POLICY.resolve(os.path.join(self.base, os.path.expanduser(v)),
                                                                          what))

    def model(self, value: str) -> tuple[Optional[str], tuple]:
        """The model in libvmaf's syntax, as the score command reads it (vmaf_v0.6.1, path=m.json:name=mine,
        version=vmaf_v0.6.1:enable_transform=true): the real path of its file (None for a packaged model) and
        its spec (see Encode.model_spec)."""
        return self._once("model spec", value, self._model)

    def _model(self, value: str) -> tuple[Optional[str], tuple]:
        from ..models import request

        packaged = self._once("packaged", None, lambda _: [m.name for m in _models().list()])
        asked = request.parse(value)
        if asked is None:
            raise InputError("model 'none': a batch row scores with a model")
        flags = tuple(sorted(asked.flags.items()))
        ref = asked.ref
        if asked.by != "path" and ref in packaged:
            return None, (("version", ref), asked.name, flags)
        if asked.by == "version":
            raise InputError(f"unknown model version {ref!r}: use one of {', '.join(packaged)} (path= for a model file)")
        if asked.by == "auto" and not (os.path.sep in ref or ref.endswith((".json", ".onnx"))
                                       or os.path.exists(os.path.join(self.base, ref))):
            raise InputError(f"unknown model {ref!r}: use one of {', '.join(packaged)}, or a path to a model file")
        real = self.path(ref, "model")
        return real, (("path", real), asked.name, flags)

    def stat(self, path: Optional[str]) -> Optional[list]:
        return self._once("stat", path, _stat)


def _models():
    from .. import models

    return models


def _parse_row(row: int, raw: Any, checks: _Checks, ignored: dict) -> Encode:
    if isinstance(raw, str):
        return Encode(row, str(row), "", "", error=f"InputError: {raw}")
    if not isinstance(raw, dict):
        return Encode(row, str(row), "", "", error=f"InputError: expected an object, got {type(raw).__name__}")
    values = {}
    for k, v in raw.items():
        name = _canonical(k)
        if name in COLUMNS:
            values[name] = v
        else:
            ignored[str(k)] = True
    rid = values.get("id")
    rid = str(row) if rid is None or str(rid).strip() == "" else str(rid).strip()
    ref, dist = _text(values.get("ref")), _text(values.get("dist"))
    model = _text(values.get("model")) or DEFAULT_MODEL
    fields = dict(row=row, id=rid, ref=ref or "", dist=dist or "", model=model)
    try:
        if not ref or not dist:
            missing = " and ".join(n for n, v in (("ref", ref), ("dist", dist)) if not v)
            raise InputError(f"missing {missing}")
        fields.update(
            width=_int(values.get("width"), "width", 1),
            height=_int(values.get("height"), "height", 1),
            pix_fmt=_text(values.get("pix_fmt")),
            features=_features(values.get("features")),
            scale_dist=_scaler(values.get("scale_dist")),
            frames=_int(values.get("frames"), "frames", 1),
            skip_ref=_int(values.get("skip_ref"), "skip_ref", 0) or 0,
            skip_dist=_int(values.get("skip_dist"), "skip_dist", 0) or 0,
            subsample=_int(values.get("subsample"), "subsample", 1) or 1,
        )
        if (fields["width"] is None) != (fields["height"] is None):
            raise InputError("width and height go together")
        if fields["pix_fmt"] is not None:
            checks.pix_fmt(fields["pix_fmt"])
        if fields["features"]:
            checks.features(fields["features"])
        model_path, model_spec = checks.model(model)
        fields.update(ref_path=checks.path(ref, "reference"), dist_path=checks.path(dist, "distorted"),
                      model_path=model_path, model_spec=model_spec)
    except InputError as e:
        return Encode(**fields, error=f"InputError: {e}")
    enc = Encode(**fields)
    return replace(enc, key=fingerprint(enc, checks.stat))


def _text(v: Any) -> Optional[str]:
    if v is None:
        return None
    s = str(v).strip()
    return s or None


def _int(v: Any, name: str, minimum: int) -> Optional[int]:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, bool):
        raise InputError(f"{name} must be an integer, got {v!r}")
    if isinstance(v, float):
        if not math.isfinite(v) or v != int(v):
            raise InputError(f"{name} must be an integer, got {v!r}")
        v = int(v)
    try:
        n = int(str(v).strip())
    except ValueError:
        raise InputError(f"{name} must be an integer, got {v!r}") from None
    if n < minimum:
        raise InputError(f"{name} must be >= {minimum}, got {n}")
    return n


def _no_writes(specs: list) -> list:
    """Rows run at once on many workers, so an extractor that writes files (cambi's heatmaps_path) would have
    them overwrite one another's: refused in a manifest."""
    from .. import featureset

    if featureset.written_folders(specs):
        raise InputError("cambi heatmaps_path is not supported in a batch (rows run in parallel and would write "
                         "over one another's heatmaps); score that encode on its own")
    return specs


def _features(v: Any) -> tuple[str, ...]:
    """A JSON list, or names separated by spaces or semicolons ("psnr; float_ssim")."""
    if v is None:
        return ()
    if isinstance(v, str):
        return tuple(p for p in v.replace(";", " ").split() if p)
    if isinstance(v, (list, tuple)) and all(isinstance(p, str) for p in v):
        return tuple(p.strip() for p in v if p.strip())
    raise InputError(f"features must be a list of names or a string of names, got {v!r}")


def _scaler(v: Any) -> Optional[str]:
    s = _text(v)
    if s is None or s.lower() in ("none", "no", "false"):
        return None
    if s.lower() not in SCALERS:
        raise InputError(f"scale_dist must be one of {', '.join(SCALERS)}, got {s!r}")
    return s.lower()


def _stat(path: Optional[str]) -> Optional[list]:
    if not path:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def _model_files(path: Optional[str]) -> list[str]:
    """A tiny model is its .onnx and its sidecar .json: both count."""
    if not path:
        return []
    stem, ext = os.path.splitext(path)
    other = {".onnx": ".json", ".json": ".onnx"}.get(ext)
    return [path] + ([stem + other] if other and os.path.exists(stem + other) else [])


def fingerprint(enc: Encode, stat=None) -> str:
    """Same id, same options, same input files (size and mtime): same key."""
    stat = stat or _stat
    blob = {
        "id": enc.id, "ref": enc.ref_path, "dist": enc.dist_path, "model": enc.model, "width": enc.width,
        "height": enc.height, "pix_fmt": enc.pix_fmt, "features": list(enc.features), "scale_dist": enc.scale_dist,
        "frames": enc.frames, "skip_ref": enc.skip_ref, "skip_dist": enc.skip_dist, "subsample": enc.subsample,
        "stat": [stat(enc.ref_path), stat(enc.dist_path)] + [stat(p) for p in _model_files(enc.model_path)],
    }
    return hashlib.sha256(json.dumps(blob, sort_keys=True).encode()).hexdigest()[:32]


def ladders(encodes: Iterable[Encode], workers: int, ladder_size: int = 16) -> list[Ladder]:
    """Group valid encodes by reference (and the options they must share) into tasks.

    A group larger than the chunk size is cut into near-equal chunks. The
    chunk size is `ladder_size` at most, and small enough that there are
    about four tasks per worker thread, so the last tasks do not leave
    workers idle. Tasks come back largest first.
    """
    groups: dict[tuple, list[Encode]] = {}
    for e in encodes:
        groups.setdefault(e.shared(), []).append(e)
    total = sum(len(g) for g in groups.values())
    chunk = max(1, min(ladder_size, math.ceil(total / max(1, 4 * workers))))
    tasks = []
    for group in groups.values():
        parts = math.ceil(len(group) / chunk)
        for i in range(parts):
            members = group[i::parts]
            first = members[0]
            name = hashlib.sha256("".join(m.key for m in members).encode()).hexdigest()[:16]
            options = dict(model=first.model_arg(), width=first.width, height=first.height,
                           pix_fmt=first.pix_fmt, features=list(first.features) or None, frames=first.frames,
                           skip_ref=first.skip_ref, subsample=first.subsample)
            size = _stat(first.ref_path)
            cost = float(size[0] if size else 1) * len(members)
            tasks.append(Ladder(name, first.ref_path, options,
                                tuple((m.key, m.dist_path, m.scale_dist, m.skip_dist) for m in members), cost))
    tasks.sort(key=lambda t: -t.cost)
    return tasks
