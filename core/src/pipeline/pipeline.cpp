#include "pyvmaf_tiny/pipeline.hpp"

#include <algorithm>
#include <optional>
#include <utility>
#include <string>

#include "pyvmaf_tiny/buffer_pool.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/registry.hpp"

namespace pvt {

namespace {

// One picture of a frame in flight: the planes the extractors read, views
// either of its own buffers (frames pushed, or read by copying) or of its
// file in place.
struct FramePicture {
  Plane luma;
  Plane chroma[2];
  PlaneBuffer luma_copy;  // allocated on first use
  PlaneBuffer chroma_copy[2];
  std::unique_ptr<MappedFrame> mapped;

  // Views the buffers, allocating them for `g` the first time.
  void use_copy(const Geometry& g, bool with_chroma) {
    if (luma_copy.width() == 0) {
      luma_copy = PlaneBuffer(g.width, g.height, g.bpc);
      if (with_chroma)
        for (auto& c : chroma_copy) c = PlaneBuffer(g.chroma_width, g.chroma_height, g.bpc);
    }
    mapped.reset();
    luma = luma_copy.view();
    for (int c = 0; c < 2; ++c) chroma[c] = with_chroma ? chroma_copy[c].view() : Plane{};
  }
  void use_mapped(std::unique_ptr<MappedFrame> frame, bool with_chroma) {
    luma = frame->luma();
    for (int c = 0; c < 2; ++c) chroma[c] = with_chroma ? frame->chroma()[c] : Plane{};
    mapped = std::move(frame);
  }
};

// The message for a file cut short under this picture, if one was.
std::optional<std::string> truncation(const FramePicture& side) {
  if (side.mapped && side.mapped->truncated()) return side.mapped->truncated_message();
  return std::nullopt;
}

}  // namespace

struct Pipeline::Slot {
  FramePicture ref;
  std::vector<FramePicture> dists;  // one per encode
  std::vector<char> live;           // the encodes pushed with this frame
};

struct Pipeline::Worker {
  std::vector<std::unique_ptr<Extractor>> extractors;
  // A task's pairs and output rows, kept to reuse their storage.
  std::vector<PicturePair> pairs;
  std::vector<std::span<double>> outs;
  std::vector<unsigned> encodes;
};

class Pipeline::History final : public FeatureHistory {
 public:
  History(const Pipeline& p, std::size_t offset) : p_(p), offset_(offset) {}
  unsigned frames() const override { return p_.extracted_prefix_; }
  double value(unsigned index, unsigned column) const override {
    return p_.raw_.at(index).at(offset_ + column);
  }

 private:
  const Pipeline& p_;
  std::size_t offset_;
};

namespace {
std::string geometry_text(const Plane& p) {
  return std::to_string(p.width) + "x" + std::to_string(p.height) + " " + std::to_string(p.bpc) + "-bit";
}

std::string geometry_text(const Geometry& g) {
  std::string s = std::to_string(g.width) + "x" + std::to_string(g.height) + " " + std::to_string(g.bpc) + "-bit";
  if (g.chroma_width > 0) s += " " + chroma_layout_name(g.chroma);
  return s;
}

// Bytes of a PlaneBuffer of this size (rows padded to 64 bytes).
std::size_t buffer_bytes(int w, int h, int bpc) {
  const std::size_t row = static_cast<std::size_t>(w) * (bpc > 8 ? 2 : 1);
  return ((row + 63) & ~std::size_t{63}) * static_cast<std::size_t>(h);
}
}  // namespace

Pipeline::Pipeline(std::vector<ExtractorSpec> specs, unsigned threads, unsigned encodes)
    : specs_(std::move(specs)), encodes_(encodes), ladder_(encodes > 1) {
  if (specs_.empty()) throw InputError("no features requested");
  if (encodes_ == 0) throw InputError("a pipeline needs at least one distorted input");
  failed_.resize(encodes_);
  failed_frame_.resize(encodes_);
  dropped_.resize(encodes_);
  model_scores_.resize(encodes_);
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  max_threads_ = threads_ = threads ? std::min(threads, cores) : cores;
  // A prototype of each extractor validates options and names the columns.
  const auto spelled = [](const ExtractorSpec& s) {
    std::string text = s.name;
    char sep = ':';
    for (const auto& [k, v] : s.options) {
      text += sep + k + "=" + v;
      sep = ',';
    }
    return text;
  };
  std::vector<const ExtractorSpec*> column_spec;
  for (const auto& spec : specs_) {
    auto proto = make_extractor(spec.name, spec.options);
    const auto& provides = proto->provides();
    for (const auto& w : spec.only)
      if (std::find(provides.begin(), provides.end(), w) == provides.end())
        throw InputError("extractor '" + spec.name + "' does not provide '" + w + "'");
    offsets_.push_back(row_size_);
    std::vector<bool> wanted(provides.size());
    for (std::size_t i = 0; i < provides.size(); ++i) {
      const auto& f = provides[i];
      wanted[i] = spec.only.empty() || std::find(spec.only.begin(), spec.only.end(), f) != spec.only.end();
      if (!wanted[i]) continue;
      if (auto at = std::find(columns_.begin(), columns_.end(), f); at != columns_.end()) {
        const ExtractorSpec& first = *column_spec[static_cast<std::size_t>(at - columns_.begin())];
        if (&first == &spec) throw InputError("feature '" + f + "' is requested twice");
        throw InputError("feature '" + f + "' is requested twice, from '" + spelled(first) + "' and from '" +
                         spelled(spec) + "' (an option that changes nothing, or one option under two " +
                         "spellings, makes another configuration): ask for it once");
      }
      columns_.push_back(f);
      column_spec.push_back(&spec);
      visible_.push_back(row_size_ + i);
    }
    row_size_ += provides.size() + proto->scratch();
    for (const auto& a : proto->aggregates()) {
      if (std::find(aggregate_columns_.begin(), aggregate_columns_.end(), a) != aggregate_columns_.end())
        throw InputError("aggregate '" + a + "' is requested twice");
      aggregate_columns_.push_back(a);
    }
    wanted_.push_back(std::move(wanted));
    temporal_.push_back(proto->temporal());
    look_back_ = std::max(look_back_, proto->look_back());
    look_ahead_ = std::max(look_ahead_, proto->look_ahead());
    if (proto->needs_chroma() && !needs_chroma_) {
      needs_chroma_ = true;
      chroma_user_ = spec.name;
    }
  }
}

Pipeline::~Pipeline() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_job_.notify_all();
  for (auto& t : threads_pool_) t.join();
}

void Pipeline::init_worker(Worker& worker, const Geometry& g) const {
  for (std::size_t e = 0; e < specs_.size(); ++e) {
    auto ex = make_extractor(specs_[e].name, specs_[e].options);
    ex->restrict_outputs(wanted_[e]);
    ex->init(g);
    if (e < run_shared_.size()) ex->join_run(run_shared_[e]);  // (worker 0 joins in start())
    worker.extractors.push_back(std::move(ex));
  }
}

void Pipeline::start(const Geometry& frame_geometry) {
  Geometry g = frame_geometry;
  g.encodes = encodes_;
  geometry_ = g;
  started_ = true;
  try {
    // Worker 0's extractors are built here, so that a geometry they refuse
    // fails this push, and what they allocate sizes the others.
    workers_.push_back(std::make_unique<Worker>());
    const std::size_t before = pool_bytes_requested_here();
    run_shared_.clear();
    init_worker(*workers_[0], g);
    for (auto& ex : workers_[0]->extractors) {
      run_shared_.push_back(ex->open_run());
      ex->join_run(run_shared_.back());
    }
    threads_ = fit_workers(g, pool_bytes_requested_here() - before);
    const unsigned n_workers = threads_;
    for (unsigned w = 1; w < n_workers; ++w) workers_.push_back(std::make_unique<Worker>());
    // One slot per frame in flight, plus the earlier references temporal
    // extractors read, plus (with worker threads) one being filled. Fewer
    // slots keep more of the frames' memory in cache.
    const unsigned n_slots = (n_workers > 1 ? n_workers + 1 : 1) + look_back_;
    for (unsigned s = 0; s < n_slots; ++s) {
      slots_.push_back(std::make_unique<Slot>());
      slots_.back()->dists.resize(encodes_);
    }
    const auto spawn = [this](Worker* worker, bool build) {
      threads_pool_.emplace_back([this, worker, build] {
        if (build) {
          try {
            {
              std::lock_guard lock(mu_);
              if (stopping_) return;  // rolled back: build nothing
            }
            init_worker(*worker, geometry_);
          } catch (...) {
            // Worker 0 accepted this geometry: what fails here is a resource.
            std::lock_guard lock(mu_);
            if (!error_) error_ = std::current_exception();
            cv_done_.notify_all();
            return;
          }
        }
        worker_loop(*worker);
      });
    };
    // The other workers build their extractors (buffers to allocate and
    // clear) on their own threads while frame 0 is being extracted.
    if (n_workers > 1) spawn(workers_[0].get(), false);
    for (unsigned w = 1; w < n_workers; ++w) spawn(workers_[w].get(), true);
  } catch (...) {
    roll_back();
    throw;
  }
}

void Pipeline::roll_back() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_job_.notify_all();
  for (auto& t : threads_pool_) t.join();
  std::lock_guard lock(mu_);
  threads_pool_.clear();
  workers_.clear();
  run_shared_.clear();
  slots_.clear();
  queue_.clear();
  stopping_ = false;
  error_ = nullptr;
  started_ = false;
  geometry_ = Geometry{};
  threads_ = max_threads_;
  working_bytes_ = 0;
}

unsigned Pipeline::fit_workers(const Geometry& g, std::size_t per_worker) {
  std::size_t frame = buffer_bytes(g.width, g.height, g.bpc);
  if (needs_chroma_) frame += 2 * buffer_bytes(g.chroma_width, g.chroma_height, g.bpc);
  const auto need = [&](unsigned n) {
    const std::size_t slots = (n > 1 ? n + 1 : 1) + look_back_;
    return n * per_worker + slots * (1 + encodes_) * frame;
  };
  unsigned n = max_threads_;
  while (n > 1 && need(n) > memory_budget_) --n;
  working_bytes_ = need(n);
  return n;
}

void Pipeline::set_memory_budget(std::size_t bytes) {
  if (started_ || pushed()) throw InputError("memory_budget must be set before the first frame");
  memory_budget_ = bytes;
}

bool Pipeline::slot_free_locked(unsigned index) const {
  // Frame `index` reuses the slot of frame index - S; that frame must be done,
  // and so must the look_back_ frames after it, which read its reference as
  // prev_ref or prev2_ref (S > look_back_, so they are all below index).
  const unsigned s = static_cast<unsigned>(slots_.size());
  if (index < s) return true;
  const unsigned old = index - s;
  for (unsigned j = 0; j <= look_back_; ++j)
    if (!done_[old + j]) return false;
  return true;
}

void Pipeline::push(const Plane& ref, const Plane& dist) {
  Picture r, d;
  r.planes[0] = ref;
  d.planes[0] = dist;
  push(r, d);
}

void Pipeline::push(const Picture& ref, const Picture& dist) {
  const Source d{&dist};
  push_frame(Source{&ref}, std::span<const Source>(&d, 1));
}

void Pipeline::push_read(const RawReader& ref, std::uint64_t ref_frame, const RawReader& dist,
                         std::uint64_t dist_frame) {
  const Source d{nullptr, &dist, dist_frame};
  push_frame(Source{nullptr, &ref, ref_frame}, std::span<const Source>(&d, 1));
}

Geometry Pipeline::validate(const Picture& ref_pic, const Picture& dist_pic, unsigned index) const {
  const Plane& ref = ref_pic.planes[0];
  const Plane& dist = dist_pic.planes[0];
  const std::string frame = "frame " + std::to_string(index);
  if (ref.width != dist.width || ref.height != dist.height || ref.bpc != dist.bpc)
    throw InputError(frame + ": reference is " + geometry_text(ref) + " but distorted is " + geometry_text(dist));
  if (ref.width <= 0 || ref.height <= 0) throw InputError(frame + " has no pixels");
  if (ref.width > kMaxSide || ref.height > kMaxSide)
    throw InputError(frame + " is " + geometry_text(ref) + "; frames are at most " + std::to_string(kMaxSide) +
                     " pixels a side");
  if (ref.bpc < 8 || ref.bpc > 16) throw InputError("bit depth " + std::to_string(ref.bpc) + " is outside 8..16");
  Geometry g{ref.width, ref.height, ref.bpc};
  if (!needs_chroma_) return g;
  if (ref_pic.count < 3 || dist_pic.count < 3)
    throw InputError("'" + chroma_user_ + "' needs chroma planes, but the input has only luma (gray or numpy input)" +
                     (chroma_user_ == "psnr" ? "; psnr:enable_chroma=false gives psnr_y alone" : ""));
  const Plane& cb = ref_pic.planes[1];
  for (const Picture* pic : {&ref_pic, &dist_pic})
    for (int c = 1; c < 3; ++c) {
      const Plane& p = pic->planes[c];
      if (p.width != cb.width || p.height != cb.height || p.bpc != ref.bpc)
        throw InputError(frame + ": chroma planes differ: reference Cb is " + geometry_text(cb) + ", " +
                         (pic == &ref_pic ? "reference " : "distorted ") + (c == 1 ? "Cb" : "Cr") + " is " +
                         geometry_text(p));
    }
  const auto layout = libvmaf_chroma_layout(ref.width, ref.height, cb.width, cb.height);
  if (!layout)
    throw InputError(frame + ": chroma planes " + std::to_string(cb.width) + "x" + std::to_string(cb.height) +
                     " for " + std::to_string(ref.width) + "x" + std::to_string(ref.height) +
                     " luma are not 4:2:0, 4:2:2 or 4:4:4 (libvmaf's layouts)");
  g.chroma_width = cb.width;
  g.chroma_height = cb.height;
  g.chroma = *layout;
  return g;
}

namespace {
// The shape of a Source's picture (planes without data when it is read from
// a file), for validation.
Picture shape_of(const Pipeline::Source& source) {
  if (source.picture) return *source.picture;
  const RawLayout& l = source.reader->layout();
  Picture p;
  p.planes[0] = Plane{nullptr, 0, l.width, l.height, l.bpc};
  if (l.chroma_width > 0) {
    p.count = 3;
    p.planes[1] = p.planes[2] = Plane{nullptr, 0, l.chroma_width, l.chroma_height, l.bpc};
  }
  return p;
}
}  // namespace

void Pipeline::fail_locked(unsigned encode, std::exception_ptr error, unsigned frame) {
  if (failed_[encode]) return;
  failed_[encode] = std::move(error);
  failed_frame_[encode] = frame;
}

unsigned Pipeline::acquire(const Picture& ref_pic, std::span<const Picture> dists, std::vector<char>& live) {
  const unsigned index = pushed();
  std::optional<Geometry> geometry;
  for (unsigned k = 0; k < encodes_; ++k) {
    if (!live[k]) continue;
    try {
      geometry = validate(ref_pic, dists[k], index);
    } catch (const InputError&) {
      if (!ladder_) throw;
      std::lock_guard lock(mu_);
      fail_locked(k, std::current_exception(), index);
      live[k] = 0;
    }
  }
  if (!geometry) return kNoFrame;
  const Geometry& g = *geometry;
  {
    std::lock_guard lock(mu_);
    rethrow_locked();
    if (closed_) throw Error("push() after close()");
  }
  if (!started_) {
    start(g);
  } else if (g.width != geometry_.width || g.height != geometry_.height || g.bpc != geometry_.bpc ||
             g.chroma_width != geometry_.chroma_width || g.chroma_height != geometry_.chroma_height) {
    throw InputError("frame " + std::to_string(index) + " is " + geometry_text(g) + " but frame 0 was " +
                     geometry_text(geometry_));
  }

  {
    std::unique_lock lock(mu_);
    cv_done_.wait(lock, [&] { return error_ || slot_free_locked(index); });
  }
  try {
    std::lock_guard lock(mu_);
    rethrow_locked();
  } catch (...) {
    abandon(index);
    throw;
  }
  return index;
}

void Pipeline::abandon(unsigned index) {
  // No frame is committed before frame 0: undo the start() made for it.
  if (index == 0 && started_) roll_back();
}

void Pipeline::push_frame(const Source& ref, std::span<const Source> dists) {
  if (dists.size() != encodes_)
    throw Error("push_frame(): " + std::to_string(dists.size()) + " distorted inputs for " +
                std::to_string(encodes_) + " encodes");
  if (!ref.picture && !ref.reader) throw Error("push_frame(): no reference picture");
  std::vector<char> live(encodes_);
  {
    std::lock_guard lock(mu_);
    for (unsigned k = 0; k < encodes_; ++k) {
      live[k] = live_locked(k);
      if (live[k] && !dists[k].picture && !dists[k].reader)
        throw Error("push_frame(): no picture for encode " + std::to_string(k) + ", which has not failed");
    }
    if (std::find(live.begin(), live.end(), 1) == live.end()) {
      rethrow_locked();
      throw Error("push_frame(): every encode has failed");
    }
  }
  std::vector<Picture> shapes(encodes_);
  for (unsigned k = 0; k < encodes_; ++k)
    if (live[k]) shapes[k] = shape_of(dists[k]);
  const unsigned index = acquire(shape_of(ref), shapes, live);
  if (index == kNoFrame) return;  // every encode was refused

  const bool chroma = needs_chroma_;
  Slot& slot = slot_of(index);
  // Copied (checking the sample range as it copies), or in place where the
  // file maps, else read into the slot's buffers (both check the range).
  const auto fill = [&](FramePicture& side, const Source& source, const char* name) {
    if (source.picture) {
      side.use_copy(geometry_, chroma);
      check_sample_range(source.picture->planes[0], index, name, &side.luma_copy);
      if (chroma)
        for (int c = 0; c < 2; ++c)
          check_sample_range(source.picture->planes[c + 1], index, std::string(name) + (c ? " Cr" : " Cb"),
                             &side.chroma_copy[c]);
      return;
    }
    if (auto mapped = source.reader->map(source.frame, chroma)) {
      side.use_mapped(std::move(mapped), chroma);
      return;
    }
    side.use_copy(geometry_, chroma);
    source.reader->read(source.frame, side.luma_copy, chroma ? side.chroma_copy : nullptr);
  };
  try {
    fill(slot.ref, ref, "reference");
  } catch (...) {
    abandon(index);
    throw;
  }
  bool any = false;
  for (unsigned k = 0; k < encodes_; ++k) {
    if (!live[k]) {
      slot.dists[k].mapped.reset();  // no view of a file kept for an encode that is gone
      continue;
    }
    try {
      fill(slot.dists[k], dists[k], "distorted");
      any = true;
    } catch (...) {
      if (!ladder_) {
        abandon(index);
        throw;
      }
      std::lock_guard lock(mu_);
      fail_locked(k, std::current_exception(), index);
      live[k] = 0;
    }
  }
  if (!any) {
    abandon(index);
    return;
  }
  slot.live = std::move(live);
  commit(index);
}

void Pipeline::drop(unsigned encode) {
  if (!ladder_) throw Error("drop(): only a ladder pipeline drops an encode");
  if (encode >= encodes_) throw Error("drop(): no encode " + std::to_string(encode));
  std::lock_guard lock(mu_);
  dropped_[encode] = 1;
}

bool Pipeline::failed(unsigned encode) const {
  if (encode >= encodes_) throw Error("no encode " + std::to_string(encode));
  std::lock_guard lock(mu_);
  return !live_locked(encode);
}

std::exception_ptr Pipeline::error_of(unsigned encode) const {
  if (encode >= encodes_) throw Error("no encode " + std::to_string(encode));
  std::lock_guard lock(mu_);
  return failed_[encode];
}

unsigned Pipeline::failed_frame(unsigned encode) const {
  if (encode >= encodes_) throw Error("no encode " + std::to_string(encode));
  std::lock_guard lock(mu_);
  return failed_frame_[encode];
}

unsigned Pipeline::live_encodes() const {
  std::lock_guard lock(mu_);
  unsigned n = 0;
  for (unsigned k = 0; k < encodes_; ++k) n += live_locked(k) ? 1 : 0;
  return n;
}

void Pipeline::commit(unsigned index) {
  // With subsampling (libvmaf's n_subsample), only temporal extractors see
  // the frames in between, since their next kept frame depends on them.
  std::vector<unsigned> tasks;
  for (unsigned e = 0; e < specs_.size(); ++e)
    if (temporal_[e] || index % subsample_ == 0) tasks.push_back(e);
  {
    std::lock_guard lock(mu_);
    pushed_ = index + 1;
    done_.push_back(tasks.empty());
    remaining_.push_back(static_cast<unsigned>(tasks.size()));
    raw_.emplace_back(row_size_ * encodes_, 0.0);
    final_values_.emplace_back(row_size_ * encodes_, 0.0);
    if (workers_.size() > 1)
      for (unsigned e : tasks) queue_.push_back({index, e});
    if (tasks.empty()) {
      while (extracted_prefix_ < pushed_ && done_[extracted_prefix_]) ++extracted_prefix_;
      settle_locked();
    }
  }
  if (workers_.size() > 1) {
    cv_job_.notify_all();
  } else {
    for (unsigned e : tasks) run_task(*workers_[0], {index, e});
    std::lock_guard lock(mu_);
    rethrow_locked();
  }
}

void Pipeline::run_task(Worker& worker, Task task) {
  const unsigned index = task.frame;
  try {
    const Slot& slot = slot_of(index);
    const Slot* prev_slot = index > 0 ? &slot_of(index - 1) : nullptr;
    const Slot* prev2_slot = index > 1 && look_back_ > 1 ? &slot_of(index - 2) : nullptr;
    PicturePair shared;
    shared.ref = slot.ref.luma;
    for (int c = 0; c < 2; ++c) shared.ref_chroma[c] = slot.ref.chroma[c];
    if (prev_slot) {
      shared.prev_ref = &prev_slot->ref.luma;
      if (needs_chroma_) shared.prev_ref_chroma = prev_slot->ref.chroma;
    }
    if (prev2_slot) shared.prev2_ref = &prev2_slot->ref.luma;
    auto& ex = *worker.extractors[task.extractor];
    const std::size_t width = ex.provides().size() + ex.scratch();
    auto& encodes = worker.encodes;
    encodes.clear();
    double* row;
    {
      std::lock_guard lock(mu_);
      if (error_) return;
      row = raw_[index].data();
      for (unsigned k = 0; k < encodes_; ++k)
        if (slot.live[k] && live_locked(k)) encodes.push_back(k);
    }
    auto& pairs = worker.pairs;
    auto& outs = worker.outs;
    pairs.assign(encodes.size(), shared);
    outs.clear();
    for (std::size_t i = 0; i < encodes.size(); ++i) {
      const FramePicture& dist = slot.dists[encodes[i]];
      pairs[i].dist = dist.luma;
      // An encode pushed with this frame was pushed with the one before.
      if (prev_slot) pairs[i].prev_dist = &prev_slot->dists[encodes[i]].luma;
      for (int c = 0; c < 2; ++c) pairs[i].dist_chroma[c] = dist.chroma[c];
      outs.emplace_back(row + encodes[i] * row_size_ + offsets_[task.extractor], width);
    }
    if (!ladder_)
      ex.extract(pairs[0], index, outs[0]);
    else if (!pairs.empty())
      ex.extract_ladder(pairs, index, outs);
    // A file cut short under a mapped frame reads as zeros: refuse the values
    // (the reference's for every encode, an encode's for that encode).
    const Slot* prev = ex.look_back() > 0 ? prev_slot : nullptr;
    const Slot* prev2 = ex.look_back() > 1 ? prev2_slot : nullptr;
    for (const Slot* s : {&slot, prev, prev2})
      if (s)
        if (auto message = truncation(s->ref)) throw InputError(*message);
    for (unsigned k : encodes)
      for (const Slot* s : {&slot, prev}) {
        if (!s) continue;
        auto message = truncation(s->dists[k]);
        if (!message) continue;
        if (!ladder_) throw InputError(*message);
        std::lock_guard lock(mu_);
        fail_locked(k, std::make_exception_ptr(InputError(*message)), index);
      }
    std::lock_guard lock(mu_);
    if (--remaining_[index] == 0) {
      done_[index] = true;
      while (extracted_prefix_ < pushed_ && done_[extracted_prefix_]) ++extracted_prefix_;
      settle_locked();
    }
  } catch (...) {
    std::lock_guard lock(mu_);
    if (!error_) error_ = std::current_exception();
  }
  cv_done_.notify_all();
}

void Pipeline::worker_loop(Worker& worker) {
  for (;;) {
    Task task;
    {
      std::unique_lock lock(mu_);
      cv_job_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      task = queue_.front();
      queue_.pop_front();
    }
    run_task(worker, task);
  }
}

void Pipeline::settle_locked() {
  // Frame i is final once it is extracted and so are the look_ahead_ frames
  // after it (the most any temporal extractor reads), or the clip has ended.
  const unsigned limit = closed_ ? extracted_prefix_
                                 : extracted_prefix_ - std::min(extracted_prefix_, look_ahead_);
  for (; final_ < limit; ++final_) {
    auto& out = final_values_[final_];
    out = raw_[final_];
    const bool last = closed_ && final_ + 1 == pushed_;
    for (std::size_t e = 0; e < specs_.size(); ++e) {
      if (!temporal_[e]) continue;
      const auto& ex = *workers_[0]->extractors[e];
      for (unsigned k = 0; k < encodes_; ++k) {
        const std::size_t offset = k * row_size_ + offsets_[e];
        History history(*this, offset);
        ex.finalize(history, final_, last, std::span<double>(out.data() + offset, ex.provides().size()));
      }
    }
  }
  score_locked(closed_ && final_ == pushed_);
}

void Pipeline::set_model(std::shared_ptr<const Model> model, ModelMode mode, unsigned batch) {
  std::lock_guard lock(mu_);
  if (pushed_) throw Error("set_model() after the first frame");
  if (!model) throw InputError("set_model(): no model given");
  std::vector<std::size_t> cols;
  for (const auto& c : model->columns()) {
    const auto it = std::find(columns_.begin(), columns_.end(), c);
    if (it == columns_.end()) throw InputError("the model needs feature '" + c + "', which no extractor here provides");
    cols.push_back(visible_[static_cast<std::size_t>(it - columns_.begin())]);
  }
  model_ = std::move(model);
  model_mode_ = mode;
  model_batch_ = mode == ModelMode::stream ? 1 : std::max(1u, batch);
  model_columns_ = std::move(cols);
}

void Pipeline::score_locked(bool flush) {
  if (!model_) return;
  // Final frames the model scores (every subsample-th) and has not scored yet.
  std::vector<unsigned> pending;
  for (unsigned i = model_next_; i < final_; ++i)
    if (i % subsample_ == 0) pending.push_back(i);
  const std::size_t f = model_columns_.size();
  std::size_t done = 0;
  while (done < pending.size()) {
    const std::size_t n = std::min<std::size_t>(pending.size() - done, model_batch_);
    if (n < model_batch_ && !flush) break;
    std::vector<double> x(n * f);
    for (unsigned k = 0; k < encodes_; ++k) {
      if (!live_locked(k)) continue;  // a failed encode's rows are not scored
      const std::size_t base = k * row_size_;
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t c = 0; c < f; ++c) x[i * f + c] = final_values_[pending[done + i]][base + model_columns_[c]];
      auto& scores = model_scores_[k];
      const std::size_t first = scores.size();
      scores.resize(first + n);
      model_->predict(x.data(), n, scores.data() + first);
    }
    done += n;
    model_next_ = pending[done - 1] + 1;
  }
  if (done == pending.size()) model_next_ = final_;
}

void Pipeline::set_subsample(unsigned n) {
  std::lock_guard lock(mu_);
  if (pushed_) throw Error("set_subsample() after the first frame");
  if (n == 0) throw InputError("subsample must be at least 1");
  subsample_ = n;
}

unsigned Pipeline::scored_count(unsigned encode) const {
  if (encode >= encodes_) throw Error("no encode " + std::to_string(encode));
  std::lock_guard lock(mu_);
  return model_ ? static_cast<unsigned>(model_scores_[encode].size()) : final_;
}

std::vector<double> Pipeline::scores(unsigned start, unsigned stop, unsigned encode) const {
  if (encode >= encodes_) throw Error("no encode " + std::to_string(encode));
  std::lock_guard lock(mu_);
  if (!model_) throw Error("scores(): no model is attached");
  const auto& scores = model_scores_[encode];
  if (start > stop || stop > scores.size()) throw Error("scores(): frames are not scored yet");
  return {scores.begin() + start, scores.begin() + stop};
}

std::vector<double> Pipeline::model_rows(unsigned encode) const {
  if (encode >= encodes_) throw Error("no encode " + std::to_string(encode));
  std::lock_guard lock(mu_);
  if (!model_) throw Error("model_rows(): no model is attached");
  const std::size_t n = model_scores_[encode].size(), f = model_columns_.size();
  std::vector<double> x(n * f);
  for (std::size_t k = 0; k < n; ++k) {
    const double* row = final_values_[k * subsample_].data() + encode * row_size_;
    for (std::size_t c = 0; c < f; ++c) x[k * f + c] = row[model_columns_[c]];
  }
  return x;
}

std::shared_ptr<const Model> Pipeline::model() const {
  std::lock_guard lock(mu_);
  return model_;
}

void Pipeline::rethrow_locked() {
  if (error_) std::rethrow_exception(error_);
}

void Pipeline::close() {
  std::unique_lock lock(mu_);
  if (closed_) {
    rethrow_locked();
    return;
  }
  cv_done_.wait(lock, [&] { return error_ || extracted_prefix_ == pushed_; });
  closed_ = true;
  rethrow_locked();
  settle_locked();
  if (aggregate_columns_.empty() || !workers_.size()) return;
  aggregates_.assign(encodes_, std::vector<double>(aggregate_columns_.size(), 0.0));
  for (unsigned k = 0; k < encodes_; ++k) {
    std::size_t at = 0;
    for (std::size_t e = 0; e < specs_.size(); ++e) {
      const auto& ex = *workers_[0]->extractors[e];
      const std::size_t n = ex.aggregates().size();
      if (n == 0) continue;
      History history(*this, k * row_size_ + offsets_[e]);
      ex.aggregate(history, std::span<double>(aggregates_[k].data() + at, n));
      at += n;
    }
  }
}

std::vector<double> Pipeline::aggregates(unsigned encode) const {
  if (encode >= encodes_) throw Error("no encode " + std::to_string(encode));
  std::lock_guard lock(mu_);
  if (!closed_) throw Error("aggregates(): the clip has not ended (close() first)");
  if (aggregates_.empty()) return std::vector<double>(aggregate_columns_.size(), 0.0);
  return aggregates_[encode];
}

unsigned Pipeline::pushed() const {
  std::lock_guard lock(mu_);
  return pushed_;
}

unsigned Pipeline::final_count() const {
  std::lock_guard lock(mu_);
  return final_;
}

void Pipeline::final_row(unsigned index, double* out, unsigned encode) const {
  if (encode >= encodes_) throw Error("no encode " + std::to_string(encode));
  std::lock_guard lock(mu_);
  if (index >= final_) throw Error("frame " + std::to_string(index) + " is not final yet");
  const double* row = final_values_[index].data() + encode * row_size_;
  for (std::size_t c = 0; c < visible_.size(); ++c) out[c] = row[visible_[c]];
}

std::vector<double> Pipeline::final_values(unsigned encode) const {
  if (encode >= encodes_) throw Error("no encode " + std::to_string(encode));
  std::lock_guard lock(mu_);
  std::vector<double> all;
  all.reserve(static_cast<std::size_t>(final_) * visible_.size());
  for (unsigned i = 0; i < final_; ++i)
    for (std::size_t slot : visible_) all.push_back(final_values_[i][encode * row_size_ + slot]);
  return all;
}

}  // namespace pvt
