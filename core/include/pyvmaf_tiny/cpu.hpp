#pragma once
// Run-time choice of SIMD kernels.
#include <string>
#include <vector>

namespace pvt {

enum class Isa { scalar = 0, avx2 = 1, avx512 = 2, neon = 3 };

// The kernel sets both this build has and this CPU can run, scalar first,
// then best last: scalar, avx2, avx512 on x86-64; scalar (and neon once its
// kernels are built) on aarch64; scalar elsewhere.
const std::vector<Isa>& available_isas();

// The best of available_isas().
Isa detected_isa();

// The ISA kernels should use now: detected_isa(), or the one forced by the
// environment variable PYVMAF_TINY_ISA=scalar|avx2|avx512|neon. An unknown
// name throws InputError; a known one the build or the CPU lacks throws
// BackendUnavailable, on every architecture.
Isa active_isa();

const char* isa_name(Isa isa);

// Whether the kernels of `isa` may use its VNNI form (one-instruction
// multiply-accumulate): the CPU has it (AVX512-VNNI, or AVX-VNNI for avx2)
// and PYVMAF_TINY_VNNI=0 does not ask for the plain ones (to test or time
// them).
bool vnni_usable(Isa isa);

}  // namespace pvt
