// ciede2000, as libvmaf 3.2's ciede extractor defines it: 45 - 20 log10 of
// the mean CIEDE2000 difference over the luma grid, each pixel's colour
// taken from its luma sample and a chroma sample per plane.
//
// libvmaf picks that chroma sample from its own picture buffers, whose rows
// are padded to 32 samples with zeros and whose planes follow one another:
// for 4:2:0, row y / 2 and column x / 2 (of an odd width, the last column
// reads the padding); for 4:2:2, row y / 2 and column x, which runs past the
// end of the chroma row into its padding and the next rows. We read the same
// samples from the same layout. Where libvmaf would read past the end of its
// picture (4:2:0 with an odd height), the frame is refused.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "../common/exact_math.hpp"
#include "chroma_planes.hpp"
#include "kernels/ciede_kernels.hpp"
#include "options.hpp"
#include "pyvmaf_tiny/buffer_pool.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/extractor.hpp"
#include "registry_entries.hpp"

namespace pvt::feature {
namespace {

// libvmaf's picture buffer for the chroma planes: rows of `stride` samples
// (the width rounded up to 32, zero beyond it), Cb's rows then Cr's.
class LibvmafChroma {
 public:
  void init(const ChromaPlanes& c) {
    width_ = c.width;
    height_ = c.height;
    stride_ = (c.width + 31) & ~31;
  }

  // Whether reading `count` samples from the start of row `row` of Cr stays
  // inside the picture.
  bool inside(int row, int count) const {
    return static_cast<long>(row) * stride_ + count <= static_cast<long>(height_) * stride_;
  }

  // Sample k of the flat run of samples that starts at row `row` of plane p.
  template <class T>
  T at(const Plane* planes, int p, int row, long k) const {
    if (k < width_) return planes[p].row<T>(row)[k];
    long offset = static_cast<long>(row) * stride_ + k;
    const long plane_size = static_cast<long>(height_) * stride_;
    if (offset >= plane_size) ++p, offset -= plane_size;  // Cb runs into Cr (checked by inside())
    const long column = offset % stride_;
    return column < width_ ? planes[p].row<T>(static_cast<int>(offset / stride_))[column] : T{0};
  }

 private:
  int width_ = 0, height_ = 0, stride_ = 0;
};

class CiedeExtractor final : public Extractor {
 public:
  explicit CiedeExtractor(const OptionMap& options) { reject_unknown_options(name_, options, {}); }

  const std::string& name() const override { return name_; }
  const std::vector<std::string>& provides() const override { return provides_; }
  bool needs_chroma() const override { return true; }

  void init(const Geometry& g) override {
    if (g.bpc != 8 && g.bpc != 10 && g.bpc != 12 && g.bpc != 16)
      throw InputError("ciede supports 8, 10, 12 and 16-bit input as libvmaf does, got " + std::to_string(g.bpc) +
                       "-bit");
    layout_ = chroma_planes(g, name_);
    geometry_ = g;
    if (layout_.sub_x) {
      libvmaf_.init(layout_);
      // Output row y reads from chroma row y / 2 a run of w / 2 + (w & 1)
      // samples (4:2:0) or w samples (4:2:2).
      const int run = layout_.sub_y ? (g.width + 1) / 2 : g.width;
      if (!libvmaf_.inside((g.height - 1) / 2, run))
        throw InputError("ciede: for " + std::to_string(g.width) + "x" + std::to_string(g.height) +
                         (layout_.sub_y ? " 4:2:0" : " 4:2:2") +
                         " libvmaf reads chroma past the end of its picture (undefined values); it cannot be scored");
    }
    const std::size_t n = static_cast<std::size_t>(g.width) + kernels::kCiedeBatch;
    for (auto& b : buffers_) b.assign(n, 0.0f);
    chroma_row_.assign(4 * static_cast<std::size_t>(g.width) * 2, 0);
    out_.assign(n, 0.0f);
    kernel_ = kernels::select_ciede();
  }

  void extract(const PicturePair& pair, unsigned index, std::span<double> out) override {
    (void)index;
    double sum = 0.0;
    for (int y = 0; y < geometry_.height; ++y) {
      // Pixels whose three samples agree in both pictures differ by exactly 0: skip them.
      std::size_t n = 0;
      if (geometry_.bpc == 8)
        n = gather_row<std::uint8_t>(pair, y);
      else
        n = gather_row<std::uint16_t>(pair, y);
      if (n == 0) continue;
      kernel_({buffers_[0].data(), buffers_[1].data(), buffers_[2].data()},
              {buffers_[3].data(), buffers_[4].data(), buffers_[5].data()}, n, geometry_.bpc, out_.data());
      for (std::size_t i = 0; i < n; ++i) sum += out_[i];
    }
    const unsigned pixels = static_cast<unsigned>(geometry_.width) * static_cast<unsigned>(geometry_.height);
    out[0] = 45. - 20. * exact::log10(sum / pixels);
  }

 private:
  // The chroma samples of output row y, per pixel, as libvmaf upsamples them.
  template <class T>
  void chroma_row(const Plane* planes, int y, T* u, T* v) const {
    const int w = geometry_.width;
    if (!layout_.sub_x) {
      std::copy_n(planes[0].row<T>(y), w, u);
      std::copy_n(planes[1].row<T>(y), w, v);
      return;
    }
    for (int x = 0; x < w; ++x) {
      const long k = layout_.sub_y ? x / 2 : x;
      u[x] = libvmaf_.at<T>(planes, 0, y / 2, k);
      v[x] = libvmaf_.at<T>(planes, 1, y / 2, k);
    }
  }

  // Writes the row's differing pixels into the buffers; returns their number.
  template <class T>
  std::size_t gather_row(const PicturePair& pair, int y) {
    const std::size_t w = static_cast<std::size_t>(geometry_.width);
    T* c = reinterpret_cast<T*>(chroma_row_.data());
    T *ru = c, *rv = c + w, *du = c + 2 * w, *dv = c + 3 * w;
    chroma_row<T>(pair.ref_chroma, y, ru, rv);
    chroma_row<T>(pair.dist_chroma, y, du, dv);
    const T* ry = pair.ref.row<T>(y);
    const T* dy = pair.dist.row<T>(y);
    std::size_t n = 0;
    for (std::size_t x = 0; x < w; ++x) {
      if (ry[x] == dy[x] && ru[x] == du[x] && rv[x] == dv[x]) continue;
      buffers_[0][n] = ry[x], buffers_[1][n] = ru[x], buffers_[2][n] = rv[x];
      buffers_[3][n] = dy[x], buffers_[4][n] = du[x], buffers_[5][n] = dv[x];
      ++n;
    }
    return n;
  }

  std::string name_ = "ciede";
  std::vector<std::string> provides_ = {"ciede2000"};
  Geometry geometry_;
  ChromaPlanes layout_;
  LibvmafChroma libvmaf_;
  std::vector<std::uint8_t> chroma_row_;  // ref Cb, Cr, dist Cb, Cr of one row, as T
  std::vector<float> buffers_[6];  // ref y, u, v, dist y, u, v
  std::vector<float> out_;
  kernels::CiedeFn kernel_ = nullptr;
};

}  // namespace

std::unique_ptr<Extractor> make_ciede(const OptionMap& options) { return std::make_unique<CiedeExtractor>(options); }

}  // namespace pvt::feature
