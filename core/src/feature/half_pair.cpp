// The integer VIF and ADM features of the picture pair decimated 2x in each
// direction (decimate.hpp: the rounded mean of each 2x2 block). The
// features are exactly those of the `vif` and `adm` extractors run on the
// decimated pair (same bit depth), named with a "half_" prefix. The detail the
// decimation drops is summarised by two more: half_fine_detail, the share of
// the reference's 2x2 Haar detail the distorted picture keeps (|coefficient|
// kept where both agree in sign), and half_fine_noise, the detail it adds,
// relative to the same (kernels/decimate_kernels.hpp). They are a
// quarter of the work at the same picture, for tiny models (fr_micro_v2)
// that need only coarse scales. Integer arithmetic throughout, so the values
// are the same on every ISA the inner extractors pick.
#include <algorithm>
#include <string>
#include <vector>

#include "decimate.hpp"
#include "options.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/extractor.hpp"
#include "pyvmaf_tiny/registry.hpp"
#include "registry_entries.hpp"

namespace pvt::feature {
namespace {

constexpr const char* kPrefix = "half_";

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
    fine_slot_ = provides_.size();
    provides_.push_back("half_fine_detail");
    provides_.push_back("half_fine_noise");
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
    fine_ = wanted.at(fine_slot_) || wanted.at(fine_slot_ + 1);
  }

  void init(const Geometry& g) override {
    if (g.width < 34 || g.height < 34)
      throw InputError("half: frames of at least 34x34 pixels are needed (the decimated pair must be 17x17), got " +
                       std::to_string(g.width) + "x" + std::to_string(g.height));
    half_ = half_geometry(g);
    decimate_ = kernels::select_decimate(g.bpc);
    decimate_pair_ = kernels::select_decimate_pair(g.bpc);
    for (auto& in : inner_)
      if (in.wanted) in.extractor->init(half_);
  }

  void extract(const PicturePair& pair, unsigned index, std::span<double> out) override {
    PicturePair half;
    if (fine_) {
      // one pass over both pictures: the decimated pair and the fine-scale sums
      half.ref = decimate_2x2(pair.ref, ref_, half_, nullptr);
      half.dist = decimate_2x2(pair.dist, dist_, half_, nullptr);
      const kernels::FineSums f = decimate_pair_(pair.ref, pair.dist, ref_.data(), dist_.data(), half_.width,
                                                 half_.height);
      // A floor of one unit per block at 8 bits keeps flat pictures finite and the ratios bit-depth free.
      const double floor = static_cast<double>(half_.width) * half_.height * static_cast<double>(1 << (half_.bpc - 8));
      out[fine_slot_] = (static_cast<double>(f.restored) + floor) / (static_cast<double>(f.reference) + floor);
      out[fine_slot_ + 1] = (static_cast<double>(f.added) + floor) / (static_cast<double>(f.reference) + floor);
    } else {
      half.ref = decimate_2x2(pair.ref, ref_, half_, decimate_);
      half.dist = decimate_2x2(pair.dist, dist_, half_, decimate_);
      out[fine_slot_] = out[fine_slot_ + 1] = 0.0;
    }
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

  std::string name_ = "half";
  std::vector<std::string> provides_;
  std::vector<Inner> inner_;
  Geometry half_;
  kernels::DecimateFn decimate_ = nullptr;
  kernels::DecimatePairFn decimate_pair_ = nullptr;
  std::size_t fine_slot_ = 0;
  bool fine_ = true;
  std::vector<std::uint8_t> ref_, dist_;
  std::vector<double> scratch_;
};

}  // namespace

std::unique_ptr<Extractor> make_half_pair(const OptionMap& options) {
  return std::make_unique<HalfPairExtractor>(options);
}

}  // namespace pvt::feature
