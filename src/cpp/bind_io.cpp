#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>

#include "bindings.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/pipeline.hpp"
#include "pyvmaf_tiny/raw_reader.hpp"
#include "pyvmaf_tiny/y4m.hpp"

namespace py = pybind11;

namespace pvt_bind {
namespace {

// One plane as a new (height, width) uint8 / uint16 array.
py::array to_array(const pvt::Plane& p) {
  const std::size_t row = static_cast<std::size_t>(p.width) * static_cast<std::size_t>(p.bytes_per_sample());
  py::array out = p.bpc > 8 ? py::array(py::dtype::of<std::uint16_t>(), {p.height, p.width})
                            : py::array(py::dtype::of<std::uint8_t>(), {p.height, p.width});
  auto* dst = static_cast<std::uint8_t*>(out.mutable_data());
  for (int y = 0; y < p.height; ++y) std::memcpy(dst + row * static_cast<std::size_t>(y), p.row<std::uint8_t>(y), row);
  return out;
}

// Frame `index` of `reader`: luma, or (luma, cb, cr), as new arrays.
py::object read_frame(const pvt::RawReader& reader, std::uint64_t index, bool chroma) {
  const pvt::RawLayout& l = reader.layout();
  if (chroma && l.chroma_width == 0) throw pvt::InputError(reader.name() + ": has no chroma planes");
  pvt::Plane planes[3];
  std::unique_ptr<pvt::MappedFrame> mapped;
  pvt::PlaneBuffer buffers[3];
  {
    py::gil_scoped_release unlocked;
    mapped = reader.map(index, chroma);
    if (mapped) {
      planes[0] = mapped->luma();
      if (chroma) planes[1] = mapped->chroma()[0], planes[2] = mapped->chroma()[1];
    } else {
      buffers[0] = pvt::PlaneBuffer(l.width, l.height, l.bpc);
      if (chroma)
        for (int c = 1; c < 3; ++c) buffers[c] = pvt::PlaneBuffer(l.chroma_width, l.chroma_height, l.bpc);
      reader.read(index, buffers[0], chroma ? &buffers[1] : nullptr);
      for (int c = 0; c < (chroma ? 3 : 1); ++c) planes[c] = buffers[c].view();
    }
  }
  py::array luma = to_array(planes[0]);
  py::object out = luma;
  if (chroma) out = py::make_tuple(luma, to_array(planes[1]), to_array(planes[2]));
  if (mapped && mapped->truncated()) throw pvt::InputError(mapped->truncated_message());
  return out;
}

}  // namespace

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
      .def_property_readonly("frame_bytes", &pvt::RawReader::frame_bytes)
      .def("read_frame", &read_frame, py::arg("index"), py::arg("chroma") = false,
           "Frame `index` as a new (height, width) array, or a (luma, cb, cr) tuple of them with chroma=True.");

  py::class_<pvt::Y4mReader, pvt::RawReader>(
      m, "Y4mReader", "A YUV4MPEG2 file: its stream header, and every frame read natively through its index.")
      .def(py::init([](const std::string& path, const std::string& name) {
             py::gil_scoped_release unlocked;  // indexing a long file reads every frame header
             return pvt::Y4mReader::open(path, name);
           }),
           py::arg("path"), py::arg("name") = "")
      .def_property_readonly("width", [](const pvt::Y4mReader& r) { return r.format().width; })
      .def_property_readonly("height", [](const pvt::Y4mReader& r) { return r.format().height; })
      .def_property_readonly("bpc", [](const pvt::Y4mReader& r) { return r.format().bpc; })
      .def_property_readonly("colour", [](const pvt::Y4mReader& r) { return r.format().colour; })
      .def_property_readonly("layout", [](const pvt::Y4mReader& r) { return r.format().layout; })
      .def_property_readonly("interlace", [](const pvt::Y4mReader& r) { return std::string(1, r.format().interlace); })
      .def_property_readonly("frame_rate",
                             [](const pvt::Y4mReader& r) { return py::make_tuple(r.format().fps_num, r.format().fps_den); })
      .def_property_readonly("aspect",
                             [](const pvt::Y4mReader& r) { return py::make_tuple(r.format().sar_num, r.format().sar_den); })
      .def_property_readonly("extensions", [](const pvt::Y4mReader& r) { return r.format().extensions; })
      .def_property_readonly("header_bytes", [](const pvt::Y4mReader& r) { return r.format().header_bytes; })
      .def_property_readonly("plain_frames", &pvt::Y4mReader::plain_frames)
      .def_property_readonly("index_runs", &pvt::Y4mReader::index_runs);
}

}  // namespace pvt_bind
