#pragma once
// The rows a row-sampled estimate (vif_row_step, adm_row_step) pools: one row
// in each run of `step`, at an offset that walks the golden-ratio sequence, so
// that the samples do not lock onto the 8- and 16-row block grid of codecs
// (a fixed offset sees the same place in every block). Integer arithmetic:
// the same rows everywhere.
#include <vector>

namespace pvt::feature {

// Rows of [begin, end) pooled with `step` (every row for a step of 1), and at least one.
inline std::vector<int> sampled_rows(int begin, int end, int step) {
  std::vector<int> rows;
  if (end <= begin) return rows;
  for (int k = 0; begin + k * step < end; ++k) {
    const unsigned phase = (static_cast<unsigned>(k) * 40503u + 20252u) & 0xffffu;  // frac(k * 0.618 + 0.309)
    const int r = begin + k * step + static_cast<int>((phase * static_cast<unsigned>(step)) >> 16);
    if (r < end) rows.push_back(r);
  }
  if (rows.empty()) rows.push_back(begin);
  return rows;
}

}  // namespace pvt::feature
