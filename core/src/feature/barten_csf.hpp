// Barten's contrast sensitivity function as HDR-VDP 2.2.1 simplifies it,
// which libvmaf's ADM (float and integer) uses for adm_csf_mode 1.
#pragma once

namespace pvt::feature {

constexpr double kBartenLuminance = 100.0;  // cd/m2: libvmaf's fixed adaptation level

// The CSF weight of DWT level `lambda` (0: finest) for a display of
// `display_height` lines seen from `view_dist` heights, times `scale`.
float barten_csf(int lambda, double view_dist, int display_height, double scale);

}  // namespace pvt::feature
