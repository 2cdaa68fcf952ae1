#pragma once
#include <pybind11/pybind11.h>

#include "pyvmaf_tiny/model.hpp"

namespace pvt_bind {

void bind_pipeline(pybind11::module_& m);
void bind_model(pybind11::module_& m);
void bind_io(pybind11::module_& m);
void bind_dnn(pybind11::module_& m);

// libvmaf's pooled statistics as {"min", "max", "mean", "harmonic_mean"}.
pybind11::dict pooled_dict(const pvt::Pooled& p);

}  // namespace pvt_bind
