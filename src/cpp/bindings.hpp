#pragma once
#include <pybind11/pybind11.h>

namespace pvt_bind {

void bind_pipeline(pybind11::module_& m);
void bind_model(pybind11::module_& m);
void bind_io(pybind11::module_& m);

}  // namespace pvt_bind
