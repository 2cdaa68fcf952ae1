#pragma once
// The part of ONNX Runtime's C ABI that pyvmaf-tiny calls, declared by us.
//
// ORT's C entry point `OrtGetApiBase()` returns two function pointers:
// GetApi(version) and GetVersionString(). GetApi returns a table of function
// pointers (OrtApi) that is append-only across releases: entry N keeps its
// meaning once published, so we address the entries we use by index. Every
// index below is stated in ORT's public C API documentation and header as the
// position of that function in the table; the comment gives the API version
// (= ORT 1.N) that introduced it. Entries up to 152 have the same position in
// every release since 1.0-1.5; later ones are only relied upon with API >= 17,
// which any library old enough to have moved them (1.6/1.7) refuses.
//
// Conventions (Linux/macOS): plain C calling convention; a returned status of
// nullptr means success, otherwise the caller owns it and frees it with
// ReleaseStatus; Release* accept nullptr; enums are int-sized.
#include <cstddef>
#include <cstdint>

namespace pvt::ort {

// Opaque handles.
struct Status;
struct Env;
struct Session;
struct SessionOptions;
struct Value;
struct TypeInfo;
struct TensorTypeAndShapeInfo;
struct MemoryInfo;
struct Allocator;
struct RunOptions;
struct CudaProviderOptionsV2;

// Enum values (ORT C API).
enum ErrorCode : int { kOk = 0, kFail = 1, kInvalidArgument = 2, kNoSuchFile = 3, kNoModel = 4 };
enum LoggingLevel : int { kVerbose = 0, kInfo = 1, kWarning = 2, kError = 3, kFatal = 4 };
enum GraphOptimizationLevel : int { kDisableAll = 0, kEnableBasic = 1, kEnableExtended = 2, kEnableAll = 99 };
enum ExecutionMode : int { kSequential = 0, kParallel = 1 };
enum ElementType : int { kFloat = 1, kUint8 = 2, kInt8 = 3, kInt32 = 6, kInt64 = 7, kDouble = 11 };
enum OnnxType : int { kTensor = 1 };
enum AllocatorType : int { kDeviceAllocator = 0, kArenaAllocator = 1 };
enum MemType : int { kMemTypeDefault = 0 };

// The API version we request. Every entry below exists from API 17; we ask
// for 19 because ORT 1.19 is the oldest release the version matrix tests
// (tests/test_ort_matrix.py): the 1.17 and 1.18 wheels ship no
// libonnxruntime, so an older library is refused rather than trusted untested.
inline constexpr std::uint32_t kApiVersion = 19;

struct ApiBase {
  const void* (*GetApi)(std::uint32_t version);
  const char* (*GetVersionString)();
};

// Table positions of the entries we use, and their signatures.
namespace slot {
inline constexpr int CreateStatus = 0;                      // API 1
inline constexpr int GetErrorCode = 1;                      // API 1
inline constexpr int GetErrorMessage = 2;                   // API 1
inline constexpr int CreateEnvWithCustomLogger = 4;         // API 1
inline constexpr int DisableTelemetryEvents = 6;            // API 1
inline constexpr int CreateSessionFromArray = 8;            // API 1
inline constexpr int Run = 9;                               // API 1
inline constexpr int CreateSessionOptions = 10;             // API 1
inline constexpr int SetSessionExecutionMode = 13;          // API 1
inline constexpr int SetSessionLogSeverityLevel = 22;       // API 1
inline constexpr int SetSessionGraphOptimizationLevel = 23; // API 1
inline constexpr int SetIntraOpNumThreads = 24;             // API 1
inline constexpr int SetInterOpNumThreads = 25;             // API 1
inline constexpr int SessionGetInputCount = 30;             // API 1
inline constexpr int SessionGetOutputCount = 31;            // API 1
inline constexpr int SessionGetInputTypeInfo = 33;          // API 1
inline constexpr int SessionGetOutputTypeInfo = 34;         // API 1
inline constexpr int SessionGetInputName = 36;              // API 1
inline constexpr int SessionGetOutputName = 37;             // API 1
inline constexpr int CreateTensorWithDataAsOrtValue = 49;   // API 1
inline constexpr int GetTensorMutableData = 51;             // API 1
inline constexpr int CastTypeInfoToTensorInfo = 55;         // API 1
inline constexpr int GetOnnxTypeFromTypeInfo = 56;          // API 1
inline constexpr int GetTensorElementType = 60;             // API 1
inline constexpr int GetDimensionsCount = 61;               // API 1
inline constexpr int GetDimensions = 62;                    // API 1
inline constexpr int GetTensorShapeElementCount = 64;       // API 1
inline constexpr int GetTensorTypeAndShape = 65;            // API 1
inline constexpr int CreateCpuMemoryInfo = 69;              // API 1
inline constexpr int AllocatorFree = 76;                    // API 1
inline constexpr int GetAllocatorWithDefaultOptions = 78;   // API 1
inline constexpr int ReleaseStatus = 93;                    // API 1
inline constexpr int ReleaseMemoryInfo = 94;                // API 1
inline constexpr int ReleaseSession = 95;                   // API 1
inline constexpr int ReleaseValue = 96;                     // API 1
inline constexpr int ReleaseTypeInfo = 98;                  // API 1
inline constexpr int ReleaseTensorTypeAndShapeInfo = 99;    // API 1
inline constexpr int ReleaseSessionOptions = 100;           // API 1
inline constexpr int GetAvailableProviders = 125;           // API 4
inline constexpr int ReleaseAvailableProviders = 126;       // API 4
inline constexpr int AddSessionConfigEntry = 130;           // API 5
inline constexpr int AppendExecutionProviderCudaV2 = 204;   // API 11
inline constexpr int CreateCudaProviderOptions = 205;       // API 11
inline constexpr int ReleaseCudaProviderOptions = 208;      // API 11
inline constexpr int SetUserLoggingFunction = 266;          // API 17
inline constexpr int AppendExecutionProviderOpenVinoV2 = 275;  // API 17
}  // namespace slot

namespace fn {
using CreateStatus = Status* (*)(ErrorCode code, const char* message);
using GetErrorCode = ErrorCode (*)(const Status*);
using GetErrorMessage = const char* (*)(const Status*);
// ORT's OrtLoggingFunction: (param, severity, category, logid, code_location, message).
using LoggingFunction = void (*)(void* param, LoggingLevel severity, const char* category, const char* log_id,
                                 const char* code_location, const char* message);
using CreateEnvWithCustomLogger = Status* (*)(LoggingFunction fn, void* param, LoggingLevel level, const char* log_id,
                                              Env** out);
using SetUserLoggingFunction = Status* (*)(SessionOptions*, LoggingFunction fn, void* param);
using DisableTelemetryEvents = Status* (*)(const Env*);
using CreateSessionFromArray = Status* (*)(const Env*, const void* bytes, std::size_t length, const SessionOptions*,
                                           Session** out);
using Run = Status* (*)(Session*, const RunOptions*, const char* const* input_names, const Value* const* inputs,
                        std::size_t input_count, const char* const* output_names, std::size_t output_count,
                        Value** outputs);
using CreateSessionOptions = Status* (*)(SessionOptions** out);
using SetSessionExecutionMode = Status* (*)(SessionOptions*, ExecutionMode);
using SetSessionLogSeverityLevel = Status* (*)(SessionOptions*, int level);
using SetSessionGraphOptimizationLevel = Status* (*)(SessionOptions*, GraphOptimizationLevel);
using SetNumThreads = Status* (*)(SessionOptions*, int count);
using SessionGetCount = Status* (*)(const Session*, std::size_t* out);
using SessionGetTypeInfo = Status* (*)(const Session*, std::size_t index, TypeInfo** out);
using SessionGetName = Status* (*)(const Session*, std::size_t index, Allocator*, char** out);
using CreateTensorWithDataAsOrtValue = Status* (*)(const MemoryInfo*, void* data, std::size_t bytes,
                                                   const std::int64_t* shape, std::size_t rank, ElementType,
                                                   Value** out);
using GetTensorMutableData = Status* (*)(Value*, void** out);
using CastTypeInfoToTensorInfo = Status* (*)(const TypeInfo*, const TensorTypeAndShapeInfo** out);
using GetOnnxTypeFromTypeInfo = Status* (*)(const TypeInfo*, OnnxType* out);
using GetTensorElementType = Status* (*)(const TensorTypeAndShapeInfo*, ElementType* out);
using GetDimensionsCount = Status* (*)(const TensorTypeAndShapeInfo*, std::size_t* out);
using GetDimensions = Status* (*)(const TensorTypeAndShapeInfo*, std::int64_t* dims, std::size_t capacity);
using GetTensorShapeElementCount = Status* (*)(const TensorTypeAndShapeInfo*, std::size_t* out);
using GetTensorTypeAndShape = Status* (*)(const Value*, TensorTypeAndShapeInfo** out);
using CreateCpuMemoryInfo = Status* (*)(AllocatorType, MemType, MemoryInfo** out);
using AllocatorFree = Status* (*)(Allocator*, void* p);
using GetAllocatorWithDefaultOptions = Status* (*)(Allocator** out);
template <class T>
using Release = void (*)(T*);
using GetAvailableProviders = Status* (*)(char*** names, int* count);
using ReleaseAvailableProviders = Status* (*)(char** names, int count);
using AddSessionConfigEntry = Status* (*)(SessionOptions*, const char* key, const char* value);
using AppendExecutionProviderCudaV2 = Status* (*)(SessionOptions*, const CudaProviderOptionsV2*);
using CreateCudaProviderOptions = Status* (*)(CudaProviderOptionsV2** out);
using AppendExecutionProviderOpenVinoV2 = Status* (*)(SessionOptions*, const char* const* keys,
                                                      const char* const* values, std::size_t count);
}  // namespace fn

}  // namespace pvt::ort
