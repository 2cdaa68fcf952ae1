#pragma once
// Run-time choice of SIMD kernels.
#include <string>

namespace pvt {

enum class Isa { scalar = 0, avx2 = 1, avx512 = 2 };

// The best ISA this CPU supports (scalar on non-x86 builds).
Isa detected_isa();

// The ISA kernels should use now: detected_isa(), or the one forced by the
// environment variable PYVMAF_TINY_ISA=scalar|avx2|avx512. Forcing an ISA the
// CPU lacks, or an unknown name, throws BackendUnavailable / InputError.
Isa active_isa();

const char* isa_name(Isa isa);

}  // namespace pvt
