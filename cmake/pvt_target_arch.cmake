# Which architecture the SIMD kernels are built for: the target's, never the
# host's. Used by CMakeLists.txt (pvt_target_arch), and runnable on its own to
# test the decision:
#   cmake -DSYSTEM_NAME=Darwin -DOSX_ARCHITECTURES=arm64 -DSYSTEM_PROCESSOR=x86_64 -P cmake/pvt_target_arch.cmake
# prints "PVT_TARGET_ARCH=aarch64" (other inputs: MSVC_LIKE, GENERATOR_PLATFORM,
# VS_PLATFORM_NAME, COMPILER_ARCHITECTURE_ID).

# x86_64, aarch64, x86, or the lower-cased name of anything else (scalar
# kernels only).
function(pvt_normalize_arch out name)
  string(TOLOWER "${name}" n)
  if(n MATCHES "^(x86_64|amd64|x64|em64t)$")
    set(n x86_64)
  elseif(n MATCHES "^(aarch64|arm64|arm64e|armv8-?a?64)$")
    set(n aarch64)
  elseif(n MATCHES "^(i[3-6]86|x86|win32)$")
    set(n x86)
  endif()
  set(${out} "${n}" PARENT_SCOPE)
endfunction()

# In order: macOS's CMAKE_OSX_ARCHITECTURES (exactly one; universal2 is
# refused); for MSVC and clang-cl the platform the build is for (Visual
# Studio's -A, else the compiler's own target, as vcvars chose it); else
# CMAKE_SYSTEM_PROCESSOR, which a cross build sets to its target.
function(pvt_decide_target_arch out)
  cmake_parse_arguments(A "MSVC_LIKE" "SYSTEM_NAME;GENERATOR_PLATFORM;VS_PLATFORM_NAME;COMPILER_ARCHITECTURE_ID;SYSTEM_PROCESSOR"
                        "OSX_ARCHITECTURES" ${ARGN})
  set(from "")
  if(A_SYSTEM_NAME MATCHES "^(Darwin|iOS|tvOS|watchOS|visionOS)$" AND A_OSX_ARCHITECTURES)
    list(LENGTH A_OSX_ARCHITECTURES count)
    if(count GREATER 1)
      string(REPLACE ";" "," archs "${A_OSX_ARCHITECTURES}")
      message(FATAL_ERROR
        "pyvmaf-tiny: CMAKE_OSX_ARCHITECTURES=${archs} (universal2) is not supported: each architecture needs its "
        "own SIMD kernels. Build one architecture at a time (CMAKE_OSX_ARCHITECTURES=arm64, then x86_64; "
        "cibuildwheel: CIBW_ARCHS=arm64 or x86_64) and merge the wheels if one universal2 wheel is wanted.")
    endif()
    set(from "CMAKE_OSX_ARCHITECTURES=${A_OSX_ARCHITECTURES}")
    set(arch "${A_OSX_ARCHITECTURES}")
  elseif(A_MSVC_LIKE AND A_GENERATOR_PLATFORM)
    set(from "CMAKE_GENERATOR_PLATFORM=${A_GENERATOR_PLATFORM}")
    set(arch "${A_GENERATOR_PLATFORM}")
  elseif(A_MSVC_LIKE AND A_VS_PLATFORM_NAME)
    set(from "CMAKE_VS_PLATFORM_NAME=${A_VS_PLATFORM_NAME}")
    set(arch "${A_VS_PLATFORM_NAME}")
  elseif(A_MSVC_LIKE AND A_COMPILER_ARCHITECTURE_ID)
    set(from "CMAKE_CXX_COMPILER_ARCHITECTURE_ID=${A_COMPILER_ARCHITECTURE_ID}")
    set(arch "${A_COMPILER_ARCHITECTURE_ID}")
  elseif(A_SYSTEM_PROCESSOR)
    set(from "CMAKE_SYSTEM_PROCESSOR=${A_SYSTEM_PROCESSOR}")
    set(arch "${A_SYSTEM_PROCESSOR}")
  else()
    message(FATAL_ERROR "pyvmaf-tiny: cannot tell the target architecture (CMAKE_SYSTEM_PROCESSOR is empty)")
  endif()
  pvt_normalize_arch(arch "${arch}")
  set(${out} "${arch}" PARENT_SCOPE)
  set(${out}_FROM "${from}" PARENT_SCOPE)
endfunction()

# The decision for this configure run.
function(pvt_target_arch out)
  set(msvc_like "")
  if(MSVC)
    set(msvc_like MSVC_LIKE)
  endif()
  pvt_decide_target_arch(arch ${msvc_like}
    SYSTEM_NAME "${CMAKE_SYSTEM_NAME}"
    OSX_ARCHITECTURES ${CMAKE_OSX_ARCHITECTURES}
    GENERATOR_PLATFORM "${CMAKE_GENERATOR_PLATFORM}"
    VS_PLATFORM_NAME "${CMAKE_VS_PLATFORM_NAME}"
    COMPILER_ARCHITECTURE_ID "${CMAKE_CXX_COMPILER_ARCHITECTURE_ID}"
    SYSTEM_PROCESSOR "${CMAKE_SYSTEM_PROCESSOR}")
  set(${out} "${arch}" PARENT_SCOPE)
  set(${out}_FROM "${arch_FROM}" PARENT_SCOPE)
endfunction()

if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
  set(msvc_like "")
  if(MSVC_LIKE)
    set(msvc_like MSVC_LIKE)
  endif()
  pvt_decide_target_arch(arch ${msvc_like}
    SYSTEM_NAME "${SYSTEM_NAME}"
    OSX_ARCHITECTURES ${OSX_ARCHITECTURES}
    GENERATOR_PLATFORM "${GENERATOR_PLATFORM}"
    VS_PLATFORM_NAME "${VS_PLATFORM_NAME}"
    COMPILER_ARCHITECTURE_ID "${COMPILER_ARCHITECTURE_ID}"
    SYSTEM_PROCESSOR "${SYSTEM_PROCESSOR}")
  message("PVT_TARGET_ARCH=${arch}")
  message("PVT_TARGET_ARCH_FROM=${arch_FROM}")
endif()
