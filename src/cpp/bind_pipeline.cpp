#include <bit>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "pyvmaf_tiny/buffer_pool.hpp"
#include "pyvmaf_tiny/cpu.hpp"
#include "pyvmaf_tiny/dnn.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/model.hpp"
#include "pyvmaf_tiny/pipeline.hpp"
#include "pyvmaf_tiny/raw_reader.hpp"
#include "pyvmaf_tiny/registry.hpp"

namespace py = pybind11;

namespace pvt_bind {
namespace {

// A 2-D uint8/uint16 array (native byte order, each row's samples
// contiguous; rows at any distance) viewed as a Plane. The Python callers
// convert other arrays first; this refuses what it cannot read.
pvt::Plane as_plane(const py::array& a, int bpc, const std::string& name) {
  if (a.ndim() != 2) throw pvt::InputError(name + " must be a 2-D (height, width) array");
  const py::dtype dt = a.dtype();
  if (dt.kind() != 'u' || (dt.itemsize() != 1 && dt.itemsize() != 2))
    throw pvt::InputError(name + " must be uint8 or uint16, got " + std::string(py::str(dt)));
  const bool u8 = dt.itemsize() == 1;
  const char order = dt.byteorder();  // '=' native, '|' not applicable, else '<' or '>'
  const char host = std::endian::native == std::endian::little ? '<' : '>';
  if (!u8 && order != '=' && order != '|' && order != host)
    throw pvt::InputError(name + " is uint16 in the other byte order (" + std::string(py::str(dt)) +
                          "); convert it with .astype('=u2')");
  if (u8 != (bpc == 8))
    throw pvt::InputError(name + " dtype " + (u8 ? "uint8" : "uint16") + " does not match bit depth " +
                          std::to_string(bpc));
  // Checked before narrowing: a side past kMaxSide never becomes an int.
  for (py::ssize_t d = 0; d < 2; ++d)
    if (a.shape(d) < 1 || a.shape(d) > pvt::kMaxSide)
      throw pvt::InputError(name + " is " + std::to_string(a.shape(1)) + "x" + std::to_string(a.shape(0)) +
                            "; planes are 1 to " + std::to_string(pvt::kMaxSide) + " samples a side");
  if (a.strides(1) != a.itemsize())
    throw pvt::InputError(name + " columns must be contiguous (column stride " +
                          std::to_string(a.strides(1)) + " bytes); pass numpy.ascontiguousarray(frame)");
  pvt::Plane p;
  p.data = static_cast<const std::uint8_t*>(a.data());
  p.stride = a.strides(0);
  p.height = static_cast<int>(a.shape(0));
  p.width = static_cast<int>(a.shape(1));
  p.bpc = bpc;
  return p;
}

// A frame as a 2-D luma array, or a (luma, cb, cr) sequence of 2-D arrays.
pvt::Picture as_picture(const py::object& obj, int bpc, const char* which) {
  pvt::Picture pic;
  if (py::isinstance<py::array>(obj)) {
    pic.planes[0] = as_plane(obj.cast<py::array>(), bpc, std::string(which) + " frame");
    return pic;
  }
  const auto seq = obj.cast<py::sequence>();
  if (seq.size() != 1 && seq.size() != 3)
    throw pvt::InputError(std::string(which) + " frame must be a luma array or (luma, cb, cr)");
  pic.count = static_cast<int>(seq.size());
  static constexpr const char* kPlane[3] = {" luma", " Cb", " Cr"};
  for (int i = 0; i < pic.count; ++i)
    pic.planes[i] = as_plane(seq[static_cast<std::size_t>(i)].cast<py::array>(), bpc,
                             std::string(which) + kPlane[i] + " plane");
  return pic;
}

// One side of a frame for push_frame(): None (an encode not pushed), a
// (RawReader, frame index) tuple, or a picture as as_picture() reads it.
struct SourceArg {
  pvt::Pipeline::Source source;
  pvt::Picture picture;
};

void as_source(const py::object& obj, int bpc, const char* which, SourceArg& out) {
  if (obj.is_none()) return;
  if (py::isinstance<py::tuple>(obj)) {
    const auto t = obj.cast<py::tuple>();
    if (t.size() == 2 && py::isinstance<pvt::RawReader>(t[0])) {
      out.source.reader = &t[0].cast<const pvt::RawReader&>();
      out.source.frame = t[1].cast<std::uint64_t>();
      return;
    }
  }
  out.picture = as_picture(obj, bpc, which);
  out.source.picture = &out.picture;
}

}  // namespace

void bind_pipeline(py::module_& m) {
  py::class_<pvt::Pipeline>(m, "Pipeline")
      .def(py::init([](const std::vector<py::tuple>& specs, unsigned threads, unsigned encodes) {
             std::vector<pvt::ExtractorSpec> s;
             for (const auto& t : specs) {
               if (t.size() < 2 || t.size() > 3)
                 throw pvt::InputError("an extractor spec is (name, options) or (name, options, only)");
               pvt::ExtractorSpec spec{t[0].cast<std::string>(), t[1].cast<pvt::OptionMap>()};
               if (t.size() == 3) spec.only = t[2].cast<std::vector<std::string>>();
               s.push_back(std::move(spec));
             }
             return std::make_unique<pvt::Pipeline>(std::move(s), threads, encodes);
           }),
           py::arg("specs"), py::arg("threads"), py::arg("encodes") = 1,
           "encodes > 1: ladder mode, one reference against that many distorted inputs (push_frame()).")
      .def_property_readonly("encodes", &pvt::Pipeline::encodes)
      .def_property_readonly("columns", &pvt::Pipeline::columns)
      .def_property_readonly("aggregate_columns", &pvt::Pipeline::aggregate_columns,
                             "Clip-level outputs (libvmaf's aggregate_metrics), known after close().")
      .def("aggregates", &pvt::Pipeline::aggregates, py::arg("encode") = 0,
           "The values of aggregate_columns for `encode`, after close().")
      .def_property_readonly("threads", &pvt::Pipeline::threads,
                             "Workers in use: the request clamped to the cores and (from the first push) the memory "
                             "budget.")
      .def_property("memory_budget", &pvt::Pipeline::memory_budget, &pvt::Pipeline::set_memory_budget,
                    "Working-memory budget in bytes that bounds the worker count; set before the first push.")
      .def_property_readonly("working_bytes", &pvt::Pipeline::working_bytes,
                             "The working memory estimated for the workers in use (0 before the first push).")
      .def_property_readonly("needs_chroma", &pvt::Pipeline::needs_chroma)
      .def(
          "push",
          [](pvt::Pipeline& p, const py::object& ref, const py::object& dist, int bpc) {
            // The arrays stay referenced by the caller until push() returns.
            const pvt::Picture r = as_picture(ref, bpc, "reference");
            const pvt::Picture d = as_picture(dist, bpc, "distorted");
            py::gil_scoped_release release;
            p.push(r, d);
          },
          py::arg("ref"), py::arg("dist"), py::arg("bpc"))
      .def(
          "push_read",
          [](pvt::Pipeline& p, const pvt::RawReader& ref, std::uint64_t ref_frame, const pvt::RawReader& dist,
             std::uint64_t dist_frame) {
            py::gil_scoped_release release;
            p.push_read(ref, ref_frame, dist, dist_frame);
          },
          py::arg("ref"), py::arg("ref_frame"), py::arg("dist"), py::arg("dist_frame"),
          "Schedules frame ref_frame of `ref` and dist_frame of `dist`, viewed in place where the files map, else read in.")
      .def(
          "push_frame",
          [](pvt::Pipeline& p, const py::object& ref, const py::list& dists, int bpc) {
            // The arrays and readers stay referenced by the caller until push_frame() returns.
            SourceArg r;
            as_source(ref, bpc, "reference", r);
            std::vector<SourceArg> d(dists.size());
            for (std::size_t k = 0; k < d.size(); ++k) as_source(dists[k], bpc, "distorted", d[k]);
            std::vector<pvt::Pipeline::Source> sources;
            for (const auto& a : d) sources.push_back(a.source);
            py::gil_scoped_release release;
            p.push_frame(r.source, sources);
          },
          py::arg("ref"), py::arg("dists"), py::arg("bpc"),
          "One frame of the reference and of each encode: each side a picture (as push() takes it), a "
          "(RawReader, frame) tuple, or None for an encode that failed or was dropped.")
      .def("drop", &pvt::Pipeline::drop, py::arg("encode"), "Ladder mode: stop scoring `encode`.")
      .def("failed", &pvt::Pipeline::failed, py::arg("encode"),
           "Ladder mode: whether `encode` failed or was dropped.")
      .def(
          "raise_error",
          [](const pvt::Pipeline& p, unsigned encode) {
            if (auto e = p.error_of(encode)) std::rethrow_exception(e);
          },
          py::arg("encode"), "Raises the error `encode` failed with in the core, if any.")
      .def("failed_frame", &pvt::Pipeline::failed_frame, py::arg("encode"))
      .def_property_readonly("live_encodes", &pvt::Pipeline::live_encodes)
      .def(
          "close",
          [](pvt::Pipeline& p) {
            py::gil_scoped_release release;
            p.close();
          })
      .def(
          "set_model",
          [](pvt::Pipeline& p, std::shared_ptr<pvt::Model> model, const std::string& mode, unsigned batch) {
            if (mode != "stream" && mode != "batch") throw pvt::InputError("dnn_mode must be 'stream' or 'batch'");
            p.set_model(std::move(model), mode == "stream" ? pvt::Pipeline::ModelMode::stream
                                                           : pvt::Pipeline::ModelMode::batch, batch);
          },
          py::arg("model"), py::arg("mode") = "stream", py::arg("batch") = 1024)
      .def_property_readonly("scored_count", [](const pvt::Pipeline& p) { return p.scored_count(0); })
      .def("scored_count_of", &pvt::Pipeline::scored_count, py::arg("encode"))
      .def_property("subsample", &pvt::Pipeline::subsample, &pvt::Pipeline::set_subsample)
      .def(
          "scores",
          [](const pvt::Pipeline& p, unsigned start, unsigned stop, unsigned encode) {
            const auto v = p.scores(start, stop, encode);
            return py::array_t<double>(static_cast<py::ssize_t>(v.size()), v.data());
          },
          py::arg("start"), py::arg("stop"), py::arg("encode") = 0)
      .def(
          "pooled_scores",
          [](const pvt::Pipeline& p, unsigned encode) {
            const auto v = p.scores(0, p.scored_count(encode), encode);
            return pooled_dict(pvt::pool(v.data(), v.size()));
          },
          py::arg("encode") = 0, "pool() of every model score so far, without building an array.")
      .def(
          "pooled_interval",
          [](const pvt::Pipeline& p, unsigned encode) -> py::object {
            const std::size_t n = p.scored_count(encode);  // checks `encode`
            const auto* onnx = dynamic_cast<const pvt::OnnxModel*>(p.model().get());
            if (!onnx || !onnx->has_interval()) return py::none();
            const auto x = p.model_rows(encode);
            std::vector<double> lo(n), hi(n);
            {
              py::gil_scoped_release release;
              onnx->predict_interval(x.data(), n, lo.data(), hi.data());
            }
            return py::make_tuple(pooled_dict(pvt::pool(lo.data(), n)), pooled_dict(pvt::pool(hi.data(), n)));
          },
          py::arg("encode") = 0,
          "pool() of the lower and of the upper bounds of the model's interval over every frame it scored "
          "(frame_interval()'s values, without building an array); None for a model without one.")
      .def_property_readonly("pushed", &pvt::Pipeline::pushed)
      .def_property_readonly("final_count", &pvt::Pipeline::final_count)
      .def(
          "rows",
          [](const pvt::Pipeline& p, unsigned start, unsigned stop, unsigned encode) {
            const std::size_t cols = p.columns().size();
            if (start > stop || stop > p.final_count()) throw pvt::Error("rows(): range is not final");
            py::array_t<double> out({static_cast<py::ssize_t>(stop - start), static_cast<py::ssize_t>(cols)});
            auto* dst = out.mutable_data();
            for (unsigned i = start; i < stop; ++i) p.final_row(i, dst + (i - start) * cols, encode);
            return out;
          },
          py::arg("start"), py::arg("stop"), py::arg("encode") = 0,
          "Final values of frames [start, stop) of `encode` as a (frames, columns) array.");

  m.def("extractor_catalog", [] {
    py::list out;
    for (const auto& e : pvt::extractor_catalog())
      out.append(py::make_tuple(e.name, e.features, e.feature_options, e.writing_options, e.name_options));
    return out;
  });
  m.def("active_isa", [] { return std::string(pvt::isa_name(pvt::active_isa())); },
        "The SIMD kernel set in use (PYVMAF_TINY_ISA may force a lower one).");
  m.def("detected_isa", [] { return std::string(pvt::isa_name(pvt::detected_isa())); });
  m.def("extractor_for_feature", &pvt::extractor_for_feature, py::arg("feature"));
  m.def(
      "specs_for_features",
      [](const std::vector<std::string>& features) {
        py::list out;
        for (const auto& s : pvt::specs_for_features(features)) out.append(py::make_tuple(s.name, s.options, s.only));
        return out;
      },
      py::arg("features"), "The (extractor, options, outputs) specs that compute these feature names.");
  m.def("libvmaf_log_stage", &pvt::libvmaf_log_stage, py::arg("column"),
        "0, 1 or 2: when libvmaf first stores this output (see output.py's ordering rule).");
  m.def(
      "extractor_provides",
      [](const std::string& name, const pvt::OptionMap& options) { return pvt::make_extractor(name, options)->provides(); },
      py::arg("name"), py::arg("options"), "The column names an extractor writes under these options.");
  m.def("pool_stats", [] {
    const auto s = pvt::pool_stats();
    py::dict out;
    out["kept_bytes"] = s.kept_bytes;
    out["kept_blocks"] = s.kept_blocks;
    out["live_bytes"] = s.live_bytes;
    out["reused_blocks"] = s.reused_blocks;
    out["resident_bytes"] = s.resident_bytes;
    return out;
  });
  m.def("pool_release", [] {
    py::gil_scoped_release unlocked;
    return pvt::pool_release();
  });
}

}  // namespace pvt_bind
