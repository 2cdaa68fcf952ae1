#include "pyvmaf_tiny/registry.hpp"

#include <algorithm>
#include <string>

#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/pipeline.hpp"
#include "registry_entries.hpp"

namespace pvt {
namespace {

using Factory = std::unique_ptr<Extractor> (*)(const OptionMap&);

struct Entry {
  ExtractorInfo info;
  Factory make;
};

// float_ms_ssim, then its per-scale luminance, contrast and structure terms
// (written with enable_lcs), in the order the extractor lists them.
std::vector<std::string> ms_ssim_features() {
  std::vector<std::string> f = {"float_ms_ssim"};
  for (const char* term : {"l", "c", "s"})
    for (int s = 0; s < 5; ++s) f.push_back(std::string("float_ms_ssim_") + term + "_scale" + std::to_string(s));
  return f;
}

// integer ADM's outputs: adm2, aim, adm3, the scales, then the debug ones.
std::vector<std::string> adm_features() {
  std::vector<std::string> f = {"integer_adm2", "integer_aim", "integer_adm3"};
  for (int s = 0; s < 4; ++s) f.push_back("integer_adm_scale" + std::to_string(s));
  for (const char* d : {"integer_adm", "integer_adm_num", "integer_adm_den"}) f.push_back(d);
  for (int s = 0; s < 4; ++s)
    for (const char* d : {"integer_adm_num_scale", "integer_adm_den_scale"}) f.push_back(d + std::to_string(s));
  return f;
}

std::map<std::string, OptionMap> adm_feature_options() {
  std::map<std::string, OptionMap> m;
  const auto all = adm_features();
  for (std::size_t i = 7; i < all.size(); ++i) m[all[i]] = {{"debug", "true"}};
  return m;
}

// integer_vif's outputs, its debug-only ones (written with debug=true) last.
std::vector<std::string> vif_features() {
  std::vector<std::string> f;
  for (int s = 0; s < 4; ++s) f.push_back("integer_vif_scale" + std::to_string(s));
  for (const char* d : {"integer_vif", "integer_vif_num", "integer_vif_den"}) f.push_back(d);
  for (int s = 0; s < 4; ++s)
    for (const char* d : {"integer_vif_num_scale", "integer_vif_den_scale"}) f.push_back(d + std::to_string(s));
  return f;
}

std::map<std::string, OptionMap> vif_feature_options() {
  std::map<std::string, OptionMap> m;
  const auto all = vif_features();
  for (std::size_t i = 4; i < all.size(); ++i) m[all[i]] = {{"debug", "true"}};
  return m;
}

std::map<std::string, OptionMap> ms_ssim_feature_options() {
  std::map<std::string, OptionMap> m;
  const auto all = ms_ssim_features();
  for (std::size_t i = 1; i < all.size(); ++i) m[all[i]] = {{"enable_lcs", "true"}};
  return m;
}

// libvmaf's float extractors: their outputs as libvmaf logs them, the
// debug-only ones (written with debug=true) last.
ExtractorInfo float_info(const char* name, std::vector<std::string> features, std::vector<std::string> debug) {
  ExtractorInfo info{name, std::move(features)};
  for (auto& f : debug) {
    info.feature_options[f] = {{"debug", "true"}};
    info.features.push_back(std::move(f));
  }
  return info;
}

ExtractorInfo float_vif_info() {
  std::vector<std::string> base, debug = {"vif", "vif_num", "vif_den"};
  for (int s = 0; s < 4; ++s) {
    base.push_back("vif_scale" + std::to_string(s));
    debug.push_back("vif_num_scale" + std::to_string(s));
    debug.push_back("vif_den_scale" + std::to_string(s));
  }
  return float_info("float_vif", base, debug);
}

ExtractorInfo float_adm_info() {
  std::vector<std::string> debug = {"adm", "adm_num", "adm_den"};
  for (int s = 0; s < 4; ++s) {
    debug.push_back("adm_num_scale" + std::to_string(s));
    debug.push_back("adm_den_scale" + std::to_string(s));
  }
  return float_info("float_adm", {"adm2", "aim", "adm3", "adm_scale0", "adm_scale1", "adm_scale2", "adm_scale3"},
                    debug);
}

// vif's and adm's (non-debug) outputs on the 2x decimated pair, then its fine-scale detail terms.
std::vector<std::string> half_pair_features() {
  std::vector<std::string> f;
  for (int s = 0; s < 4; ++s) f.push_back("half_integer_vif_scale" + std::to_string(s));
  for (const char* a : {"half_integer_adm2", "half_integer_aim", "half_integer_adm3"}) f.push_back(a);
  for (int s = 0; s < 4; ++s) f.push_back("half_integer_adm_scale" + std::to_string(s));
  f.push_back("half_fine_detail");
  f.push_back("half_fine_noise");
  return f;
}

// The non-debug outputs of `base` with the sampled extractors' suffix.
std::vector<std::string> sampled(const std::vector<std::string>& base, std::size_t count) {
  std::vector<std::string> f;
  for (std::size_t i = 0; i < count; ++i) f.push_back(base[i] + "_sr_" + std::to_string(feature::kSampledRows));
  return f;
}

const std::vector<Entry>& entries() {
  static const std::vector<Entry> all = {
      {{"vif", vif_features(), vif_feature_options(), false, {}, {},
        {{"sr", "vif_sample_rows"}, {"rs", "vif_row_step"}}},
       feature::make_vif},
      {{"adm", adm_features(), adm_feature_options(), false, {}, {},
        {{"sr", "adm_sample_rows"}, {"rs", "adm_row_step"}}},
       feature::make_adm},
      {{"vif_sampled", sampled(vif_features(), 4)}, feature::make_vif_sampled},
      {{"adm_sampled", sampled(adm_features(), 7)}, feature::make_adm_sampled},
      {{"motion",
        {"VMAF_integer_feature_motion_sad_score", "integer_motion2", "integer_motion3", "integer_motion"},
        {{"integer_motion", {{"debug", "true"}}}},
        /*libvmaf_temporal=*/false,
        {"integer_motion2", "integer_motion3"},
        {},
        {{"sr", "motion_sample_rows"}, {"rs", "motion_row_step"}}},
       feature::make_motion},
      {{"motion_sampled",
        sampled({"VMAF_integer_feature_motion_sad_score", "integer_motion2", "integer_motion3"}, 3),
        {},
        /*libvmaf_temporal=*/false,
        sampled({"integer_motion2", "integer_motion3"}, 2)},
       feature::make_motion_sampled},
      {{"psnr",
        {"psnr_y", "psnr_cb", "psnr_cr", "mse_y", "mse_cb", "mse_cr"},
        {{"mse_y", {{"enable_mse", "true"}}},
         {"mse_cb", {{"enable_mse", "true"}}},
         {"mse_cr", {{"enable_mse", "true"}}}},
        /*libvmaf_temporal=*/true},
       feature::make_psnr},
      {{"float_ssim",
        {"float_ssim", "float_ssim_l", "float_ssim_c", "float_ssim_s"},
        {{"float_ssim_l", {{"enable_lcs", "true"}}},
         {"float_ssim_c", {{"enable_lcs", "true"}}},
         {"float_ssim_s", {{"enable_lcs", "true"}}}}},
       feature::make_float_ssim},
      {{"float_ms_ssim", ms_ssim_features(), ms_ssim_feature_options()}, feature::make_float_ms_ssim},
      {float_vif_info(), feature::make_float_vif},
      {float_adm_info(), feature::make_float_adm},
      // libvmaf runs float_motion on its reading thread (TEMPORAL). It first
      // writes motion3 there while frame 1 is extracted, racing the workers on
      // frame 0; the order given here is the uncontended one.
      {{"float_motion", {"motion2", "motion", "motion3"}, {}, /*libvmaf_temporal=*/true}, feature::make_float_motion},
      {{"float_ansnr", {"float_ansnr", "float_anpsnr"}}, feature::make_float_ansnr},
      {{"float_psnr", {"float_psnr"}}, feature::make_float_psnr},
      {{"half", half_pair_features()}, feature::make_half_pair},
      {{"half_motion",
        {"half_VMAF_integer_feature_motion_sad_score", "half_integer_motion2", "half_integer_motion3"},
        {},
        /*libvmaf_temporal=*/false,
        {"half_integer_motion2", "half_integer_motion3"}},
       feature::make_half_motion},
      // cambi's full-reference outputs are written only with full_ref=true.
      {{"cambi",
        {"cambi", "cambi_source", "cambi_full_reference"},
        {{"cambi_source", {{"full_ref", "true"}}}, {"cambi_full_reference", {{"full_ref", "true"}}}},
        /*libvmaf_temporal=*/false,
        /*flushed=*/{},
        /*writing_options=*/{"heatmaps_path"}},
       feature::make_cambi},
      {{"psnr_hvs", {"psnr_hvs_y", "psnr_hvs_cb", "psnr_hvs_cr", "psnr_hvs"}}, feature::make_psnr_hvs},
      {{"ciede", {"ciede2000"}}, feature::make_ciede},
      {{"speed_chroma", {"speed_chroma_u", "speed_chroma_v", "speed_chroma_uv"}}, feature::make_speed_chroma},
      {{"speed_temporal", {"speed_temporal"}}, feature::make_speed_temporal},
  };
  return all;
}

}  // namespace

const std::vector<ExtractorInfo>& extractor_catalog() {
  static const std::vector<ExtractorInfo> catalog = [] {
    std::vector<ExtractorInfo> c;
    for (const auto& e : entries()) c.push_back(e.info);
    return c;
  }();
  return catalog;
}

std::unique_ptr<Extractor> make_extractor(const std::string& name, const OptionMap& options) {
  for (const auto& e : entries())
    if (e.info.name == name) return e.make(options);
  std::string known;
  for (const auto& e : entries()) known += (known.empty() ? "" : ", ") + e.info.name;
  throw InputError("unknown feature extractor '" + name + "' (known: " + known + ")");
}

namespace {
// Whether `column` is base feature `f`, optionally with an option suffix such as "_egl_1".
bool names_feature(const std::string& column, const std::string& f) {
  return column == f || (column.size() > f.size() && column.compare(0, f.size(), f) == 0 && column[f.size()] == '_');
}
}  // namespace

// The extractor whose longest base name is `feature` or prefixes it with a
// suffix ("integer_vif_scale0_rs_16" is vif_sampled's, not vif's).
std::string extractor_for_feature(const std::string& feature) {
  const std::string* best = nullptr;
  std::size_t best_len = 0;
  for (const auto& e : entries())
    for (const auto& f : e.info.features)
      if (names_feature(feature, f) && (!best || f.size() > best_len)) {
        best = &e.info.name;
        best_len = f.size();
      }
  return best ? *best : "";
}

int libvmaf_log_stage(const std::string& column) {
  const ExtractorInfo* info = nullptr;
  const std::string* base = nullptr;
  for (const auto& e : entries())
    for (const auto& f : e.info.features)
      if (names_feature(column, f) && (!base || f.size() > base->size())) {
        info = &e.info;
        base = &f;
      }
  if (!info) return 1;
  if (std::find(info->flushed.begin(), info->flushed.end(), *base) != info->flushed.end()) return 2;
  return info->libvmaf_temporal ? 0 : 1;
}

}  // namespace pvt

namespace pvt {

namespace {
// `feature` as a base name of `info` plus one of its name options ("_sr_16"):
// the base, and the option with its value (decimal, no leading zeros).
bool named_option(const ExtractorInfo& info, const std::string& feature, std::string& base, OptionMap& options) {
  for (const auto& f : info.features)
    for (const auto& [key, option] : info.name_options) {
      const std::string head = f + "_" + key + "_";
      if (feature.size() <= head.size() || feature.compare(0, head.size(), head) != 0) continue;
      const std::string value = feature.substr(head.size());
      if (value.size() > 6 || value[0] == '0' ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
        continue;
      base = f;
      options = {{option, value}};
      return true;
    }
  return false;
}

// The name options among `options`.
OptionMap named_part(const ExtractorInfo& info, const OptionMap& options) {
  OptionMap out;
  for (const auto& entry : info.name_options)
    if (auto it = options.find(entry.second); it != options.end()) out.insert(*it);
  return out;
}
}  // namespace

std::vector<ExtractorSpec> specs_for_features(const std::vector<std::string>& features) {
  std::vector<ExtractorSpec> specs;
  for (const auto& feature : features) {
    const ExtractorInfo* info = nullptr;
    std::string base = feature;
    OptionMap named;
    for (const auto& e : extractor_catalog())
      if (std::find(e.features.begin(), e.features.end(), feature) != e.features.end()) info = &e;
    for (const auto& e : extractor_catalog())
      if (!info && named_option(e, feature, base, named)) info = &e;
    if (!info) throw InputError("no extractor provides feature '" + feature + "'");
    // One spec per extractor and name options (vif and vif sampling 16 rows are two).
    if (!named.empty()) {
      // The name must be one the extractor writes with that option (not _rs_1, which writes none;
      // not a count outside the option's range, refused here rather than when scoring).
      OptionMap with = named;
      if (auto implied = info->feature_options.find(base); implied != info->feature_options.end())
        with.insert(implied->second.begin(), implied->second.end());
      std::vector<std::string> provided;
      try {
        provided = make_extractor(info->name, with)->provides();
      } catch (const InputError& e) {
        throw InputError("feature '" + feature + "' asks " + info->name + " for " + named.begin()->first + "=" +
                         named.begin()->second + ": " + e.what());
      }
      if (std::find(provided.begin(), provided.end(), feature) == provided.end())
        throw InputError("feature '" + feature + "' asks " + info->name + " for " + named.begin()->first + "=" +
                         named.begin()->second + ", which computes the exact " + base + " (named so)");
    }
    auto spec = std::find_if(specs.begin(), specs.end(), [&](const ExtractorSpec& s) {
      return s.name == info->name && named_part(*info, s.options) == named;
    });
    if (spec == specs.end()) spec = specs.insert(specs.end(), ExtractorSpec{info->name, named});
    if (auto implied = info->feature_options.find(base); implied != info->feature_options.end())
      spec->options.insert(implied->second.begin(), implied->second.end());
    spec->only.push_back(feature);
  }
  return specs;
}

}  // namespace pvt
