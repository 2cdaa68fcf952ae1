#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/model.hpp"

namespace py = pybind11;

namespace pvt_bind {

void bind_model(py::module_& m) {
  py::class_<pvt::SvmModel>(m, "SvmModel")
      .def_static(
          "from_json",
          [](const std::string& text, const std::string& origin, bool disable_clip, bool enable_transform) {
            return pvt::SvmModel::from_json(text, origin, pvt::ModelFlags{disable_clip, enable_transform});
          },
          py::arg("text"), py::arg("origin"), py::arg("disable_clip") = false, py::arg("enable_transform") = false)
      .def_property_readonly("columns",
                             [](const pvt::SvmModel& s) {
                               std::vector<std::string> c;
                               for (const auto& f : s.features()) c.push_back(f.column);
                               return c;
                             })
      .def("extractor_specs",
           [](const pvt::SvmModel& s) {
             std::vector<std::pair<std::string, pvt::OptionMap>> out;
             for (const auto& spec : s.extractor_specs()) out.emplace_back(spec.name, spec.options);
             return out;
           })
      .def(
          "predict",
          [](const pvt::SvmModel& s, const py::array_t<double, py::array::c_style | py::array::forcecast>& x) {
            if (x.ndim() != 2 || static_cast<std::size_t>(x.shape(1)) != s.features().size())
              throw pvt::InputError("predict() needs a (frames, " + std::to_string(s.features().size()) +
                                    ") array");
            const auto n = x.shape(0);
            py::array_t<double> out(n);
            auto* dst = out.mutable_data();
            const double* src = x.data();
            const std::size_t f = s.features().size();
            {
              py::gil_scoped_release release;
              for (py::ssize_t i = 0; i < n; ++i) dst[i] = s.predict(src + i * f);
            }
            return out;
          },
          py::arg("features"));

  m.def(
      "pool",
      [](const py::array_t<double, py::array::c_style | py::array::forcecast>& v) {
        if (v.ndim() != 1) throw pvt::InputError("pool() needs a 1-D array");
        const pvt::Pooled p = pvt::pool(v.data(), static_cast<std::size_t>(v.shape(0)));
        py::dict d;
        d["min"] = p.min;
        d["max"] = p.max;
        d["mean"] = p.mean;
        d["harmonic_mean"] = p.harmonic_mean;
        return d;
      },
      py::arg("values"), "libvmaf's min, max, mean and harmonic_mean of per-frame values.");
}

}  // namespace pvt_bind
