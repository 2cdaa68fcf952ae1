"""Turns requested feature names into the extractors that compute them."""

from __future__ import annotations

import re
from typing import Any, Iterable, Optional

from . import _core
from .errors import InputError
from .io.policy import check_output_dir

# (extractor name, options, wanted outputs); an empty tuple of outputs means all of them.
Spec = tuple


def catalog() -> dict[str, list[str]]:
    """Extractor name -> the base feature names it provides."""
    return {entry[0]: entry[1] for entry in _core.extractor_catalog()}


def name_options(extractor: str) -> dict[str, str]:
    """The option suffixes a feature name of `extractor` may carry ("sr" -> "vif_sample_rows": the name
    integer_vif_scale0_sr_16 asks for vif with vif_sample_rows=16)."""
    return next((dict(entry[4]) for entry in _core.extractor_catalog() if entry[0] == extractor), {})


def _parse(item: Any) -> tuple[str, dict]:
    """A name, "name:key=value,...", or {"name": ..., key: value}."""
    if isinstance(item, dict):
        opts = dict(item)
        name = opts.pop("name", None)
        if not isinstance(name, str):
            raise InputError(f"feature {item!r} needs a 'name'")
        return name, {str(k): _option_text(v) for k, v in opts.items()}
    if not isinstance(item, str) or not item.strip():
        raise InputError(f"feature names must be non-empty strings, got {item!r}")
    name, _, rest = item.strip().partition(":")
    opts = {}
    if rest:
        for kv in rest.split(","):
            key, eq, value = kv.partition("=")
            if not eq or not key:
                raise InputError(f"feature {item!r}: options must look like key=value")
            opts[key.strip()] = value.strip()
    return name, opts


def _option_text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def resolve(features: Optional[Iterable[Any]]) -> tuple[list[Spec], list[Optional[str]]]:
    """Specs for `features`, plus for each spec the single feature asked for
    (None when the whole extractor was asked for)."""
    specs: list[Spec] = []
    wanted: list[Optional[str]] = []
    if features is None:
        return specs, wanted
    if isinstance(features, (str, dict)):
        features = [features]
    cat = catalog()
    for item in features:
        name, opts = _parse(item)
        if name in cat:
            specs.append((name, opts, ()))
            wanted.append(None)
            continue
        try:  # the native catalog's resolution, name options ("_sr_16") included
            ((extractor, implied, _),) = _core.specs_for_features([name])
        except InputError as e:
            if not str(e).startswith("no extractor provides feature"):  # known, with an option it cannot take
                raise
            raise InputError(unknown_feature_message(name, cat)) from None
        opts = {**implied, **opts}
        specs.append((extractor, opts, (column_for((extractor, opts), name),)))
        wanted.append(name)
    return specs, wanted


def unknown_feature_message(name: str, cat: Optional[dict[str, list[str]]] = None) -> str:
    """"unknown feature 'x'; did you mean 'y'?" with the closest known names, or
    where to find them all."""
    import difflib

    cat = catalog() if cat is None else cat
    known = sorted(set(cat) | {f for fs in cat.values() for f in fs})
    # Extractors whose name contains it ("ssim"), shortest first, then near spellings of any name.
    close = sorted((e for e in cat if name.lower() in e.lower()), key=len)
    close += [c for c in difflib.get_close_matches(name, known, n=3, cutoff=0.6) if c not in close]
    hint = f"did you mean {' or '.join(repr(c) for c in close[:3])}?" if close else \
        f"known extractors: {', '.join(sorted(cat))}"
    return f"unknown feature {name!r} (`pyvmaf-tiny features` lists them all, with their options); {hint}"


def options_of(extractor: str) -> list[str]:
    """The options (and their aliases) `extractor` takes. Each extractor keeps its own list, which it
    names when it refuses an option it does not know; this asks it with a key no extractor has."""
    import re

    try:
        _core.extractor_provides(extractor, {"\x01": "1"})
    except InputError as e:
        found = re.search(r"\(known: (.*)\)$", str(e))
        if found:
            return [o.strip() for o in found.group(1).split(",") if o.strip() and o.strip() != "none"]
    return []


def columns_of(spec: Spec) -> list[str]:
    return list(_core.extractor_provides(spec[0], spec[1]))


def column_for(spec: Spec, feature: str) -> str:
    """The column of `spec` that holds base feature `feature`: the column whose
    longest matching base name (exact, or followed by an option suffix) is it.
    Options may drop columns (psnr's enable_chroma), so positions do not do."""
    bases = catalog()[spec[0]]

    def base_of(column: str) -> str:
        return max((b for b in bases if column == b or column.startswith(b + "_")), key=len, default="")

    columns = columns_of(spec)
    if feature in columns:  # a name with its options ("integer_vif_scale0_sr_16")
        return feature
    for column in columns:
        if base_of(column) == feature:
            return column
    raise InputError(f"feature {feature!r} is not computed by {spec[0]} with options {spec[1]}")


def merge(*groups: Iterable[Spec]) -> list[Spec]:
    """One spec per extractor configuration: specs with the same name and
    options pool their wanted outputs, and a spec whose columns another one
    computes anyway (motion without its debug output) hands its outputs over."""
    pooled: list[list] = []  # [name, options, set of wanted outputs or None for all]
    for spec in (s for group in groups for s in group):
        name, opts, only = spec[0], dict(spec[1]), set(spec[2]) if len(spec) > 2 and spec[2] else None
        same = next((p for p in pooled if p[0] == name and p[1] == opts), None)
        if same is None:
            pooled.append([name, opts, only])
        elif same[2] is not None:
            same[2] = None if only is None else same[2] | only
    cols = [set(columns_of(p)) for p in pooled]
    out = []
    for i, p in enumerate(pooled):
        host = next((j for j in range(len(pooled)) if j != i and pooled[j][0] == p[0] and cols[i] < cols[j]), None)
        if host is None:
            out.append(p)
        elif pooled[host][2] is not None:
            pooled[host][2] |= p[2] if p[2] is not None else cols[i]
    return [(name, opts, tuple(sorted(only)) if only else ()) for name, opts, only in out]


# What cambi writes under heatmaps_path, one file per scale (libvmaf's names).
HEATMAP_FILE = re.compile(r"cambi_heatmap_scale_\d+_\d+x\d+_16b\.gray")


def written_folders(specs: Iterable[Spec]) -> list[str]:
    """The folders the extractors of `specs` write files into: the values of the options the catalog says write
    files (cambi's heatmaps_path)."""
    writing = {entry[0]: tuple(entry[3]) for entry in _core.extractor_catalog() if entry[3]}
    return [spec[1][key] for spec in specs for key in writing.get(spec[0], ()) if key in spec[1]]


def check_writes(specs: Iterable[Spec], encodes: int = 1) -> None:
    """Before a run: every folder an extractor writes into can be made and written (the path policy's output
    checks, io.policy.check_output_dir), so that a bad one is refused before any frame is read. Refused with
    several encodes (ladder mode), where every encode would write the same files (the core refuses it too)."""
    for folder in written_folders(specs):
        if encodes > 1:
            raise InputError("cambi: heatmaps_path is not supported with several encodes (ladder mode): each would "
                             "write the same files; score each encode alone")
        check_output_dir(folder, "cambi heatmaps_path", HEATMAP_FILE.fullmatch)
