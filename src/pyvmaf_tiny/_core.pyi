"""
pyvmaf-tiny native core
"""
from __future__ import annotations
import collections.abc
import numpy
import numpy.typing
import typing
__all__: list[str] = ['BootstrapModel', 'Model', 'ModelDocument', 'OnnxModel', 'Pipeline', 'RawReader', 'SvmModel', 'Y4mReader', 'active_isa', 'check_onnx', 'detected_isa', 'extractor_catalog', 'extractor_for_feature', 'extractor_provides', 'frame_interval', 'libvmaf_log_stage', 'onnx_budgets', 'onnx_narrow_float64', 'onnx_shapes', 'ort_graph_optimization', 'ort_info', 'ort_log_level', 'ort_preload', 'ort_set_library_hint', 'ort_set_log_level', 'ort_slot_use', 'parse_json', 'parse_sidecar', 'pool', 'pool_release', 'pool_stats', 'specs_for_features']
class RawReader:
    """
    Equal-sized planar frames of a file, read natively into the pipeline's buffers.
    """
    def __init__(self, path: str, width: typing.SupportsInt | typing.SupportsIndex, height: typing.SupportsInt | typing.SupportsIndex, bpc: typing.SupportsInt | typing.SupportsIndex, chroma_width: typing.SupportsInt | typing.SupportsIndex = 0, chroma_height: typing.SupportsInt | typing.SupportsIndex = 0, header: typing.SupportsInt | typing.SupportsIndex = 0, frame_marker: str = '') -> None:
        ...
    def read_frame(self, index: typing.SupportsInt | typing.SupportsIndex, chroma: bool = False) -> typing.Any:
        """
        Frame `index` as a new (height, width) array, or a (luma, cb, cr) tuple of them with chroma=True.
        """
    @property
    def frame_bytes(self) -> int:
        ...
    @property
    def frame_count(self) -> int:
        ...
class Y4mReader(RawReader):
    """
    A YUV4MPEG2 file: its stream header, and every frame read natively through its index.
    """
    def __init__(self, path: str, name: str = '') -> None:
        ...
    @property
    def aspect(self) -> tuple[int, int]:
        ...
    @property
    def bpc(self) -> int:
        ...
    @property
    def colour(self) -> str:
        ...
    @property
    def extensions(self) -> list[str]:
        ...
    @property
    def frame_rate(self) -> tuple[int, int]:
        ...
    @property
    def header_bytes(self) -> int:
        ...
    @property
    def height(self) -> int:
        ...
    @property
    def index_runs(self) -> int:
        ...
    @property
    def interlace(self) -> str:
        ...
    @property
    def layout(self) -> str:
        ...
    @property
    def plain_frames(self) -> bool:
        ...
    @property
    def width(self) -> int:
        ...
class Model:
    def extractor_specs(self) -> list:
        ...
    def predict(self, features: typing.Annotated[numpy.typing.ArrayLike, numpy.float64]) -> numpy.typing.NDArray[numpy.float64]:
        """
        Scores of a (frames, len(columns)) feature matrix.
        """
    def predict_outputs(self, features: typing.Annotated[numpy.typing.ArrayLike, numpy.float64]) -> numpy.typing.NDArray[numpy.float64]:
        """
        Every output (frames, len(output_suffixes)) of a (frames, len(columns)) feature matrix.
        """
    @property
    def backend(self) -> str:
        ...
    @property
    def columns(self) -> list[str]:
        ...
    @property
    def output_suffixes(self) -> list[str]:
        ...
class BootstrapModel(Model):
    @property
    def members(self) -> int:
        ...
class SvmModel(Model):
    @staticmethod
    def from_json(text: typing.Any, origin: str, disable_clip: bool = False, enable_transform: bool = False) -> SvmModel:
        """
        A libvmaf JSON model from its bytes (or text).
        """
class OnnxModel(Model):
    @staticmethod
    def load(sidecar_path: str, device: str = 'auto') -> OnnxModel:
        ...
    @property
    def has_interval(self) -> bool:
        ...
    @property
    def interval_alpha(self) -> float:
        ...
    @property
    def interval_halfwidth(self) -> float | None:
        ...
    @property
    def output_range(self) -> tuple[float, float]:
        ...
class ModelDocument:
    """
    A model file parsed once by the native JSON reader: what it is and which further files it would open.
    """
    def __init__(self, data: bytes, origin: str, directory: bytes) -> None:
        ...
    def bootstrap_model(self, disable_clip: bool = False, enable_transform: bool = False) -> BootstrapModel:
        ...
    def onnx_model(self, onnx: bytes, origin: str, device: str = 'auto') -> OnnxModel:
        """
        The tiny model, from the bytes of references[0].
        """
    def svm_model(self, disable_clip: bool = False, enable_transform: bool = False) -> SvmModel:
        ...
    def tree(self) -> typing.Any:
        """
        The document as Python objects.
        """
    @property
    def kind(self) -> str:
        ...
    @property
    def name(self) -> typing.Any:
        ...
    @property
    def references(self) -> list:
        ...
class Pipeline:
    def __init__(self, specs: collections.abc.Sequence[tuple], threads: typing.SupportsInt | typing.SupportsIndex, encodes: typing.SupportsInt | typing.SupportsIndex = 1) -> None:
        """
        encodes > 1: ladder mode, one reference against that many distorted inputs (push_frame()).
        """
    def aggregates(self, encode: typing.SupportsInt | typing.SupportsIndex = 0) -> list[float]:
        """
        The values of aggregate_columns for `encode`, after close().
        """
    def close(self) -> None:
        ...
    def drop(self, encode: typing.SupportsInt | typing.SupportsIndex) -> None:
        """
        Ladder mode: stop scoring `encode`.
        """
    def failed(self, encode: typing.SupportsInt | typing.SupportsIndex) -> bool:
        """
        Ladder mode: whether `encode` failed or was dropped.
        """
    def failed_frame(self, encode: typing.SupportsInt | typing.SupportsIndex) -> int:
        ...
    def pooled_interval(self, encode: typing.SupportsInt | typing.SupportsIndex = 0) -> typing.Any:
        """
        pool() of the lower and of the upper bounds of the model's interval over every frame it scored (frame_interval()'s values, without building an array); None for a model without one.
        """
    def pooled_scores(self, encode: typing.SupportsInt | typing.SupportsIndex = 0) -> dict:
        """
        pool() of every model score so far, without building an array.
        """
    def push(self, ref: typing.Any, dist: typing.Any, bpc: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def push_frame(self, ref: typing.Any, dists: list, bpc: typing.SupportsInt | typing.SupportsIndex) -> None:
        """
        One frame of the reference and of each encode: each side a picture (as push() takes it), a (RawReader, frame) tuple, or None for an encode that failed or was dropped.
        """
    def push_read(self, ref: RawReader, ref_frame: typing.SupportsInt | typing.SupportsIndex, dist: RawReader, dist_frame: typing.SupportsInt | typing.SupportsIndex) -> None:
        """
        Schedules frame ref_frame of `ref` and dist_frame of `dist`, viewed in place where the files map, else read in.
        """
    def raise_error(self, encode: typing.SupportsInt | typing.SupportsIndex) -> None:
        """
        Raises the error `encode` failed with in the core, if any.
        """
    def rows(self, start: typing.SupportsInt | typing.SupportsIndex, stop: typing.SupportsInt | typing.SupportsIndex, encode: typing.SupportsInt | typing.SupportsIndex = 0) -> numpy.typing.NDArray[numpy.float64]:
        """
        Final values of frames [start, stop) of `encode` as a (frames, columns) array.
        """
    def scored_count_of(self, encode: typing.SupportsInt | typing.SupportsIndex) -> int:
        ...
    def scores(self, start: typing.SupportsInt | typing.SupportsIndex, stop: typing.SupportsInt | typing.SupportsIndex, encode: typing.SupportsInt | typing.SupportsIndex = 0) -> numpy.typing.NDArray[numpy.float64]:
        ...
    def set_model(self, model: Model, mode: str = 'stream', batch: typing.SupportsInt | typing.SupportsIndex = 1024) -> None:
        ...
    @property
    def aggregate_columns(self) -> list[str]:
        """
        Clip-level outputs (libvmaf's aggregate_metrics), known after close().
        """
    @property
    def columns(self) -> list[str]:
        ...
    @property
    def encodes(self) -> int:
        ...
    @property
    def final_count(self) -> int:
        ...
    @property
    def live_encodes(self) -> int:
        ...
    @property
    def memory_budget(self) -> int:
        """
        Working-memory budget in bytes that bounds the worker count; set before the first push.
        """
    @memory_budget.setter
    def memory_budget(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def needs_chroma(self) -> bool:
        ...
    @property
    def pushed(self) -> int:
        ...
    @property
    def scored_count(self) -> int:
        ...
    @property
    def subsample(self) -> int:
        ...
    @subsample.setter
    def subsample(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def threads(self) -> int:
        """
        Workers in use: the request clamped to the cores and (from the first push) the memory budget.
        """
    @property
    def working_bytes(self) -> int:
        """
        The working memory estimated for the workers in use (0 before the first push).
        """
def active_isa() -> str:
    """
    The SIMD kernel set in use (PYVMAF_TINY_ISA may force a lower one).
    """
def check_onnx(data: bytes, origin: str = '<bytes>') -> dict:
    """
    The static checks run before an ONNX model gets a session.
    """
def detected_isa() -> str:
    ...
def extractor_catalog() -> list:
    ...
def extractor_for_feature(feature: str) -> str:
    ...
def extractor_provides(name: str, options: collections.abc.Mapping[str, str]) -> list[str]:
    """
    The column names an extractor writes under these options.
    """
def frame_interval(model: Model, features: typing.Annotated[numpy.typing.ArrayLike, numpy.float64]) -> typing.Any:
    """
    Per-frame (lo, hi) of a tiny model's interval for a (frames, len(columns)) feature matrix, clipped to its output range; None for a model without one.
    """
def libvmaf_log_stage(column: str) -> int:
    """
    0, 1 or 2: when libvmaf first stores this output (see output.py's ordering rule).
    """
def onnx_budgets() -> dict:
    ...
def onnx_narrow_float64(data: bytes) -> typing.Any:
    """
    The float32 twin the OpenVINO provider is given of a graph widened to float64 by Casts.
    """
def onnx_shapes(data: bytes, batch: typing.SupportsInt | typing.SupportsIndex) -> dict:
    """
    Every tensor's inferred (element type, shape) at one batch size.
    """
def ort_graph_optimization() -> str:
    """
    The graph optimisation level of every ONNX Runtime session the core makes.
    """
def ort_info() -> dict:
    ...
def ort_log_level() -> str:
    ...
def ort_preload() -> None:
    """
    Start loading ONNX Runtime on a native thread (once); the first model load waits for it or reports its failure, and so do a fork and the interpreter's exit.
    """
def ort_set_library_hint(path: str) -> None:
    ...
def ort_set_log_level(level: str) -> None:
    """
    Which of ONNX Runtime's log lines reach stderr: off, error, warning, info or verbose.
    """
def ort_slot_use() -> list:
    ...
def parse_json(text: typing.Any, max_values: typing.SupportsInt | typing.SupportsIndex = 1048576, max_depth: typing.SupportsInt | typing.SupportsIndex = 64) -> typing.Any:
    """
    The native JSON reader on its own (for tests): Python objects, or ModelError.
    """
def parse_sidecar(text: typing.Any, origin: str) -> str:
    ...
def pool(values: typing.Annotated[numpy.typing.ArrayLike, numpy.float64]) -> dict:
    """
    libvmaf's min, max, mean and harmonic_mean of per-frame values.
    """
def pool_release() -> int:
    ...
def pool_stats() -> dict:
    ...
def specs_for_features(features: collections.abc.Sequence[str]) -> list:
    """
    The (extractor, options, outputs) specs that compute these feature names.
    """
