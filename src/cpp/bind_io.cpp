#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "pyvmaf_tiny/pipeline.hpp"
#include "pyvmaf_tiny/raw_reader.hpp"

namespace py = pybind11;

namespace pvt_bind {

void bind_io(py::module_& m) {
  py::class_<pvt::RawReader>(m, "RawReader",
                             "Equal-sized planar frames of a file, read natively into the pipeline's buffers.")
      .def(py::init([](const std::string& path, int width, int height, int bpc, int chroma_width, int chroma_height,
                       std::uint64_t header, const std::string& frame_marker) {
             pvt::RawLayout l;
             l.width = width;
             l.height = height;
             l.bpc = bpc;
             l.chroma_width = chroma_width;
             l.chroma_height = chroma_height;
             l.header = header;
             l.frame_marker = frame_marker;
             return std::make_unique<pvt::RawReader>(path, l);
           }),
           py::arg("path"), py::arg("width"), py::arg("height"), py::arg("bpc"), py::arg("chroma_width") = 0,
           py::arg("chroma_height") = 0, py::arg("header") = 0, py::arg("frame_marker") = "")
      .def_property_readonly("frame_count", &pvt::RawReader::frame_count)
      .def_property_readonly("frame_bytes", &pvt::RawReader::frame_bytes);
}

}  // namespace pvt_bind
