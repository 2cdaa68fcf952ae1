#include "pyvmaf_tiny/model_file.hpp"

#include "../dnn/onnx_check.hpp"
#include "../platform/file.hpp"
#include "pyvmaf_tiny/errors.hpp"

namespace pvt {

std::shared_ptr<const ModelDocument> ModelDocument::parse(std::string_view bytes, const std::string& origin,
                                                          const std::string& directory) {
  std::shared_ptr<ModelDocument> doc(new ModelDocument());
  doc->origin_ = origin;
  try {
    doc->json_ = json::parse(bytes);
  } catch (const json::ParseError& e) {
    throw ModelError("model " + origin + ": " + e.what());
  }
  const json::Value root = doc->json_.root();
  if (root.find("schema").present()) {
    doc->kind_ = Kind::sidecar;
    doc->sidecar_ = sidecar_from_document(root, origin);
    std::string path = directory;
    if (!path.empty() && path.back() != '/') path += '/';
    doc->references_.push_back(path + doc->sidecar_.onnx);
  } else if (root.find("model_dict").present()) {
    doc->kind_ = Kind::libvmaf;
  } else if (root.is_object() && root.find("0").is_object() && root.find("0").find("model_dict").present()) {
    doc->kind_ = Kind::collection;
  } else {
    throw ModelError("model " + origin +
                     ": neither a libvmaf JSON model (no \"model_dict\"), a libvmaf model collection (no member "
                     "\"0\") nor a pyvmaf-tiny sidecar (no \"schema\")");
  }
  return doc;
}

SvmModel ModelDocument::svm_model(ModelFlags flags) const {
  if (kind_ == Kind::sidecar) throw ModelError("model " + origin_ + ": is a pyvmaf-tiny sidecar, not a libvmaf model");
  if (kind_ == Kind::collection)
    throw ModelError("model " + origin_ + ": is a libvmaf model collection, not a single libvmaf model");
  return SvmModel::from_document(json_.root(), origin_, flags);
}

BootstrapModel ModelDocument::bootstrap_model(ModelFlags flags) const {
  if (kind_ != Kind::collection) throw ModelError("model " + origin_ + ": is not a libvmaf model collection");
  return BootstrapModel::from_document(json_.root(), origin_, flags);
}

std::shared_ptr<OnnxModel> ModelDocument::onnx_model(std::string_view onnx_bytes, const std::string& onnx_origin,
                                                     const DnnOptions& options) const {
  if (kind_ != Kind::sidecar) throw ModelError("model " + origin_ + ": is a libvmaf model, not a pyvmaf-tiny sidecar");
  return OnnxModel::from_sidecar(sidecar_, onnx_bytes, onnx_origin, options);
}

std::shared_ptr<Model> load_model_file(const std::string& path, const DnnOptions& options, ModelFlags flags) {
  using platform::FileError;
  // As in Python: a model file that is missing or not a regular file is bad
  // input; one that is there but too large or broken is a model error.
  { platform::RegularFile probe(path, "model", FileError::input); }
  const std::string text = platform::read_regular_file(path, "model", kMaxModelJsonBytes, FileError::model);
  const auto slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  const auto doc = ModelDocument::parse(text, path, dir);
  if (doc->kind() == ModelDocument::Kind::libvmaf) return std::make_shared<SvmModel>(doc->svm_model(flags));
  if (doc->kind() == ModelDocument::Kind::collection)
    return std::make_shared<BootstrapModel>(doc->bootstrap_model(flags));
  if (text.size() > kMaxSidecarBytes)
    throw ModelError("sidecar " + path + ": larger than the " + std::to_string(kMaxSidecarBytes >> 20) + " MiB cap");
  const std::string& onnx_path = doc->references().at(0);
  const std::string onnx = platform::read_regular_file(onnx_path, "model", dnn::kMaxModelBytes, FileError::model);
  return doc->onnx_model(onnx, onnx_path, options);
}

}  // namespace pvt
