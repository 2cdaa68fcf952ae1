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
  // How libvmaf schedules the extractor, which decides where its logs list
  // the outputs (libvmaf_log_stage()): extractors libvmaf flags TEMPORAL run
  // on its reading thread ahead of the worker threads, and `flushed`
  // features are written when the clip ends.
  bool libvmaf_temporal = false;
  std::vector<std::string> flushed = {};
  // Options whose value names a folder the extractor writes files into
  // (cambi's heatmaps_path): a model file may not set them, and the callers
  // that write nothing (the MCP server, batches) refuse them.
  std::vector<std::string> writing_options = {};
  // Option suffixes a model's feature name may carry, and the option each
  // sets: {"sr", "vif_sample_rows"} resolves integer_vif_scale0_sr_16 to vif
  // with vif_sample_rows=16 (specs_for_features).
  std::map<std::string, std::string> name_options = {};
};

const std::vector<ExtractorInfo>& extractor_catalog();

// Creates an extractor by registry name; throws InputError for an unknown
// name or option.
std::unique_ptr<Extractor> make_extractor(const std::string& name, const OptionMap& options);

// Extractor specs that compute every feature in `features` (base names such
// as "integer_adm2", or one with a name option: "integer_vif_scale0_sr_16"),
// one per extractor and options; throws InputError for an unknown name.
struct ExtractorSpec;
std::vector<ExtractorSpec> specs_for_features(const std::vector<std::string>& features);

// The registry name of the extractor that provides `feature` (an alias such as
// "integer_adm2", optionally with an option suffix), or "" if none does.
std::string extractor_for_feature(const std::string& feature);

// When libvmaf (with worker threads, n_threads >= 1) first stores output
// `column`: 0 on its reading thread before frame 0 reaches the workers
// (TEMPORAL extractors, e.g. psnr), 1 while a worker extracts frame 0, 2 at
// the end of the clip (e.g. integer_motion2). Its logs list metrics in the
// order they were first stored: by stage, then by extractor registration
// order, then in the order each extractor writes them (see output.py).
int libvmaf_log_stage(const std::string& column);

}  // namespace pvt
