#pragma once
#include <stdexcept>
#include <string>

namespace pvt {

// Mirrors the Python hierarchy: PyvmafTinyError > InputError / ModelError / BackendUnavailable.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class InputError : public Error {
 public:
  using Error::Error;
};

class ModelError : public Error {
 public:
  using Error::Error;
};

class BackendUnavailable : public Error {
 public:
  using Error::Error;
};

}  // namespace pvt
