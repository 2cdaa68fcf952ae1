"""Distilling tiny quality models from vmaf_v0.6.1 (needs the `train` extra).

corpus  -> build a corpus of real encodes (sources x codecs x CRF x scaling rungs)
dataset -> extract features natively (in parallel, cached) and teacher labels
fit     -> train a tiny MLP (configs/*.yaml), evaluate, calibrate an interval
export  -> write ONNX + sidecar, round-trip through torch, Python ORT and the native core
"""
