#pragma once
#include <cstddef>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "pyvmaf_tiny/picture.hpp"

namespace pvt {

// Options for one extractor, as libvmaf-style key/value strings
// (e.g. {"adm_enhn_gain_limit", "1.0"}).
using OptionMap = std::map<std::string, std::string>;

// One extractor to run, by registry name, with its options. `only` lists the
// outputs (provides() names) wanted; empty means all of them.
struct ExtractorSpec {
  std::string name;
  OptionMap options;
  std::vector<std::string> only = {};
};

// What init() is told about the frames. With chroma, the planes are
// chroma_width x chroma_height = ceil(width / 2^shift_x) x ceil(height /
// 2^shift_y) for `chroma` (one of libvmaf's layouts: the pipeline refuses
// others); an extractor derives what it reads from `chroma`, never from the
// sizes alone.
struct Geometry {
  int width = 0;
  int height = 0;
  int bpc = 8;
  int chroma_width = 0;  // 0 when the input has no chroma planes
  int chroma_height = 0;
  ChromaLayout chroma = {};
  // Distorted inputs per frame: 1, or in ladder mode (one reference against
  // several encodes) at most this many pairs per extract_ladder() call.
  unsigned encodes = 1;
};

// Read access to the raw per-frame values an extractor wrote in extract(),
// used by temporal extractors to derive values that need neighbouring frames.
class FeatureHistory {
 public:
  virtual ~FeatureHistory() = default;
  // Number of frames extracted so far (every frame below this is available).
  virtual unsigned frames() const = 0;
  // The value in `column` (an index into the extractor's provides()) for frame `index`.
  virtual double value(unsigned index, unsigned column) const = 0;
};

// What every instance of one extractor in a run shares (see
// Extractor::open_run()); each extractor derives its own.
struct RunShared {
  virtual ~RunShared() = default;
};

// One feature extractor. The pipeline creates one instance per worker thread,
// so an instance may keep scratch buffers; extract() is only ever called on
// one frame at a time per instance, but frames can arrive out of order.
class Extractor {
 public:
  virtual ~Extractor() = default;

  // Registry name, e.g. "vif", "adm", "motion".
  virtual const std::string& name() const = 0;

  // Output feature names, libvmaf's aliases (e.g. "integer_vif_scale0"),
  // including any option suffix such as "_egl_1". extract() writes one value
  // per entry, in this order.
  virtual const std::vector<std::string>& provides() const = 0;

  // Called before init() with one flag per provides() entry. An extractor may
  // skip the work behind outputs nobody wants; it still writes every slot.
  virtual void restrict_outputs(const std::vector<bool>& wanted) { (void)wanted; }

  // Called once before the first frame; throws InputError if the geometry
  // is unsupported.
  virtual void init(const Geometry& geometry) = 0;

  // Run-wide state of the instances (one per worker) of this extractor in one
  // run, such as files they all write: open_run() is called once a run, on
  // the first instance after its init(), and what it returns is handed to
  // join_run() of every instance (that one's included) before its first
  // frame. A run rolled back at its first frame, or a new pipeline, opens
  // anew. Throws InputError when it cannot (that fails the first frame).
  virtual std::shared_ptr<RunShared> open_run() { return nullptr; }
  virtual void join_run(std::shared_ptr<RunShared> shared) { (void)shared; }

  virtual void extract(const PicturePair& pair, unsigned index, std::span<double> out) = 0;

  // Ladder mode: frame `index` of several encodes of one reference. pairs[k]
  // (all sharing ref, ref_chroma and prev_ref) writes outs[k], each value
  // exactly what extract(pairs[k], index, outs[k]) writes. This default calls
  // extract() per pair; an extractor that splits its work overrides it, doing
  // the reference-only part once and sharing it read-only with the per-pair
  // part of every encode.
  virtual void extract_ladder(std::span<const PicturePair> pairs, unsigned index,
                              std::span<const std::span<double>> outs) {
    for (std::size_t k = 0; k < pairs.size(); ++k) extract(pairs[k], index, outs[k]);
  }

  // Extractors that read pair.ref_chroma / dist_chroma say so; the pipeline
  // then carries chroma and refuses input without it.
  virtual bool needs_chroma() const { return false; }

  // Temporal extractors read earlier reference frames and need look-ahead:
  // frame i becomes final once frames i+1 .. i+look_ahead() are extracted
  // (or the clip ended).
  virtual bool temporal() const { return false; }
  // How many earlier reference frames extract() reads: 1 for pair.prev_ref,
  // 2 for pair.prev2_ref as well. The pipeline keeps that many frames back.
  virtual unsigned look_back() const { return temporal() ? 1 : 0; }
  // How many later frames finalize() reads.
  virtual unsigned look_ahead() const { return temporal() ? 1 : 0; }

  // For temporal extractors: rewrites frame `index`'s outputs in `out` (which
  // holds the raw values extract() wrote) now that its neighbours are known.
  // `last` is true when `index` is the final frame of the clip. Frame j, for
  // j <= index + look_ahead(), exists if and only if j < history.frames().
  virtual void finalize(const FeatureHistory& history, unsigned index, bool last,
                        std::span<double> out) const {
    (void)history, (void)index, (void)last, (void)out;
  }

  // Clip-level outputs (libvmaf's aggregate_metrics, e.g. psnr's apsnr_y),
  // computed once the clip ended. Their inputs are per-frame working values:
  // extract() writes scratch() of them after its provides() values (never
  // columns; zero for frames it did not extract), and aggregate() reads them
  // back for every frame (history columns provides().size() and up).
  virtual const std::vector<std::string>& aggregates() const {
    static const std::vector<std::string> none;
    return none;
  }
  virtual std::size_t scratch() const { return 0; }
  virtual void aggregate(const FeatureHistory& history, std::span<double> out) const {
    (void)history, (void)out;
  }
};

}  // namespace pvt
