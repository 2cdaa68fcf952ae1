#pragma once
#include <condition_variable>
#include <cstdint>
#include <cstddef>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
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
// threads + 2 frame pairs are held at once, whatever the clip length. Frames
// are final (all values settled) in order; final_count() says how many.
class Pipeline {
 public:
  Pipeline(std::vector<ExtractorSpec> specs, unsigned threads);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Feature names, in column order (the wanted outputs of every extractor).
  const std::vector<std::string>& columns() const { return columns_; }
  unsigned threads() const { return threads_; }

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
  // Throws InputError on a geometry change or a ref/dist mismatch, and rethrows
  // any error raised by an extractor.
  void push(const Plane& ref, const Plane& dist);
  // The same with chroma planes, which are kept only if an extractor needs them.
  void push(const Picture& ref, const Picture& dist);
  // The same, reading the frames straight from the files: viewed in place
  // where they map, else copied in (chroma only if an extractor needs it).
  void push_read(const RawReader& ref, std::uint64_t ref_frame, const RawReader& dist, std::uint64_t dist_frame);
  bool needs_chroma() const { return needs_chroma_; }
  // The first extractor that needs chroma ("" if none), for messages.
  const std::string& chroma_user() const { return chroma_user_; }

  // Waits for all frames and settles the last one. Idempotent.
  void close();

  unsigned pushed() const;
  // Frames [0, final_count()) are final.
  unsigned final_count() const;
  // Copies the final values of frame `index` (must be < final_count()).
  void final_row(unsigned index, double* out) const;
  // All final values, frames x columns, row-major.
  std::vector<double> final_values() const;

  // The first scored_count() kept frames (every subsample-th) have model
  // scores; without a model, the number of final frames.
  unsigned scored_count() const;
  // Model scores of kept frames [start, stop) (in kept-frame order).
  std::vector<double> scores(unsigned start, unsigned stop) const;

 private:
  struct Slot;
  struct Worker;
  class History;

  void start(const Geometry& g);
  void init_worker(Worker& worker, const Geometry& g) const;
  // push() in two halves: validate, start, wait for a free slot (the frame's
  // index); then schedule the filled slot.
  unsigned acquire(const Picture& ref, const Picture& dist);
  void commit(unsigned index);
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
  std::vector<std::string> columns_;
  std::vector<std::size_t> visible_;   // for each column, its slot in a frame's row of every output
  std::size_t row_size_ = 0;           // every output of every extractor
  std::vector<std::size_t> offsets_;   // each extractor's first slot in that row
  std::vector<std::vector<bool>> wanted_;  // per extractor, per output
  std::vector<bool> temporal_;
  bool any_temporal_ = false;
  bool needs_chroma_ = false;
  std::string chroma_user_;  // an extractor that needs chroma, for messages
  unsigned threads_ = 1;

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

  unsigned pushed_ = 0;
  unsigned extracted_prefix_ = 0;  // frames [0, n) are extracted
  unsigned final_ = 0;
  std::deque<bool> done_;
  std::deque<unsigned> remaining_;  // tasks still to run, per frame
  std::deque<std::vector<double>> raw_;    // values as extract() wrote them
  std::deque<std::vector<double>> final_values_;

  std::shared_ptr<const Model> model_;
  ModelMode model_mode_ = ModelMode::stream;
  unsigned model_batch_ = 1;
  std::vector<std::size_t> model_columns_;
  std::vector<double> model_scores_;
  unsigned model_next_ = 0;  // first final frame not yet considered for scoring
  unsigned subsample_ = 1;
  void score_locked(bool flush);
};

}  // namespace pvt
