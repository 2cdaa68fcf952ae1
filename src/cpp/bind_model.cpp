#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "../../core/src/dnn/onnx_check.hpp"
#include "pyvmaf_tiny/dnn.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/model.hpp"

namespace py = pybind11;

namespace pvt_bind {
namespace {

py::array_t<double> predict(const pvt::Model& m,
                            const py::array_t<double, py::array::c_style | py::array::forcecast>& x) {
  const std::size_t f = m.columns().size();
  if (x.ndim() != 2 || static_cast<std::size_t>(x.shape(1)) != f)
    throw pvt::InputError("predict() needs a (frames, " + std::to_string(f) + ") array");
  const auto n = static_cast<std::size_t>(x.shape(0));
  py::array_t<double> out(static_cast<py::ssize_t>(n));
  double* dst = out.mutable_data();
  const double* src = x.data();
  {
    py::gil_scoped_release release;
    m.predict(src, n, dst);
  }
  return out;
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
      .def("predict", &predict, py::arg("features"), "Scores of a (frames, len(columns)) feature matrix.");

  py::class_<pvt::SvmModel, pvt::Model, std::shared_ptr<pvt::SvmModel>>(m, "SvmModel")
      .def_static(
          "from_json",
          [](const std::string& text, const std::string& origin, bool disable_clip, bool enable_transform) {
            return std::make_shared<pvt::SvmModel>(
                pvt::SvmModel::from_json(text, origin, pvt::ModelFlags{disable_clip, enable_transform}));
          },
          py::arg("text"), py::arg("origin"), py::arg("disable_clip") = false, py::arg("enable_transform") = false);

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
      .def_property_readonly("output_range", [](const pvt::OnnxModel& o) {
        return py::make_tuple(o.sidecar().range_lo, o.sidecar().range_hi);
      });

  m.def("parse_sidecar", [](const std::string& text, const std::string& origin) {
    const pvt::Sidecar s = pvt::parse_sidecar(text, origin);
    return s.name;
  });
  m.def(
      "check_onnx",
      [](const py::bytes& data, const std::string& origin) {
        const pvt::dnn::OnnxSummary s = pvt::dnn::check_onnx(std::string_view(data), origin);
        py::dict d;
        d["opset"] = s.opset;
        d["ops"] = s.op_types;
        return d;
      },
      py::arg("data"), py::arg("origin") = "<bytes>", "The static checks run before an ONNX model gets a session.");
  m.def("ort_set_library_hint", &pvt::ort_set_library_hint, py::arg("path"));
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
