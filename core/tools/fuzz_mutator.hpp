#pragma once
// pvt-fuzz's deterministic mutator: byte-level edits (bit and byte flips,
// inserts, deletes, duplicated chunks, splices between seeds, interesting
// integers) and structure-aware ones for Y4M headers and frame markers,
// decimal fields, JSON tokens and protobuf (ONNX) fields. The same seed
// always gives the same case, on any machine.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace pvt_fuzz {

// splitmix64: small, fast, and the same everywhere.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) (n > 0).
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  bool chance(unsigned percent) { return below(100) < percent; }

 private:
  std::uint64_t s_;
};

std::uint64_t fnv1a(const void* data, std::size_t n, std::uint64_t h = 0xcbf29ce484222325ull);
std::uint64_t fnv1a(const std::string& s);

// What structure the inputs of a target have, for the structure-aware edits.
enum class Shape { y4m, raw, json, protobuf };

// Applies 1..max_edits stacked edits to `data` (never longer than max_bytes);
// `pool` holds the target's seeds, for splices.
void mutate(std::string& data, Rng& rng, Shape shape, const std::vector<std::string>& pool, std::size_t max_bytes,
            unsigned max_edits = 6);

// The individual structure-aware edits, exposed for the harness's tests.
void mutate_bytes(std::string& data, Rng& rng, const std::vector<std::string>& pool);
void mutate_decimal(std::string& data, Rng& rng);
void mutate_y4m(std::string& data, Rng& rng);
void mutate_json(std::string& data, Rng& rng, std::size_t max_bytes);
void mutate_protobuf(std::string& data, Rng& rng);

}  // namespace pvt_fuzz
