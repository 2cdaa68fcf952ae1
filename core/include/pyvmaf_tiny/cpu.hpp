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

// Whether the kernels of `isa` may use its VNNI form (one-instruction
// multiply-accumulate): the CPU has it (AVX512-VNNI, or AVX-VNNI for avx2)
// and PYVMAF_TINY_VNNI=0 does not ask for the plain ones (to test or time
// them).
bool vnni_usable(Isa isa);

}  // namespace pvt
