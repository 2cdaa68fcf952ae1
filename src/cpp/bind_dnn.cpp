// Bindings of the tiny models' per-frame interval (dnn.hpp).
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <memory>

#include "bindings.hpp"
#include "pyvmaf_tiny/dnn.hpp"
#include "pyvmaf_tiny/errors.hpp"

namespace py = pybind11;

namespace pvt_bind {

void bind_dnn(py::module_& m) {
  m.def(
      "frame_interval",
      [](const std::shared_ptr<pvt::Model>& model,
         const py::array_t<double, py::array::c_style | py::array::forcecast>& x) -> py::object {
        const auto* onnx = dynamic_cast<const pvt::OnnxModel*>(model.get());
        if (!onnx || !onnx->has_interval()) return py::none();
        const std::size_t f = onnx->columns().size();
        if (x.ndim() != 2 || static_cast<std::size_t>(x.shape(1)) != f)
          throw pvt::InputError("frame_interval() needs a (frames, " + std::to_string(f) + ") array");
        const auto n = static_cast<std::size_t>(x.shape(0));
        py::array_t<double> out({static_cast<py::ssize_t>(n), py::ssize_t{2}});
        std::vector<double> lo(n), hi(n);
        {
          py::gil_scoped_release release;
          onnx->predict_interval(x.data(), n, lo.data(), hi.data());
        }
        auto o = out.mutable_unchecked<2>();
        for (std::size_t i = 0; i < n; ++i) {
          o(static_cast<py::ssize_t>(i), 0) = lo[i];
          o(static_cast<py::ssize_t>(i), 1) = hi[i];
        }
        return std::move(out);
      },
      py::arg("model"), py::arg("features"),
      "Per-frame (lo, hi) of a tiny model's interval for a (frames, len(columns)) feature matrix, clipped to its "
      "output range; None for a model without one.");
}

}  // namespace pvt_bind
