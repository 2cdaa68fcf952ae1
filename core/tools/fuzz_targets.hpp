#pragma once
// pvt-fuzz's targets: each takes one input's bytes and runs it through one
// part of the core in-process, saying whether the core accepted it, refused
// it within the contract (InputError / ModelError; the JSON parser's own
// ParseError for the `json` target), or did something else (a finding).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_mutator.hpp"

namespace pvt_fuzz {

enum class Outcome { accepted, refused, skipped, finding };

struct Result {
  Outcome outcome = Outcome::accepted;
  std::string detail;  // the refusal's message, or what the finding is
};

struct Context {
  std::string scratch;      // a private directory for files the case needs
  std::uint64_t case_seed;  // for choices a target makes (extractors, threads)
  std::vector<std::string> vmaf_models;  // libvmaf JSON models' text, one scored on y4m/raw frames now and then
  int model_choice = -1;                 // which: -1 at random, -2 none, else that one
};

struct Target {
  const char* name;
  Shape shape;
  std::vector<const char*> seed_dirs;  // under the seed corpus, first the target's own
  std::size_t max_bytes;
  Result (*run)(const std::string& input, const Context& context);
  bool hidden = false;      // not among the default targets (the harness's own self-test)
  bool scores = false;      // runs frames through the pipeline (a replay tries every model)
};

const std::vector<Target>& targets();
const Target* find_target(const std::string& name);

// Whether `text` is one JSON text by RFC 8259's grammar, in valid UTF-8
// (the `json` target's oracle: the parser must not accept what this refuses).
bool strict_json(const std::string& text, std::string* why = nullptr);

}  // namespace pvt_fuzz
