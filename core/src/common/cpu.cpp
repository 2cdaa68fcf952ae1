#include "pyvmaf_tiny/cpu.hpp"

#include <cstdlib>
#include <string>

#include "../platform/cpu_features.hpp"
#include "pyvmaf_tiny/errors.hpp"

namespace pvt {
namespace {

constexpr Isa kAll[] = {Isa::scalar, Isa::avx2, Isa::avx512, Isa::neon};

// Whether this build compiled the kernels of `isa` (core/CMakeLists.txt
// defines these from the target architecture).
bool built(Isa isa) {
  switch (isa) {
    case Isa::scalar: return true;
    case Isa::avx2:
    case Isa::avx512:
#ifdef PVT_HAVE_X86_KERNELS
      return true;
#else
      return false;
#endif
    case Isa::neon:
#ifdef PVT_HAVE_NEON_KERNELS
      return true;
#else
      return false;
#endif
  }
  return false;
}

// Whether this CPU runs them (the AVX-512 kernels are built with BMI2 too).
bool runs(Isa isa) {
  const platform::CpuFeatures& f = platform::cpu_features();
  switch (isa) {
    case Isa::scalar: return true;
    case Isa::avx2: return f.avx2 && f.bmi2;
    case Isa::avx512:
      return f.avx2 && f.bmi2 && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.avx512cd;
    case Isa::neon: return f.neon;
  }
  return false;
}

std::string names(const std::vector<Isa>& isas) {
  std::string out;
  for (const Isa isa : isas) out += (out.empty() ? "" : ", ") + std::string(isa_name(isa));
  return out;
}

}  // namespace

const std::vector<Isa>& available_isas() {
  static const std::vector<Isa> isas = [] {
    std::vector<Isa> out;
    for (const Isa isa : kAll)
      if (built(isa) && runs(isa)) out.push_back(isa);
    return out;
  }();
  return isas;
}

Isa detected_isa() { return available_isas().back(); }

Isa active_isa() {
  const char* env = std::getenv("PYVMAF_TINY_ISA");
  if (!env || !*env) return detected_isa();
  const std::string want = env;
  for (const Isa isa : kAll) {
    if (want != isa_name(isa)) continue;
    const auto& have = available_isas();
    for (const Isa h : have)
      if (h == isa) return isa;
    const std::string why = !built(isa) ? "this build has no " + want + " kernels" : "this CPU lacks " + want;
    throw BackendUnavailable("PYVMAF_TINY_ISA=" + want + ", but " + why + " (available here: " + names(have) + ")");
  }
  throw InputError("PYVMAF_TINY_ISA='" + want + "': use scalar, avx2, avx512 or neon (available here: " +
                   names(available_isas()) + ")");
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::avx512: return "avx512";
    case Isa::avx2: return "avx2";
    case Isa::neon: return "neon";
    default: return "scalar";
  }
}

bool vnni_usable(Isa isa) {
  const char* env = std::getenv("PYVMAF_TINY_VNNI");
  if (env && std::string(env) == "0") return false;
  const platform::CpuFeatures& f = platform::cpu_features();
  if (isa == Isa::avx512) return f.avx512vnni;
  if (isa == Isa::avx2) return f.avxvnni;
  return false;
}

}  // namespace pvt
