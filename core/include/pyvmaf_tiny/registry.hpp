#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pyvmaf_tiny/extractor.hpp"

namespace pvt {

// The one place that knows every extractor.
struct ExtractorInfo {
  std::string name;
  // Base feature names it can provide (without option suffixes), in the order
  // its provides() lists them.
  std::vector<std::string> features;
  // Options a feature needs to be written at all (libvmaf's debug-only outputs).
  std::map<std::string, OptionMap> feature_options = {};
};

const std::vector<ExtractorInfo>& extractor_catalog();

// Creates an extractor by registry name; throws InputError for an unknown
// name or option.
std::unique_ptr<Extractor> make_extractor(const std::string& name, const OptionMap& options);

// Extractor specs that compute every feature in `features` (base names such
// as "integer_adm2"), one per extractor; throws InputError for an unknown name.
struct ExtractorSpec;
std::vector<ExtractorSpec> specs_for_features(const std::vector<std::string>& features);

// The registry name of the extractor that provides `feature` (an alias such as
// "integer_adm2", optionally with an option suffix), or "" if none does.
std::string extractor_for_feature(const std::string& feature);

}  // namespace pvt
