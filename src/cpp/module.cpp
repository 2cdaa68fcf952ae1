// pybind11 bindings: conversions and GIL handling only.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "pyvmaf_tiny/errors.hpp"

namespace py = pybind11;

namespace {

// C++ errors surface as the exception classes of pyvmaf_tiny.errors.
void translate(std::exception_ptr p) {
  auto raise = [](const char* cls, const std::exception& e) {
    py::object type = py::module_::import("pyvmaf_tiny.errors").attr(cls);
    // Messages may quote bytes from a broken file: never fail on decoding them.
    const std::string what = e.what();
    PyObject* text = PyUnicode_DecodeUTF8(what.data(), static_cast<Py_ssize_t>(what.size()), "replace");
    PyErr_SetObject(type.ptr(), text);
    Py_XDECREF(text);
  };
  try {
    if (p) std::rethrow_exception(p);
  } catch (const pvt::InputError& e) {
    raise("InputError", e);
  } catch (const pvt::ModelError& e) {
    raise("ModelError", e);
  } catch (const pvt::BackendUnavailable& e) {
    raise("BackendUnavailable", e);
  } catch (const pvt::Error& e) {
    raise("PyvmafTinyError", e);
  }
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "pyvmaf-tiny native core";
  py::register_exception_translator(translate);
  // Classes before the functions that take them, so that signatures (and the generated stubs) name them.
  pvt_bind::bind_io(m);
  pvt_bind::bind_model(m);
  pvt_bind::bind_pipeline(m);
  pvt_bind::bind_dnn(m);
}
