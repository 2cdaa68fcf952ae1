// pvt-features: runs extractors over raw planar YUV or Y4M files and prints
// every frame's features as JSON. A debugging and sanitizer-testing aid; the
// Python package is the supported interface. With --time N it instead times
// each extractor alone on the first frame pair (see time_extractors()).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "pyvmaf_tiny/cpu.hpp"
#include "pyvmaf_tiny/dnn.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/model_file.hpp"
#include "pyvmaf_tiny/pipeline.hpp"
#include "pyvmaf_tiny/raw_reader.hpp"
#include "pyvmaf_tiny/registry.hpp"
#include "pyvmaf_tiny/y4m.hpp"
#include "../src/platform/file.hpp"

namespace {

struct Format {
  int bpc = 8;
  int shift_x = 0, shift_y = 0;  // chroma subsampling
  bool chroma = true;

};

// ffmpeg names: yuv420p, yuv422p, yuv444p, gray, with an optional 9/10/12/14/16le depth.
Format parse_pix_fmt(const std::string& s) {
  Format f;
  std::string base = s;
  for (int b : {9, 10, 12, 14, 16}) {
    const std::string tag = std::to_string(b) + "le";
    if (s.size() > tag.size() && s.compare(s.size() - tag.size(), tag.size(), tag) == 0) {
      f.bpc = b;
      base = s.substr(0, s.size() - tag.size());
    }
  }
  if (base == "yuv420p") f.shift_x = f.shift_y = 1;
  else if (base == "yuv422p") f.shift_x = 1;
  else if (base == "yuv444p") {}
  else if (base == "gray") f.chroma = false;
  else throw pvt::InputError("unsupported pix_fmt " + s);
  return f;
}

// A value as JSON (with Python's NaN and Infinity), the same on every system:
// a NaN's sign, which differs between x86 and ARM, is not printed.
void print_number(const char* before, double v) {
  if (std::isnan(v)) std::printf("%sNaN", before);
  else if (std::isinf(v)) std::printf("%s%sInfinity", before, v < 0 ? "-" : "");
  else std::printf("%s%.17g", before, v);
}

void usage() {
  std::fprintf(stderr,
               "usage: pvt-features --isas\n"
               "       pvt-features REF DIST [WIDTH HEIGHT PIX_FMT] [--threads N] "
               "[--extractor NAME[:key=val,...]]... [--model MODEL.json [--device D] [--dnn-mode stream|batch]] "
               "[--time N] [--ladder DIST2]...\n"
               "REF and DIST are raw planar YUV, whose geometry WIDTH HEIGHT PIX_FMT give, or .y4m files, which "
               "carry their own.\nMODEL.json is a libvmaf model or a pyvmaf-tiny ONNX sidecar.\n"
               "--isas lists the kernel sets this build offers on this CPU, best last.\n");
  std::exit(2);
}

int parse_int(const char* s, const char* what) {
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(s, &end, 10);
  if (end == s || *end || errno || v < 0 || v > (1 << 30)) throw pvt::InputError(std::string("bad ") + what + " " + s);
  return static_cast<int>(v);
}

bool is_y4m(const std::string& path) {
  return path.size() >= 4 && path.compare(path.size() - 4, 4, ".y4m") == 0;
}

// Calls each extractor (only the outputs its spec asks for) `calls` times on
// frame pair 0 of the files, in this thread, and prints the median and
// fastest milliseconds per call as JSON. Kernel A/B tests time this way: no
// process start, file mapping or scheduling in the figure, and the frame
// stays in cache. Temporal extractors get frame 0 as their previous frame.
void time_extractors(const std::vector<pvt::ExtractorSpec>& specs, const pvt::RawReader& ref,
                     const pvt::RawReader& dist, int calls) {
  const pvt::RawLayout& l = ref.layout();
  std::vector<std::unique_ptr<pvt::Extractor>> extractors;
  for (const auto& spec : specs) {
    auto ex = pvt::make_extractor(spec.name, spec.options);
    if (ex->needs_chroma()) throw pvt::InputError("--time: " + spec.name + " reads chroma, which it does not load");
    std::vector<bool> wanted;
    for (const auto& f : ex->provides())
      wanted.push_back(spec.only.empty() || std::find(spec.only.begin(), spec.only.end(), f) != spec.only.end());
    ex->restrict_outputs(wanted);
    ex->init(pvt::Geometry{l.width, l.height, l.bpc});
    extractors.push_back(std::move(ex));
  }
  pvt::PlaneBuffer ref_luma(l.width, l.height, l.bpc), dist_luma(l.width, l.height, l.bpc);
  ref.read(0, ref_luma, nullptr);
  dist.read(0, dist_luma, nullptr);
  pvt::PicturePair pair;
  pair.ref = ref_luma.view();
  pair.dist = dist_luma.view();
  pair.prev_ref = &pair.ref;
  std::printf("{");
  for (std::size_t e = 0; e < extractors.size(); ++e) {
    pvt::Extractor& ex = *extractors[e];
    std::vector<double> out(ex.provides().size()), ms;
    ex.extract(pair, 0, out);  // warm-up
    for (int i = 0; i < calls; ++i) {
      const auto start = std::chrono::steady_clock::now();
      ex.extract(pair, 1, out);
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(ms.begin(), ms.end());
    std::printf("%s\"%s\": {\"median_ms\": %.4f, \"min_ms\": %.4f}", e ? ", " : "", specs[e].name.c_str(),
                ms[ms.size() / 2], ms.front());
  }
  std::printf("}\n");
}

}  // namespace

int main(int argc, char** argv) {
  pvt::platform::binary_stdout();  // the same bytes on every system
  if (argc == 2 && std::string(argv[1]) == "--isas") {
    for (const pvt::Isa isa : pvt::available_isas()) std::printf("%s\n", pvt::isa_name(isa));
    return 0;
  }
  if (argc < 3) usage();
  try {
    // A forced kernel set this build or CPU lacks is refused before any work,
    // whichever extractors run.
    pvt::active_isa();
    const std::string ref_path = argv[1], dist_path = argv[2];
    // Geometry arguments, needed (and allowed) only for raw files.
    const bool raw = !is_y4m(ref_path) || !is_y4m(dist_path);
    if (raw && argc < 6) usage();
    const int first_option = raw ? 6 : 3;
    unsigned threads = 1;
    int time_calls = 0;
    std::string model_path, device = "auto", dnn_mode = "batch";
    std::vector<pvt::ExtractorSpec> specs;
    std::vector<std::string> ladder_paths;  // further encodes of REF: ladder mode
    for (int i = first_option; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--threads" && i + 1 < argc) {
        threads = static_cast<unsigned>(parse_int(argv[++i], "--threads"));
      } else if (a == "--model" && i + 1 < argc) {
        model_path = argv[++i];
      } else if (a == "--device" && i + 1 < argc) {
        device = argv[++i];
      } else if (a == "--dnn-mode" && i + 1 < argc) {
        dnn_mode = argv[++i];
      } else if (a == "--time" && i + 1 < argc) {
        time_calls = parse_int(argv[++i], "--time");
        if (time_calls < 1) usage();
      } else if (a == "--ladder" && i + 1 < argc) {
        ladder_paths.emplace_back(argv[++i]);
      } else if (a == "--extractor" && i + 1 < argc) {
        std::string s = argv[++i];
        pvt::ExtractorSpec spec;
        const auto colon = s.find(':');
        spec.name = s.substr(0, colon);
        if (colon != std::string::npos) {
          std::string rest = s.substr(colon + 1);
          std::size_t pos = 0;
          while (pos < rest.size()) {
            const auto comma = rest.find(',', pos);
            const std::string kv = rest.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
            const auto eq = kv.find('=');
            if (eq == std::string::npos) usage();
            spec.options[kv.substr(0, eq)] = kv.substr(eq + 1);
            if (comma == std::string::npos) break;
            pos = comma + 1;
          }
        }
        specs.push_back(spec);
      } else {
        usage();
      }
    }
    std::shared_ptr<pvt::Model> model;
    if (!model_path.empty()) {
      model = pvt::load_model_file(model_path, pvt::DnnOptions{device});
      for (const auto& spec : model->extractor_specs())
        if (std::none_of(specs.begin(), specs.end(), [&](const auto& s) { return s.name == spec.name; }))
          specs.push_back(spec);
    }
    if (specs.empty()) specs = {{"vif", {}}, {"adm", {}}, {"motion", {}}};

    // Raw files: luma, then Cb and Cr at the subsampled size (rounded up, as ffmpeg lays them out).
    pvt::RawLayout layout;
    if (raw) {
      const Format fmt = parse_pix_fmt(argv[5]);
      layout.width = parse_int(argv[3], "width");
      layout.height = parse_int(argv[4], "height");
      layout.bpc = fmt.bpc;
      if (fmt.chroma) {
        layout.chroma_width = (layout.width + (1 << fmt.shift_x) - 1) >> fmt.shift_x;
        layout.chroma_height = (layout.height + (1 << fmt.shift_y) - 1) >> fmt.shift_y;
      }
    }
    const auto open = [&](const std::string& path) -> std::unique_ptr<pvt::RawReader> {
      if (is_y4m(path)) return pvt::Y4mReader::open(path);
      return std::make_unique<pvt::RawReader>(path, layout);
    };
    const std::unique_ptr<pvt::RawReader> ref_reader = open(ref_path), dist_reader = open(dist_path);
    const pvt::RawReader &ref = *ref_reader, &dist = *dist_reader;
    if (time_calls) {
      time_extractors(specs, ref, dist, time_calls);
      return 0;
    }
    std::vector<std::unique_ptr<pvt::RawReader>> dists;
    dists.push_back(open(dist_path));
    for (const auto& path : ladder_paths) dists.push_back(open(path));
    pvt::Pipeline pipeline(specs, threads, static_cast<unsigned>(dists.size()));
    if (model)
      pipeline.set_model(model, dnn_mode == "stream" ? pvt::Pipeline::ModelMode::stream
                                                     : pvt::Pipeline::ModelMode::batch);
    std::uint64_t frames = ref.frame_count();
    for (const auto& d : dists) frames = std::min(frames, d->frame_count());
    std::vector<pvt::Pipeline::Source> sources(dists.size());
    for (std::uint64_t i = 0; i < frames; ++i) {
      for (std::size_t k = 0; k < dists.size(); ++k) sources[k] = {nullptr, dists[k].get(), i};
      pipeline.push_frame({nullptr, &ref, i}, sources);
    }
    pipeline.close();
    // Ladder mode: one JSON document per encode, in order.
    for (unsigned e = 0; e < dists.size(); ++e) {
      if (const auto error = pipeline.error_of(e)) std::rethrow_exception(error);
    const auto& cols = pipeline.columns();
    const auto values = pipeline.final_values(e);
    std::printf("{\"columns\": [");
    for (std::size_t c = 0; c < cols.size(); ++c) std::printf("%s\"%s\"", c ? ", " : "", cols[c].c_str());
    std::printf("],\n \"frames\": [");
    const unsigned n = pipeline.final_count();
    for (unsigned i = 0; i < n; ++i) {
      std::printf("%s\n  [", i ? "," : "");
      for (std::size_t c = 0; c < cols.size(); ++c)
        print_number(c ? ", " : "", values[i * cols.size() + c]);
      std::printf("]");
    }
    std::printf("]");
    if (model) {
      const auto scores = pipeline.scores(0, pipeline.scored_count(e), e);
      std::printf(",\n \"backend\": \"%s\",\n \"scores\": [", model->backend().c_str());
      for (std::size_t i = 0; i < scores.size(); ++i) print_number(i ? ", " : "", scores[i]);
      std::printf("]");
    }
    std::printf("}\n");
    }
  } catch (const pvt::InputError& e) {  // exit codes as the CLI's: 2 input, 3 model, 1 anything else
    std::fprintf(stderr, "pvt-features: %s\n", e.what());
    return 2;
  } catch (const pvt::ModelError& e) {
    std::fprintf(stderr, "pvt-features: %s\n", e.what());
    return 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pvt-features: %s\n", e.what());
    return 1;
  }
  return 0;
}
