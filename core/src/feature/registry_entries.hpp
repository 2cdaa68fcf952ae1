#pragma once
// Factories of the individual extractors; only registry.cpp calls them.
#include <memory>

#include "pyvmaf_tiny/extractor.hpp"

namespace pvt::feature {

std::unique_ptr<Extractor> make_vif(const OptionMap& options);
std::unique_ptr<Extractor> make_adm(const OptionMap& options);
// vif, adm and motion sampling about kSampledRows rows (vif_sample_rows /
// adm_sample_rows / motion_sample_rows) unless told otherwise: the cheap
// estimates tiny models read.
constexpr int kSampledRows = 32;
std::unique_ptr<Extractor> make_vif_sampled(const OptionMap& options);
std::unique_ptr<Extractor> make_adm_sampled(const OptionMap& options);
std::unique_ptr<Extractor> make_motion(const OptionMap& options);
std::unique_ptr<Extractor> make_motion_sampled(const OptionMap& options);
std::unique_ptr<Extractor> make_psnr(const OptionMap& options);
std::unique_ptr<Extractor> make_float_ssim(const OptionMap& options);
std::unique_ptr<Extractor> make_float_ms_ssim(const OptionMap& options);
std::unique_ptr<Extractor> make_float_vif(const OptionMap& options);
std::unique_ptr<Extractor> make_float_adm(const OptionMap& options);
std::unique_ptr<Extractor> make_float_motion(const OptionMap& options);
std::unique_ptr<Extractor> make_float_ansnr(const OptionMap& options);
std::unique_ptr<Extractor> make_float_psnr(const OptionMap& options);
std::unique_ptr<Extractor> make_half_pair(const OptionMap& options);
std::unique_ptr<Extractor> make_half_motion(const OptionMap& options);
std::unique_ptr<Extractor> make_cambi(const OptionMap& options);
std::unique_ptr<Extractor> make_psnr_hvs(const OptionMap& options);
std::unique_ptr<Extractor> make_ciede(const OptionMap& options);
std::unique_ptr<Extractor> make_speed_chroma(const OptionMap& options);
std::unique_ptr<Extractor> make_speed_temporal(const OptionMap& options);

}  // namespace pvt::feature
