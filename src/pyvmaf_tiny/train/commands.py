"""The `pyvmaf-tiny corpus` and `pyvmaf-tiny train` subcommands."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

CORPUS_EXAMPLES = """\
examples:
  pyvmaf-tiny corpus build corpus/                       # PyPI-only default sources
  pyvmaf-tiny corpus build corpus/ --sources ~/my_videos   # plus your own videos and pictures
  pyvmaf-tiny corpus build corpus/ --no-default --sources /usr/share/backgrounds
  pyvmaf-tiny corpus build /shared/corpus/ --scheduler tcp://head:8786   # on a Dask cluster (pyvmaf-tiny[batch])
"""

TRAIN_EXAMPLES = """\
examples:
  pyvmaf-tiny train fit fr_tiny_v1 --corpus corpus/ --out models/
  pyvmaf-tiny train fit my.yaml --sources ~/my_videos --corpus my_corpus/ --out models/   # retrain in one command
  pyvmaf-tiny train sweep fr_tiny_v1 --corpus corpus/ --table sweep.md
  pyvmaf-tiny train claims --corpus corpus/ --sizes 40 200 --seeds 0 --table claims.md
  pyvmaf-tiny train eval models/fr_tiny_v1.onnx --corpus corpus/ [--mos scores.csv]
  pyvmaf-tiny train export models/fr_tiny_v1.pt --opset 21
  pyvmaf-tiny train quantize models/fr_tiny_v1.onnx --corpus corpus/ --int4
  pyvmaf-tiny train quantize fr_micro_v1 --corpus corpus/ --int4 --out quantized/
"""


def register(sub) -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    c = sub.add_parser("corpus", help="build a training corpus of real encodes", epilog=CORPUS_EXAMPLES,
                       formatter_class=fmt)
    csub = c.add_subparsers(dest="corpus_command", metavar="ACTION", required=True)
    b = csub.add_parser("build", help="encode ladders of every source", epilog=CORPUS_EXAMPLES, formatter_class=fmt)
    b.add_argument("out", help="corpus directory (created; an existing corpus is completed, not redone)")
    _corpus_options(b)
    b.add_argument("--scheduler", metavar="ADDRESS",
                   help="build the sources on this Dask cluster (e.g. tcp://host:8786); a failed source is listed in "
                        "failed.csv and the command exits 2")
    b.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    t = sub.add_parser("train", help="distil tiny models from vmaf_v0.6.1", epilog=TRAIN_EXAMPLES,
                       formatter_class=fmt)
    tsub = t.add_subparsers(dest="train_command", metavar="ACTION", required=True)
    f = tsub.add_parser("fit", help="train, evaluate on held-out sources, export ONNX + sidecar",
                        epilog=TRAIN_EXAMPLES, formatter_class=fmt)
    f.add_argument("config", help="a YAML config, or a packaged one (fr_tiny_v1, fr_micro_v1, fr_micro_v2)")
    f.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override one config value (dotted key, YAML value; repeatable), e.g. interval.method=constant")
    f.add_argument("--corpus", required=True, help="corpus directory (built first when --sources is given)")
    f.add_argument("--out", default="models", help="where the model, sidecar and report go")
    f.add_argument("--loso", action="store_true", help="also evaluate leave-one-source-out (slow)")
    f.add_argument("--jobs", type=int, default=0, help="extraction processes (0 = all cores)")
    _corpus_options(f)
    s = tsub.add_parser("sweep", help="grid over temperature x arch x width x features", epilog=TRAIN_EXAMPLES,
                        formatter_class=fmt)
    s.add_argument("config")
    s.add_argument("--corpus", required=True)
    s.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override one config value before sweeping (repeatable)")
    s.add_argument("--table", help="write the results table (markdown) here")
    s.add_argument("--pairs", action="store_true",
                   help="sweep every pair of the six canonical features instead, with each pair's extraction cost")
    s.add_argument("--plus", nargs="+", metavar="FEATURE",
                   help="sweep the config's features alone and with each FEATURE added instead (the config's "
                        "model and MSE), with each set's extraction cost")
    s.add_argument("--epochs", type=int, help="override the config's epochs (a quicker sweep)")
    s.add_argument("--widths", type=int, nargs="+", default=[16, 32, 64])
    s.add_argument("--depths", type=int, nargs="+", default=[2, 4])
    s.add_argument("--archs", nargs="+", default=["mlp", "mlp_bn", "reweight_mlp"])
    s.add_argument("--taus", type=float, nargs="+", default=[0.5, 1.0, 2.0])
    s.add_argument("--no-learnable-tau", action="store_true", help="leave out the learnable-tau loss")
    s.add_argument("--jobs", type=int, default=0, help="processes (0 = all cores)")
    c = tsub.add_parser("claims", help="the digest's claims on MOS-like labels at several corpus sizes "
                        "(docs/training.md)", epilog=TRAIN_EXAMPLES, formatter_class=fmt)
    c.add_argument("--corpus", required=True)
    c.add_argument("--sizes", type=int, nargs="+", default=[40, 70, 200, 1000, 3000])
    c.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    c.add_argument("--variants", nargs="+", help="a subset of the variants (default: all)")
    c.add_argument("--steps", type=int, default=1200, help="Stage-1 optimiser steps per run")
    c.add_argument("--results", default="claims.jsonl", help="JSON lines, one per run; runs already there are kept")
    c.add_argument("--table", help="write the markdown tables here")
    c.add_argument("--jobs", type=int, default=0, help="extraction processes")
    e = tsub.add_parser("eval", help="PLCC/SROCC/KROCC/RMSE of a model against the teacher (and MOS)",
                        epilog=TRAIN_EXAMPLES, formatter_class=fmt)
    e.add_argument("model", help="a model name or path (.onnx with sidecar, or a libvmaf JSON model)")
    e.add_argument("--corpus", required=True)
    e.add_argument("--mos", help="CSV with columns clip,mos (clip as in the corpus manifest)")
    e.add_argument("--jobs", type=int, default=0)
    x = tsub.add_parser("export", help="re-export a checkpoint (.pt) at another opset", epilog=TRAIN_EXAMPLES,
                        formatter_class=fmt)
    x.add_argument("checkpoint")
    x.add_argument("--opset", type=int, default=19, choices=(17, 19, 21))
    x.add_argument("--out", help="output directory (default: beside the checkpoint)")
    q = tsub.add_parser("quantize", help="int8 (and int4, opset 21) weight quantisation, written only within "
                        "--max-rmse VMAF of the float model", epilog=TRAIN_EXAMPLES, formatter_class=fmt)
    q.add_argument("model", help="a `train fit` model: its .onnx (with sidecar), its .pt checkpoint, or a packaged "
                   "tiny model's name (fr_tiny_v1, fr_micro_v1, fr_micro_v2)")
    q.add_argument("--corpus", required=True, help="calibration features come from here")
    q.add_argument("--int4", action="store_true", help="also int4 (opset-21 block quantisation)")
    q.add_argument("--max-rmse", type=float, default=0.5, help="the largest RMSE to the float model (VMAF) that is "
                   "still written (default 0.5)")
    q.add_argument("--out", help="output directory (default: beside the model; needed for packaged models)")
    q.add_argument("--jobs", type=int, default=0)
    for p in (f, s, c, e, x, q):
        p.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)


def _corpus_options(p) -> None:
    p.add_argument("--sources", action="append", default=[], metavar="DIR",
                   help="also use every video and picture under DIR (repeatable)")
    p.add_argument("--no-default", action="store_true", help="skip the PyPI-only default sources")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--frames", type=int, default=10, help="frames per clip")
    p.add_argument("--variants", type=int, default=20, help="distorted clips per source")
    p.add_argument("--max-sources", type=int, help="cap the number of sources (sampled with the seed)")


def _spec(args):
    from .corpus import CorpusSpec

    return CorpusSpec(seed=args.seed, frames=args.frames, variants=args.variants, source_dirs=tuple(args.sources),
                      include_default=not args.no_default, max_sources=args.max_sources)


def _log(msg: str) -> None:
    import time

    print(time.strftime("%H:%M:%S ") + msg, file=sys.stderr, flush=True)


def _config(name_or_path: str, overrides=None):
    from .config import load_config, packaged_config

    if not os.path.exists(name_or_path) and os.path.exists(packaged_config(name_or_path)):
        name_or_path = packaged_config(name_or_path)
    if not os.path.exists(name_or_path):
        from ..errors import InputError

        from importlib import resources

        packaged = sorted(p.name[:-5] for p in (resources.files("pyvmaf_tiny") / "configs").iterdir()
                          if p.name.endswith(".yaml"))
        raise InputError(f"config {name_or_path}: no such file (packaged: {', '.join(packaged)})")
    return load_config(name_or_path, overrides), name_or_path


def run(args) -> int:
    if args.command == "corpus":
        from .corpus import build

        manifest = build(args.out, _spec(args), log=_log, scheduler=args.scheduler)
        print(manifest)
        return 2 if (manifest.parent / "failed.csv").exists() else 0
    handler = {"fit": _fit, "sweep": _sweep, "eval": _eval, "export": _export, "quantize": _quantize,
               "claims": _claims}
    return handler[args.train_command](args)


def _dataset(corpus: str, jobs: int):
    from .dataset import extract

    return extract(corpus, jobs=jobs, log=_log)


def _fit(args) -> int:
    import torch

    from .corpus import build
    from .export import export, round_trip
    from .fit import fit as run_fit
    from .mos import json_safe

    cfg, cfg_path = _config(args.config, args.set)
    if args.sources or not os.path.exists(os.path.join(args.corpus, "manifest.csv")):
        build(args.corpus, _spec(args), jobs=args.jobs, log=_log)
    ds = _dataset(args.corpus, args.jobs)
    result = run_fit(cfg, ds, loso=args.loso, log=_log)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    training = {"config": os.path.basename(cfg_path), "seed": cfg.optim.seed,
                "corpus": os.path.basename(os.path.abspath(args.corpus)),
                "frames": int(len(ds.teacher)), "clips": len(ds.clips), "families": len(set(ds.family))}
    onnx_path = export(result, str(out), cfg.name, cfg.export.opset, training=training)
    torch.save({"student": result.student, "config": cfg, "interval": result.interval, "metrics": result.metrics,
                "difficulty": result.difficulty, "label": result.label, "stage2": result.stage2},
               out / f"{cfg.name}.pt")
    diffs = round_trip(result.student, onnx_path, ds.select(cfg.features), difficulty=result.difficulty,
                       quantile=result.interval.get("quantile"))
    report = {"metrics": result.metrics, "interval": result.interval, "loso": result.loso, "round_trip": diffs,
              "bytes": onnx_path.stat().st_size, "split": result.split, "label": result.label,
              "stage2": result.stage2}
    (out / f"{cfg.name}.report.json").write_text(json.dumps(json_safe(report), indent=1, allow_nan=False))
    summary = {"model": str(onnx_path), "bytes": report["bytes"], "test": result.metrics["test"],
               "interval": {k: v for k, v in result.interval.items() if k not in ("per_family_test", "constant")},
               "round_trip": diffs, "stage2": result.stage2}
    print(json.dumps(json_safe(summary), indent=1, allow_nan=False))
    return 0


def _sweep(args) -> int:
    import itertools

    from .dataset import CANONICAL
    from .sweep import grid, markdown, run_sweep

    cfg, _ = _config(args.config, args.set)
    if args.epochs:
        cfg.optim.epochs = args.epochs
    ds = _dataset(args.corpus, args.jobs)
    cost = None
    if args.pairs:
        from .sweep import extraction_cost

        pairs = [list(p) for p in itertools.combinations(CANONICAL, 2)]
        configs = grid(cfg, pairs, taus=(), archs=(cfg.model.arch,), widths=(cfg.model.hidden,),
                       depths=(cfg.model.depth,), learnable_tau=False)
        _log("timing extraction of each pair at 1080p")
        cost = extraction_cost([list(CANONICAL)] + pairs)
    elif args.plus:
        from .sweep import extraction_cost

        sets = [list(cfg.features)] + [list(cfg.features) + [f] for f in args.plus]
        configs = grid(cfg, sets, taus=(), archs=(cfg.model.arch,), widths=(cfg.model.hidden,),
                       depths=(cfg.model.depth,), learnable_tau=False)
        _log("timing extraction of each feature set at 1080p")
        cost = extraction_cost([list(CANONICAL)] + sets)
        rows = run_sweep(configs, ds, log=_log, jobs=args.jobs)
        base = "+".join(cfg.features)
        label = {base: cfg.name, **{base + "+" + f: cfg.name + " + " + f for f in args.plus}}
        for r in rows:
            r["features"] = label.get(r["features"], r["features"])
        cost = {label.get(k, k): v for k, v in cost.items()}
        return _table(markdown(rows, cost), args)
    else:
        configs = grid(cfg, taus=args.taus, archs=args.archs, widths=args.widths, depths=args.depths,
                       learnable_tau=not args.no_learnable_tau)
    return _table(markdown(run_sweep(configs, ds, log=_log, jobs=args.jobs), cost), args)


def _table(table: str, args) -> int:
    if args.table:
        Path(args.table).write_text(table)
    print(table)
    return 0


def _claims(args) -> int:
    from ..errors import InputError
    from .claims import VARIANTS, report, run

    variants = args.variants or list(VARIANTS)
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise InputError(f"unknown variant(s) {unknown}; known: {list(VARIANTS)}")
    ds = _dataset(args.corpus, args.jobs)
    rows = run(ds, args.sizes, args.seeds, variants, Path(args.results), args.steps, log=_log)
    text = report([r for r in rows if r["size_asked"] in args.sizes and r["variant"] in variants])
    if args.table:
        Path(args.table).write_text(text)
    print(text)
    return 0


def _eval(args) -> int:
    import numpy as np

    import pyvmaf_tiny

    from ..errors import InputError
    from .metrics import agreement, clip_means, report
    from .mos import fit_mapping, json_safe, read_mos_csv

    mos = read_mos_csv(args.mos) if args.mos else None  # a bad table fails before any extraction
    ds = _dataset(args.corpus, args.jobs)
    model = pyvmaf_tiny.models.load(args.model, device="cpu")
    missing = [c for c in model.columns if c not in ds.columns]
    if missing:
        raise InputError(f"the corpus has no feature(s) {missing} that {args.model} needs")
    pred = model.predict(ds.select(model.columns))
    out = {"model": model.name, "teacher": report(pred, ds.teacher, ds.clip)}
    if mos is not None:
        names = [c["clip"] for c in ds.clips]
        per_clip = clip_means(pred, ds.clip)
        have = [i for i, n in enumerate(names) if n in mos]
        if not have:
            raise InputError(f"MOS table {args.mos}: none of its {len(mos)} clips is in the corpus "
                             f"(clip names as in {os.path.join(args.corpus, 'manifest.csv')}, e.g. {names[0]!r})")
        p, m = per_clip[have], np.array([mos[names[i]] for i in have])
        res = {"clips": len(have), "not_in_corpus": len(mos) - len(have), "raw": agreement(p, m)}
        res["raw"].pop("rmse", None)  # the two scales differ: an RMSE between them means nothing
        if len(np.unique(p)) >= 4:
            # VQEG practice: a monotone logistic from the model's scale onto the MOS scale, fitted on these
            # clips; PLCC and RMSE after it are in MOS units. SROCC/KROCC need no mapping.
            g = fit_mapping(p, m, "logistic")
            res["mapped"] = agreement(g(p), m)
            res["mapping"] = dict(g.to_dict(), direction="model -> mos", fitted_on="these clips")
        else:
            res["mapped"] = None
            res["mapping"] = "not fitted: fewer than 4 distinct clip scores"
        out["mos"] = res
    print(json.dumps(json_safe(out), indent=1, allow_nan=False))
    return 0


def _load_checkpoint(path: str):
    import torch

    return torch.load(path, weights_only=False)


def _export(args) -> int:
    from .export import to_onnx, write_sidecar

    ck = _load_checkpoint(args.checkpoint)
    cfg, student = ck["config"], ck["student"]
    out = Path(args.out or Path(args.checkpoint).parent)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{cfg.name}_opset{args.opset}.onnx"
    path.write_bytes(to_onnx(student, args.opset, difficulty=ck.get("difficulty")).SerializeToString())
    write_sidecar(path, path.stem, student.features, args.opset, "fp32", interval=ck["interval"],
                  label=ck.get("label"))
    print(path)
    return 0


def _quantize(args) -> int:
    from ..errors import InputError
    from .mos import json_safe
    from .quantize import quantize

    src = Path(args.model)
    if src.suffix == ".pt":
        src = src.with_suffix(".onnx")
    elif not src.suffix:
        from importlib import resources

        src = Path(str(resources.files("pyvmaf_tiny") / "models" / "data" / f"{args.model}.onnx"))
        if not args.out:
            raise InputError(f"quantize {args.model}: a packaged model needs --out DIR")
    if not src.is_file() or not src.with_suffix(".json").is_file():
        raise InputError(f"quantize: {src} (and its sidecar {src.with_suffix('.json').name}): no such file")
    import json as _json

    features = _json.loads(src.with_suffix(".json").read_text())["input"]["features"]
    ds = _dataset(args.corpus, args.jobs)
    missing = [f for f in features if f not in ds.columns]
    if missing:
        raise InputError(f"the corpus has no feature(s) {missing} that {src.name} needs")
    out_dir = Path(args.out) if args.out else src.parent
    out_dir.mkdir(parents=True, exist_ok=True)
    kinds = ("int8", "int4") if args.int4 else ("int8",)
    out = quantize(src, ds.select(features), kinds=kinds, max_rmse=args.max_rmse, out_dir=out_dir, log=_log)
    print(json.dumps(json_safe(out), indent=1, allow_nan=False))
    return 0
