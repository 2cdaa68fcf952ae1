#pragma once
#include <condition_variable>
#include <cstdint>
#include <cstddef>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "pyvmaf_tiny/extractor.hpp"
#include "pyvmaf_tiny/model.hpp"
#include "pyvmaf_tiny/picture.hpp"
#include "pyvmaf_tiny/raw_reader.hpp"

namespace pvt {

// Runs a set of extractors over a stream of frame pairs on `threads` workers
// (0 = all cores). Each (frame, extractor) pair is one task, so threads share
// the work of a frame as well as working on different frames. At most
// threads + 2 frame pairs are held at once (threads + 3 with integer motion's
// five-frame window, which reads two frames back), whatever the clip length. Frames
// are final (all values settled) in order; final_count() says how many.
//
// Workers are clamped to the machine's cores (std::thread::hardware_concurrency)
// and, at the first frame, to a working-memory budget: each worker's
// extractor buffers (what worker 0 takes from the buffer pool as it is
// built, before the others start) plus the frame pairs in
// flight must fit memory_budget(), kDefaultMemoryBudget unless set; one worker
// always runs. threads() reports the count in use.
//
// A push that is refused (geometry, layout, sample range, mismatch, an
// extractor refusing the first frame's geometry) changes nothing: the next
// push sees the pipeline as it was. Errors raised while frames are being
// extracted are kept and rethrown by every later call.
//
// Ladder mode (encodes > 1): one reference against several distorted inputs
// (encodes) in one pass. Each frame of the reference is read once; each task
// is one extractor on one frame of every encode (Extractor::extract_ladder(),
// which shares the reference's work). Every value equals what a pipeline of
// that pair alone computes. An encode's own failure (its frame's geometry,
// bit depth, samples or read, its file cut short) fails that encode alone
// (failed(), error_of()) and the others go on; a failure of the reference or
// of an extractor fails the pipeline as above. Rows and scores are per encode.
class Pipeline {
 public:
  // 2 GiB. At 8K (7680x4320), vif + adm + motion hold about 105 MiB a worker
  // and each frame pair in flight 63 MiB (8-bit) or 127 MiB (9..16-bit), so
  // 11 (8-bit) or 7 workers fit; at 4K about four times as many, more than
  // most machines have cores.
  static constexpr std::size_t kDefaultMemoryBudget = std::size_t{2} << 30;

  Pipeline(std::vector<ExtractorSpec> specs, unsigned threads, unsigned encodes = 1);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Feature names, in column order (the wanted outputs of every extractor).
  const std::vector<std::string>& columns() const { return columns_; }
  // Clip-level outputs (Extractor::aggregates()), in extractor order.
  const std::vector<std::string>& aggregate_columns() const { return aggregate_columns_; }
  // Workers in use (after the first push) or at most in use (before it).
  unsigned threads() const { return threads_; }
  // Distorted inputs per frame: 1, or more in ladder mode.
  unsigned encodes() const { return encodes_; }

  // Working-memory budget in bytes for the worker-count clamp; before push().
  void set_memory_budget(std::size_t bytes);
  std::size_t memory_budget() const { return memory_budget_; }
  // The estimate the clamp used: extractor buffers of every worker plus the
  // frame pairs in flight (0 before the first push).
  std::size_t working_bytes() const { return working_bytes_; }

  // Scores each final frame with `model`: one frame at a time as soon as it is
  // final (stream), or in batches of up to `batch` frames (batch). Call before
  // the first push(); the model's columns must be among columns().
  enum class ModelMode { stream, batch };
  void set_model(std::shared_ptr<const Model> model, ModelMode mode, unsigned batch = 1024);

  // libvmaf's n_subsample: only every n-th frame (0, n, 2n, ...) is extracted
  // and scored; temporal extractors still see every frame. Call before push().
  void set_subsample(unsigned n);
  unsigned subsample() const { return subsample_; }

  // Copies one frame pair in and schedules it; blocks while the window is full.
  // Throws InputError on a geometry change, a ref/dist mismatch, sides over
  // kMaxSide, a chroma layout other than 4:2:0 / 4:2:2 / 4:4:4 (when an
  // extractor reads chroma) or samples above the bit depth, and rethrows any
  // error raised by an extractor.
  void push(const Plane& ref, const Plane& dist);
  // The same with chroma planes, which are kept only if an extractor needs them.
  void push(const Picture& ref, const Picture& dist);
  // The same, reading the frames straight from the files: viewed in place
  // where they map, else copied in (chroma only if an extractor needs it).
  void push_read(const RawReader& ref, std::uint64_t ref_frame, const RawReader& dist, std::uint64_t dist_frame);

  // One picture of a frame for push_frame(): a Picture to copy in, or frame
  // `frame` of `reader` (viewed in place where it maps, else read in).
  // Neither: an encode that is not pushed any more (failed or dropped).
  struct Source {
    const Picture* picture = nullptr;
    const RawReader* reader = nullptr;
    std::uint64_t frame = 0;
  };
  // One frame of the reference and of every encode (dists[k] for encode k;
  // encodes() of them), each side copied or read as its Source says. With
  // one encode this is push() / push_read(). In ladder mode an encode whose
  // side is refused (or cannot be read) fails alone and the push goes on;
  // when no encode is left the frame is not pushed. Throws Error if every
  // encode had failed before the call.
  void push_frame(const Source& ref, std::span<const Source> dists);
  // Ladder mode: stops scoring `encode` (an error its caller found); its
  // later frames are skipped. Not an error of the pipeline.
  void drop(unsigned encode);
  // Ladder mode: whether `encode` failed here or was dropped, and the error
  // it failed with here (null when it did not, or was dropped); the frame it
  // failed on.
  bool failed(unsigned encode) const;
  std::exception_ptr error_of(unsigned encode) const;
  unsigned failed_frame(unsigned encode) const;
  unsigned live_encodes() const;
  bool needs_chroma() const { return needs_chroma_; }
  // The first extractor that needs chroma ("" if none), for messages.
  const std::string& chroma_user() const { return chroma_user_; }

  // Waits for all frames and settles the last one. Idempotent.
  void close();

  unsigned pushed() const;
  // Frames [0, final_count()) are final.
  unsigned final_count() const;
  // Copies the final values of frame `index` (must be < final_count()) of
  // `encode`.
  void final_row(unsigned index, double* out, unsigned encode = 0) const;
  // All final values of `encode`, frames x columns, row-major.
  std::vector<double> final_values(unsigned encode = 0) const;
  // The values of aggregate_columns() for `encode`; after close().
  std::vector<double> aggregates(unsigned encode = 0) const;

  // The first scored_count() kept frames (every subsample-th) have model
  // scores; without a model, the number of final frames.
  unsigned scored_count(unsigned encode = 0) const;
  // Model scores of kept frames [start, stop) (in kept-frame order) of `encode`.
  std::vector<double> scores(unsigned start, unsigned stop, unsigned encode = 0) const;
  // The model's inputs for the kept frames it scored (scored_count() x the
  // model's columns, row-major, in its column order), and the model itself.
  std::vector<double> model_rows(unsigned encode = 0) const;
  std::shared_ptr<const Model> model() const;

 private:
  struct Slot;
  struct Worker;
  class History;

  void start(const Geometry& g);
  // Undoes start(): joins its threads, drops workers and slots.
  void roll_back();
  void init_worker(Worker& worker, const Geometry& g) const;
  // The workers that fit the memory budget with `per_worker` bytes of
  // extractor buffers each (sets working_bytes_).
  unsigned fit_workers(const Geometry& g, std::size_t per_worker);
  // The geometry of a frame pair, validated (throws InputError).
  Geometry validate(const Picture& ref, const Picture& dist, unsigned index) const;
  // push_frame() in two halves: validate, start, wait for a free slot (the
  // frame's index); then schedule the filled slot. Between them, a refusal
  // calls abandon(index), which undoes a start() made for this frame.
  // acquire() clears live[k] for each encode it refuses (ladder mode; with
  // one encode it throws instead).
  static constexpr unsigned kNoFrame = ~0u;  // acquire(): every encode was refused
  unsigned acquire(const Picture& ref, std::span<const Picture> dists, std::vector<char>& live);
  void abandon(unsigned index);
  void commit(unsigned index);  // the slot's `live` is set
  void fail_locked(unsigned encode, std::exception_ptr error, unsigned frame);
  bool live_locked(unsigned encode) const { return !failed_[encode] && !dropped_[encode]; }
  struct Task {
    unsigned frame;
    unsigned extractor;
  };
  void run_task(Worker& worker, Task task);
  void worker_loop(Worker& worker);
  void settle_locked();
  void rethrow_locked();
  Slot& slot_of(unsigned index) { return *slots_[index % slots_.size()]; }
  bool slot_free_locked(unsigned index) const;

  std::vector<ExtractorSpec> specs_;
  unsigned encodes_ = 1;
  bool ladder_ = false;  // encodes_ > 1
  std::vector<std::string> columns_;
  std::vector<std::string> aggregate_columns_;
  std::vector<std::vector<double>> aggregates_;  // per encode, set by close()
  std::vector<std::size_t> visible_;   // for each column, its slot in a frame's row of every output
  std::size_t row_size_ = 0;           // every output of every extractor
  std::vector<std::size_t> offsets_;   // each extractor's first slot in that row
  std::vector<std::vector<bool>> wanted_;  // per extractor, per output
  std::vector<std::shared_ptr<RunShared>> run_shared_;  // per extractor: Extractor::open_run() of this run
  std::vector<bool> temporal_;
  unsigned look_back_ = 0;   // earlier reference frames an extractor reads (Extractor::look_back())
  unsigned look_ahead_ = 0;  // later frames a frame's finalize() reads (Extractor::look_ahead())
  bool needs_chroma_ = false;
  std::string chroma_user_;  // an extractor that needs chroma, for messages
  unsigned threads_ = 1;      // in use (or at most, before start())
  unsigned max_threads_ = 1;  // asked for, clamped to the cores
  std::size_t memory_budget_ = kDefaultMemoryBudget;
  std::size_t working_bytes_ = 0;

  bool started_ = false;
  Geometry geometry_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_pool_;

  mutable std::mutex mu_;
  std::condition_variable cv_job_;
  std::condition_variable cv_done_;
  std::deque<Task> queue_;
  bool stopping_ = false;
  bool closed_ = false;
  std::exception_ptr error_;
  std::vector<std::exception_ptr> failed_;  // per encode (ladder mode)
  std::vector<unsigned> failed_frame_;
  std::vector<char> dropped_;

  unsigned pushed_ = 0;
  unsigned extracted_prefix_ = 0;  // frames [0, n) are extracted
  unsigned final_ = 0;
  std::deque<bool> done_;
  std::deque<unsigned> remaining_;  // tasks still to run, per frame
  // Per frame, every encode's row of every output (encode k's at k * row_size_).
  std::deque<std::vector<double>> raw_;    // values as extract() wrote them
  std::deque<std::vector<double>> final_values_;

  std::shared_ptr<const Model> model_;
  ModelMode model_mode_ = ModelMode::stream;
  unsigned model_batch_ = 1;
  std::vector<std::size_t> model_columns_;
  std::vector<std::vector<double>> model_scores_;  // per encode
  unsigned model_next_ = 0;  // first final frame not yet considered for scoring
  unsigned subsample_ = 1;
  void score_locked(bool flush);
};

}  // namespace pvt
