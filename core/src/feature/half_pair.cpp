// The integer VIF and ADM features of the picture pair decimated 2x in each
// direction: each output sample is the rounded mean of a 2x2 block, (a + b +
// c + d + 2) >> 2, with the last row or column repeated for odd sizes. The
// features are exactly those of the `vif` and `adm` extractors run on the
// decimated pair (same bit depth), named with a "half_" prefix. They are a
// quarter of the work at the same picture, for tiny models (fr_micro_v2)
// that need only coarse scales. Integer arithmetic throughout, so the values
// are the same on every ISA the inner extractors pick.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "options.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/extractor.hpp"
#include "pyvmaf_tiny/registry.hpp"
#include "registry_entries.hpp"

namespace pvt::feature {
namespace {

constexpr const char* kPrefix = "half_";

template <class T>
void decimate(const Plane& src, T* dst, int w, int h) {
  for (int y = 0; y < h; ++y) {
    const T* r0 = src.row<T>(2 * y);
    const T* r1 = src.row<T>(std::min(2 * y + 1, src.height - 1));
    T* out = dst + static_cast<std::size_t>(y) * static_cast<std::size_t>(w);
    const int pairs = src.width / 2;
    for (int x = 0; x < pairs; ++x) {
      const std::uint32_t s = std::uint32_t{r0[2 * x]} + r0[2 * x + 1] + r1[2 * x] + r1[2 * x + 1];
      out[x] = static_cast<T>((s + 2) >> 2);
    }
    if (pairs < w) {  // odd width: the last column pairs with itself
      const std::uint32_t s = 2 * (std::uint32_t{r0[src.width - 1]} + r1[src.width - 1]);
      out[pairs] = static_cast<T>((s + 2) >> 2);
    }
  }
}

class HalfPairExtractor final : public Extractor {
 public:
  explicit HalfPairExtractor(const OptionMap& options) {
    reject_unknown_options(name_, options, {});
    for (const char* inner : {"vif", "adm"}) {
      Inner in{make_extractor(inner, {}), {}};
      for (const auto& f : in.extractor->provides()) {
        in.slots.push_back(provides_.size());
        provides_.push_back(kPrefix + f);
      }
      inner_.push_back(std::move(in));
    }
  }

  const std::string& name() const override { return name_; }
  const std::vector<std::string>& provides() const override { return provides_; }

  void restrict_outputs(const std::vector<bool>& wanted) override {
    for (auto& in : inner_) {
      std::vector<bool> w;
      for (const std::size_t slot : in.slots) w.push_back(wanted.at(slot));
      in.wanted = std::any_of(w.begin(), w.end(), [](bool b) { return b; });
      in.extractor->restrict_outputs(w);
    }
  }

  void init(const Geometry& g) override {
    if (g.width < 34 || g.height < 34)
      throw InputError("half: frames of at least 34x34 pixels are needed (the decimated pair must be 17x17), got " +
                       std::to_string(g.width) + "x" + std::to_string(g.height));
    half_ = Geometry{(g.width + 1) / 2, (g.height + 1) / 2, g.bpc};
    bytes_ = g.bpc > 8 ? 2 : 1;
    const auto n = static_cast<std::size_t>(half_.width) * static_cast<std::size_t>(half_.height) * bytes_;
    ref_.assign(n, 0);
    dist_.assign(n, 0);
    for (auto& in : inner_)
      if (in.wanted) in.extractor->init(half_);
  }

  void extract(const PicturePair& pair, unsigned index, std::span<double> out) override {
    PicturePair half;
    half.ref = shrink(pair.ref, ref_);
    half.dist = shrink(pair.dist, dist_);
    for (auto& in : inner_) {
      scratch_.assign(in.slots.size(), 0.0);
      if (in.wanted) in.extractor->extract(half, index, scratch_);
      for (std::size_t i = 0; i < in.slots.size(); ++i) out[in.slots[i]] = scratch_[i];
    }
  }

 private:
  struct Inner {
    std::unique_ptr<Extractor> extractor;
    std::vector<std::size_t> slots;  // where its outputs go in ours
    bool wanted = true;
  };

  Plane shrink(const Plane& src, std::vector<std::uint8_t>& buf) const {
    if (bytes_ == 1)
      decimate(src, buf.data(), half_.width, half_.height);
    else  // 16-bit samples in the same (new-allocated, so suitably aligned) storage
      decimate(src, reinterpret_cast<std::uint16_t*>(buf.data()), half_.width, half_.height);
    Plane p;
    p.data = buf.data();
    p.stride = static_cast<std::ptrdiff_t>(half_.width) * bytes_;
    p.width = half_.width;
    p.height = half_.height;
    p.bpc = half_.bpc;
    return p;
  }

  std::string name_ = "half";
  std::vector<std::string> provides_;
  std::vector<Inner> inner_;
  Geometry half_;
  int bytes_ = 1;
  std::vector<std::uint8_t> ref_, dist_;
  std::vector<double> scratch_;
};

}  // namespace

std::unique_ptr<Extractor> make_half_pair(const OptionMap& options) {
  return std::make_unique<HalfPairExtractor>(options);
}

}  // namespace pvt::feature
