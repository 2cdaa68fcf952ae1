#pragma once
// A model file as the one JSON reader sees it: a libvmaf model or a tiny
// model's sidecar, parsed once, with the further files it would open listed
// before anything opens them (the caller's path policy checks those exact
// paths, reads them, and only then builds the model from memory).
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pyvmaf_tiny/dnn.hpp"
#include "pyvmaf_tiny/json.hpp"
#include "pyvmaf_tiny/model.hpp"

namespace pvt {

class ModelDocument {
 public:
  enum class Kind { libvmaf, collection, sidecar };

  // Parses the whole file `bytes`; throws ModelError naming `origin`.
  // `directory` is the file's directory: references are resolved against it.
  static std::shared_ptr<const ModelDocument> parse(std::string_view bytes, const std::string& origin,
                                                    const std::string& directory);
  ModelDocument(const ModelDocument&) = delete;
  ModelDocument& operator=(const ModelDocument&) = delete;

  Kind kind() const { return kind_; }
  const std::string& origin() const { return origin_; }
  json::Value root() const { return json_.root(); }
  // Only for a sidecar.
  const Sidecar& sidecar() const { return sidecar_; }
  // The files it would open, in order: for a sidecar, its .onnx.
  const std::vector<std::string>& references() const { return references_; }

  SvmModel svm_model(ModelFlags flags) const;
  // Only for a libvmaf bootstrap collection (members "0", "1", ...).
  BootstrapModel bootstrap_model(ModelFlags flags) const;
  // `onnx_bytes` are the contents of references()[0]; `onnx_origin` names it.
  std::shared_ptr<OnnxModel> onnx_model(std::string_view onnx_bytes, const std::string& onnx_origin,
                                        const DnnOptions& options) const;

 private:
  ModelDocument() = default;
  Kind kind_ = Kind::libvmaf;
  std::string origin_;
  json::Document json_;
  Sidecar sidecar_;
  std::vector<std::string> references_;
};

// Loads a model file from disk for the native tool: the document and the
// file it references, each a regular file read within its byte cap.
std::shared_ptr<Model> load_model_file(const std::string& path, const DnnOptions& options, ModelFlags flags = {});

}  // namespace pvt
