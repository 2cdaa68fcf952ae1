#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "../../core/src/dnn/onnx_check.hpp"
#include "pyvmaf_tiny/dnn.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/json.hpp"
#include "pyvmaf_tiny/model.hpp"
#include "pyvmaf_tiny/model_file.hpp"

namespace py = pybind11;

namespace pvt_bind {
namespace {

using Rows = py::array_t<double, py::array::c_style | py::array::forcecast>;

// Scores a (frames, columns) matrix: predict()'s one value a frame, or with
// `every_output` predict_outputs()'s (frames, outputs).
py::array_t<double> predict_rows(const pvt::Model& m, const Rows& x, bool every_output) {
  const std::size_t f = m.columns().size();
  const char* what = every_output ? "predict_outputs()" : "predict()";
  if (x.ndim() != 2 || static_cast<std::size_t>(x.shape(1)) != f)
    throw pvt::InputError(std::string(what) + " needs a (frames, " + std::to_string(f) + ") array");
  const auto n = static_cast<py::ssize_t>(x.shape(0));
  const auto k = static_cast<py::ssize_t>(every_output ? m.output_suffixes().size() : 1);
  py::array_t<double> out = every_output ? py::array_t<double>({n, k}) : py::array_t<double>(n);
  double* dst = out.mutable_data();
  const double* src = x.data();
  {
    py::gil_scoped_release release;
    if (every_output) m.predict_outputs(src, static_cast<std::size_t>(n), dst);
    else m.predict(src, static_cast<std::size_t>(n), dst);
  }
  return out;
}

// The bytes of a bytes-like or str argument (str as UTF-8).
std::string_view text_of(const py::object& o, std::string& keep) {
  if (py::isinstance<py::bytes>(o)) return std::string_view(o.cast<py::bytes>());
  if (py::isinstance<py::str>(o)) {
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(o.ptr(), &size);
    if (!data) {
      PyErr_Clear();
      throw pvt::InputError("text that cannot be encoded as UTF-8");
    }
    keep.assign(data, static_cast<std::size_t>(size));
    return keep;
  }
  throw pvt::InputError("expected bytes or str, got " + std::string(py::str(o.get_type().attr("__name__"))));
}

// A parsed JSON value as Python objects (dict, list, str, int, float, bool, None).
py::object to_python(const pvt::json::Value& v) {
  using pvt::json::Type;
  switch (v.type()) {
    case Type::null: return py::none();
    case Type::boolean: return py::bool_(v.as_bool(""));
    case Type::number:
      if (v.is_integer()) return py::int_(v.as_integer(""));
      return py::float_(v.as_number(""));
    case Type::string: {
      const std::string_view s = v.as_string("");
      return py::str(s.data(), s.size());
    }
    case Type::array: {
      py::list out;
      for (const pvt::json::Value e : v.as_array("")) out.append(to_python(e));
      return std::move(out);
    }
    case Type::object: {
      py::dict out;
      for (const auto& [k, e] : v.as_object("")) out[py::str(k.data(), k.size())] = to_python(e);
      return std::move(out);
    }
  }
  return py::none();
}

py::list specs_of(const pvt::Model& m) {
  py::list out;
  for (const auto& spec : m.extractor_specs()) out.append(py::make_tuple(spec.name, spec.options, spec.only));
  return out;
}

}  // namespace

py::dict pooled_dict(const pvt::Pooled& p) {
  py::dict d;
  d["min"] = p.min;
  d["max"] = p.max;
  d["mean"] = p.mean;
  d["harmonic_mean"] = p.harmonic_mean;
  return d;
}

void bind_model(py::module_& m) {
  py::class_<pvt::Model, std::shared_ptr<pvt::Model>>(m, "Model")
      .def_property_readonly("columns", &pvt::Model::columns)
      .def_property_readonly("backend", &pvt::Model::backend)
      .def("extractor_specs", &specs_of)
      .def("predict", [](const pvt::Model& m, const Rows& x) { return predict_rows(m, x, false); },
           py::arg("features"), "Scores of a (frames, len(columns)) feature matrix.")
      .def_property_readonly("output_suffixes", &pvt::Model::output_suffixes)
      .def("predict_outputs", [](const pvt::Model& m, const Rows& x) { return predict_rows(m, x, true); },
           py::arg("features"),
           "Every output (frames, len(output_suffixes)) of a (frames, len(columns)) feature matrix.");

  py::class_<pvt::BootstrapModel, pvt::Model, std::shared_ptr<pvt::BootstrapModel>>(m, "BootstrapModel")
      .def_property_readonly("members", &pvt::BootstrapModel::members);

  py::class_<pvt::SvmModel, pvt::Model, std::shared_ptr<pvt::SvmModel>>(m, "SvmModel")
      .def_static(
          "from_json",
          [](const py::object& text, const std::string& origin, bool disable_clip, bool enable_transform) {
            std::string keep;
            const std::string_view data = text_of(text, keep);
            py::gil_scoped_release release;
            return std::make_shared<pvt::SvmModel>(
                pvt::SvmModel::from_json(data, origin, pvt::ModelFlags{disable_clip, enable_transform}));
          },
          py::arg("text"), py::arg("origin"), py::arg("disable_clip") = false, py::arg("enable_transform") = false,
          "A libvmaf JSON model from its bytes (or text).");

  py::class_<pvt::OnnxModel, pvt::Model, std::shared_ptr<pvt::OnnxModel>>(m, "OnnxModel")
      .def_static(
          "load",
          [](const std::string& sidecar_path, const std::string& device) {
            py::gil_scoped_release release;
            return pvt::OnnxModel::load(sidecar_path, pvt::DnnOptions{device});
          },
          py::arg("sidecar_path"), py::arg("device") = "auto")
      .def_property_readonly("interval_halfwidth",
                             [](const pvt::OnnxModel& o) { return o.sidecar().interval_halfwidth; })
      .def_property_readonly("has_interval", &pvt::OnnxModel::has_interval)
      .def_property_readonly("interval_alpha", [](const pvt::OnnxModel& o) { return o.sidecar().interval_alpha; })
      .def_property_readonly("output_range", [](const pvt::OnnxModel& o) {
        return py::make_tuple(o.sidecar().range_lo, o.sidecar().range_hi);
      });

  py::class_<pvt::ModelDocument, std::shared_ptr<pvt::ModelDocument>>(
      m, "ModelDocument",
      "A model file parsed once by the native JSON reader: what it is and which further files it would open.")
      .def(py::init([](const py::bytes& data, const std::string& origin, const py::bytes& directory) {
             const std::string_view view(data);
             const std::string dir(directory);
             std::shared_ptr<const pvt::ModelDocument> doc;
             {
               py::gil_scoped_release release;
               doc = pvt::ModelDocument::parse(view, origin, dir);
             }
             return std::const_pointer_cast<pvt::ModelDocument>(doc);
           }),
           py::arg("data"), py::arg("origin"), py::arg("directory"))
      .def_property_readonly("kind",
                             [](const pvt::ModelDocument& d) {
                               switch (d.kind()) {
                                 case pvt::ModelDocument::Kind::sidecar: return "fr_features";
                                 case pvt::ModelDocument::Kind::collection: return "bootstrap";
                                 default: return "svm";
                               }
                             })
      .def_property_readonly("name",
                             [](const pvt::ModelDocument& d) -> py::object {
                               if (d.kind() != pvt::ModelDocument::Kind::sidecar) return py::none();
                               return py::str(d.sidecar().name);
                             })
      .def_property_readonly("references",
                             [](const pvt::ModelDocument& d) {
                               py::list out;
                               for (const auto& r : d.references()) out.append(py::bytes(r));
                               return out;
                             })
      .def("tree", [](const pvt::ModelDocument& d) { return to_python(d.root()); },
           "The document as Python objects.")
      .def(
          "svm_model",
          [](const pvt::ModelDocument& d, bool disable_clip, bool enable_transform) {
            py::gil_scoped_release release;
            return std::make_shared<pvt::SvmModel>(d.svm_model(pvt::ModelFlags{disable_clip, enable_transform}));
          },
          py::arg("disable_clip") = false, py::arg("enable_transform") = false)
      .def(
          "bootstrap_model",
          [](const pvt::ModelDocument& d, bool disable_clip, bool enable_transform) {
            py::gil_scoped_release release;
            return std::make_shared<pvt::BootstrapModel>(
                d.bootstrap_model(pvt::ModelFlags{disable_clip, enable_transform}));
          },
          py::arg("disable_clip") = false, py::arg("enable_transform") = false)
      .def(
          "onnx_model",
          [](const pvt::ModelDocument& d, const py::bytes& onnx, const std::string& origin, const std::string& device) {
            const std::string_view view(onnx);
            py::gil_scoped_release release;
            return d.onnx_model(view, origin, pvt::DnnOptions{device});
          },
          py::arg("onnx"), py::arg("origin"), py::arg("device") = "auto",
          "The tiny model, from the bytes of references[0].");

  m.def(
      "parse_sidecar",
      [](const py::object& text, const std::string& origin) {
        std::string keep;
        const pvt::Sidecar s = pvt::parse_sidecar(text_of(text, keep), origin);
        return s.name;
      },
      py::arg("text"), py::arg("origin"));
  m.def(
      "parse_json",
      [](const py::object& text, std::size_t max_values, unsigned max_depth) {
        std::string keep;
        const std::string_view data = text_of(text, keep);
        pvt::json::Document doc;
        try {
          doc = pvt::json::parse(data, pvt::json::Limits{max_values, max_depth});
        } catch (const pvt::json::ParseError& e) {
          throw pvt::ModelError(std::string("json: ") + e.what());
        }
        return to_python(doc.root());
      },
      py::arg("text"), py::arg("max_values") = pvt::json::Limits{}.max_values,
      py::arg("max_depth") = pvt::json::Limits{}.max_depth,
      "The native JSON reader on its own (for tests): Python objects, or ModelError.");
  m.def(
      "check_onnx",
      [](const py::bytes& data, const std::string& origin) {
        const pvt::dnn::OnnxSummary s = pvt::dnn::check_onnx(std::string_view(data), origin);
        py::dict d;
        d["opset"] = s.opset;
        d["ops"] = s.op_types;
        d["row_outputs"] = std::vector<std::string>(s.row_outputs.begin(), s.row_outputs.end());
        d["max_tensor_bytes"] = s.max_tensor_bytes;
        d["max_total_bytes"] = s.max_total_bytes;
        return d;
      },
      py::arg("data"), py::arg("origin") = "<bytes>", "The static checks run before an ONNX model gets a session.");
  m.def(
      "onnx_shapes",
      [](const py::bytes& data, std::int64_t batch) {
        const pvt::dnn::ParsedModel parsed = pvt::dnn::parse_onnx(std::string_view(data), "<bytes>");
        py::dict out;
        for (const auto& [name, t] : pvt::dnn::tensor_shapes(parsed.graph, parsed.summary.opset, "<bytes>", batch))
          out[py::str(name)] = py::make_tuple(t.first, t.second);
        return out;
      },
      py::arg("data"), py::arg("batch"), "Every tensor's inferred (element type, shape) at one batch size.");
  m.def(
      "onnx_narrow_float64",
      [](const py::bytes& data) -> py::object {
        const auto out = pvt::dnn::narrow_float64(std::string_view(data), "<bytes>");
        if (!out) return py::none();
        return py::bytes(*out);
      },
      py::arg("data"), "The float32 twin the OpenVINO provider is given of a graph widened to float64 by Casts.");
  m.def("ort_set_library_hint", &pvt::ort_set_library_hint, py::arg("path"));
  m.def(
      "ort_preload",
      [] {
        // Python's exit handlers run before the C library's, among them ONNX
        // Runtime's own: the load must be over by then.
        static const bool hooked = [] {
          py::module_::import("atexit").attr("register")(py::cpp_function([] {
            py::gil_scoped_release release;
            pvt::ort_preload_wait();
          }));
          return true;
        }();
        (void)hooked;
        pvt::ort_preload();
      },
      "Start loading ONNX Runtime on a native thread (once); the first model load waits for it or reports its "
      "failure, and so do a fork and the interpreter's exit.");
  m.def("ort_set_log_level", &pvt::ort_set_log_level, py::arg("level"),
        "Which of ONNX Runtime's log lines reach stderr: off, error, warning, info or verbose.");
  m.def("ort_log_level", &pvt::ort_log_level);
  m.def("ort_graph_optimization", [] { return std::string(pvt::dnn::kGraphOptimizationName); },
        "The graph optimisation level of every ONNX Runtime session the core makes.");
  m.def("onnx_budgets", [] {
    py::dict d;
    d["max_batch"] = pvt::dnn::kMaxBatch;
    d["batch_sizes"] = pvt::dnn::batch_sizes();
    d["max_tensor_bytes"] = pvt::dnn::kMaxTensorBytes;
    d["max_total_bytes"] = pvt::dnn::kMaxTotalBytes;
    d["max_nodes"] = pvt::dnn::kMaxNodes;
    d["max_model_bytes"] = pvt::dnn::kMaxModelBytes;
    return d;
  });
  m.def("ort_info", [] {
    const pvt::OrtInfo info = pvt::ort_info();
    py::dict d;
    d["version"] = info.version;
    d["library"] = info.library;
    d["providers"] = info.providers;
    return d;
  });
  m.def("ort_slot_use", [] {
    py::list out;
    for (const auto& s : pvt::ort_slot_use()) out.append(py::make_tuple(s.name, s.index, s.since, s.exercised));
    return out;
  });

  m.def(
      "pool",
      [](const py::array_t<double, py::array::c_style | py::array::forcecast>& v) {
        if (v.ndim() != 1) throw pvt::InputError("pool() needs a 1-D array");
        return pooled_dict(pvt::pool(v.data(), static_cast<std::size_t>(v.shape(0))));
      },
      py::arg("values"), "libvmaf's min, max, mean and harmonic_mean of per-frame values.");
}

}  // namespace pvt_bind
