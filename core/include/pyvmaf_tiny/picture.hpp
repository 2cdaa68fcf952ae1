#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pvt {

// Frames are at most this many samples a side, whatever their source.
constexpr int kMaxSide = 32768;

// A read-only view of one image plane. Samples are uint8_t when bpc == 8 and
// little-endian uint16_t (host order) when 9 <= bpc <= 16.
struct Plane {
  const std::uint8_t* data = nullptr;
  std::ptrdiff_t stride = 0;  // bytes from one row to the next
  int width = 0;
  int height = 0;
  int bpc = 8;

  int bytes_per_sample() const { return bpc > 8 ? 2 : 1; }

  template <class T>
  const T* row(int y) const {
    return reinterpret_cast<const T*>(data + stride * y);
  }
};

// Chroma subsampling as log2 per axis: a chroma plane has
// ceil(w / 2^shift_x) x ceil(h / 2^shift_y) samples for w x h luma.
struct ChromaLayout {
  int shift_x = 0;
  int shift_y = 0;
  bool operator==(const ChromaLayout&) const = default;
};

// The layout libvmaf models (4:4:4, 4:2:2 or 4:2:0, tried in that order) whose
// chroma planes are cw x ch for w x h luma; nullopt when none is.
std::optional<ChromaLayout> libvmaf_chroma_layout(int w, int h, int cw, int ch);
// "4:2:0", "4:2:2", "4:4:4" (or "4:4:0", ... for others).
std::string chroma_layout_name(ChromaLayout layout);

// One frame of reference and distorted pictures: luma, plus the two chroma
// planes (empty Planes unless an extractor declared needs_chroma()).
// `prev_ref` / `prev_dist` are the previous frame's reference and distorted
// luma, or nullptr for the first frame; only extractors that declare
// temporal() read them. `prev2_ref` is the reference luma two frames back,
// or nullptr before frame 2 or unless an extractor's look_back() is 2.
struct PicturePair {
  Plane ref;
  Plane dist;
  Plane ref_chroma[2];
  Plane dist_chroma[2];
  const Plane* prev_ref = nullptr;
  const Plane* prev_dist = nullptr;
  const Plane* prev2_ref = nullptr;
  // The previous frame's two reference chroma planes (with prev_ref, when
  // chroma is carried).
  const Plane* prev_ref_chroma = nullptr;
};

// The planes of one picture as handed to the pipeline: luma first, then
// optionally Cb and Cr.
struct Picture {
  Plane planes[3];
  int count = 1;
};

// An owned, 64-byte aligned plane buffer whose rows are padded to 64 bytes.
class PlaneBuffer {
 public:
  PlaneBuffer() = default;
  PlaneBuffer(int width, int height, int bpc);

  Plane view() const;
  std::uint8_t* row(int y) { return data_ + stride_ * y; }
  std::ptrdiff_t stride() const { return stride_; }
  int width() const { return width_; }
  int height() const { return height_; }
  int bpc() const { return bpc_; }

  // Copies `src` in; geometry and bit depth must already match.
  void assign(const Plane& src);

 private:
  struct Free {
    std::size_t bytes;
    void operator()(std::uint8_t* p) const;
  };
  std::unique_ptr<std::uint8_t, Free> storage_;
  std::uint8_t* data_ = nullptr;
  std::ptrdiff_t stride_ = 0;
  int width_ = 0, height_ = 0, bpc_ = 8;
};

// The one sample range check: throws InputError ("<source>: frame <frame>
// has samples above 2^bpc - 1, which is not <bpc>-bit data ...") when a
// sample of a 9..15-bit plane has bits above bpc (8- and 16-bit planes cannot).
// With `copy_to` (same geometry and depth), the plane is copied there in the
// same pass, checked or not. Every path that feeds the extractors calls it:
// Pipeline::push() as it copies, RawReader::read() and map() on what they
// read or map.
void check_sample_range(const Plane& plane, std::uint64_t frame, const std::string& source,
                        PlaneBuffer* copy_to = nullptr);

}  // namespace pvt
