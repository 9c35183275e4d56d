#pragma once
// The host side of the CUDA backend: errors, the device query, device memory (the arena's memory
// policy and an owning buffer), explicit host <-> device transfers and the cuBLAS handle. Nothing
// here launches a kernel, so any C++ compiler with the CUDA toolkit's headers compiles it (link
// CUDA::cudart and CUDA::cublas, i.e. the canary::cuda target). Kernels: canary/backend/cuda.hpp.
//
// No managed (unified) memory anywhere: every transfer is an explicit to_device / to_host.
#include <cstddef>
#include <string>
#include <utility>

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include "canary/core/error.hpp"
#include "canary/core/shape.hpp"

namespace canary {

/// A CUDA runtime or cuBLAS call failed. The message names the call, the source place and the
/// library's own description, e.g. "canary/backend/cuda/runtime.hpp:87: cudaMalloc(&p, bytes)
/// failed: no CUDA-capable device is detected (cudaErrorNoDevice, 100)".
class cuda_error : public error {
public:
    cuda_error(std::string call, const char* file, int line, int code, const std::string& what)
        : error(std::string(file) + ":" + std::to_string(line) + ": " + call + " failed: " + what),
          call_(std::move(call)), file_(file), line_(line), code_(code) {}
    const std::string& call() const noexcept { return call_; }
    const std::string& file() const noexcept { return file_; }
    int line() const noexcept { return line_; }
    int code() const noexcept { return code_; }  ///< the cudaError_t or cublasStatus_t value

private:
    std::string call_;
    std::string file_;
    int line_;
    int code_;
};

namespace cuda::detail {
[[noreturn]] inline void throw_runtime(cudaError_t e, const char* call, const char* file, int line) {
    throw cuda_error(call, file, line, static_cast<int>(e),
                     std::string(cudaGetErrorString(e)) + " (" + cudaGetErrorName(e) + ", " +
                         std::to_string(static_cast<int>(e)) + ")");
}
[[noreturn]] inline void throw_cublas(cublasStatus_t s, const char* call, const char* file, int line) {
    throw cuda_error(call, file, line, static_cast<int>(s),
                     std::string(cublasGetStatusString(s)) + " (" + cublasGetStatusName(s) + ", " +
                         std::to_string(static_cast<int>(s)) + ")");
}
}  // namespace cuda::detail

}  // namespace canary

/// Evaluates a CUDA runtime call; on failure clears the error state and throws canary::cuda_error.
#define CANARY_CUDA_CHECK(call)                                                           \
    do {                                                                                  \
        const cudaError_t canary_cuda_status_ = (call);                                   \
        if (canary_cuda_status_ != cudaSuccess) {                                         \
            (void)cudaGetLastError();                                                     \
            ::canary::cuda::detail::throw_runtime(canary_cuda_status_, #call, __FILE__, __LINE__); \
        }                                                                                 \
    } while (0)

/// Evaluates a cuBLAS call; on failure throws canary::cuda_error.
#define CANARY_CUBLAS_CHECK(call)                                                          \
    do {                                                                                   \
        const cublasStatus_t canary_cublas_status_ = (call);                               \
        if (canary_cublas_status_ != CUBLAS_STATUS_SUCCESS)                                \
            ::canary::cuda::detail::throw_cublas(canary_cublas_status_, #call, __FILE__, __LINE__); \
    } while (0)

namespace canary::cuda {

/// The number of visible CUDA devices; 0 when there is none, no driver, or the query fails.
/// Never throws, so tests can decide to skip with it.
inline int device_count() noexcept {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
        (void)cudaGetLastError();
        return 0;
    }
    return n;
}
/// Whether at least one CUDA device is visible. Never throws.
inline bool device_available() noexcept { return device_count() > 0; }

/// Why no device is usable, for skip messages ("" when one is).
inline std::string device_unavailable_reason() {
    int n = 0;
    const cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
        (void)cudaGetLastError();
        return std::string("no usable CUDA device: ") + cudaGetErrorString(e) + " (" + cudaGetErrorName(e) + ")";
    }
    return n > 0 ? std::string() : std::string("no CUDA device is visible");
}

/// Waits until every operation queued on the current device has finished; reports asynchronous
/// kernel errors as cuda_error.
inline void synchronize() { CANARY_CUDA_CHECK(cudaDeviceSynchronize()); }

/// Device memory as an allocation policy (Arena<DeviceMemory>, Model's parameter buffers).
/// cudaMalloc returns memory aligned to at least 256 bytes.
struct DeviceMemory {
    static constexpr std::size_t alignment = 256;
    static void* allocate(std::size_t bytes) {
        void* p = nullptr;
        CANARY_CUDA_CHECK(cudaMalloc(&p, bytes));
        return p;
    }
    static void deallocate(void* p) noexcept {
        if (p) (void)cudaFree(p);  // never throws: it runs in destructors
    }
};

/// Host -> device copy of n values (synchronous with respect to the host buffer).
template <class T>
void to_device(const T* host, T* device, index n) {
    if (n > 0) CANARY_CUDA_CHECK(cudaMemcpy(device, host, sizeof(T) * static_cast<std::size_t>(n), cudaMemcpyHostToDevice));
}
/// Device -> host copy of n values; waits for the device work that produces them.
template <class T>
void to_host(const T* device, T* host, index n) {
    if (n > 0) CANARY_CUDA_CHECK(cudaMemcpy(host, device, sizeof(T) * static_cast<std::size_t>(n), cudaMemcpyDeviceToHost));
}

/// An owning array of n values in device memory (RAII, move-only).
template <class T>
class DeviceBuffer {
public:
    DeviceBuffer() = default;
    explicit DeviceBuffer(index n)
        : data_(n > 0 ? static_cast<T*>(DeviceMemory::allocate(sizeof(T) * static_cast<std::size_t>(n))) : nullptr),
          size_(n > 0 ? n : 0) {}
    /// A device copy of n host values.
    DeviceBuffer(const T* host, index n) : DeviceBuffer(n) { to_device(host, data_, size_); }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    DeviceBuffer(DeviceBuffer&& o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
    DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
        if (this != &o) {
            DeviceMemory::deallocate(data_);
            data_ = std::exchange(o.data_, nullptr);
            size_ = std::exchange(o.size_, 0);
        }
        return *this;
    }
    ~DeviceBuffer() { DeviceMemory::deallocate(data_); }

    T* data() noexcept { return data_; }
    const T* data() const noexcept { return data_; }
    index size() const noexcept { return size_; }
    void upload(const T* host) { to_device(host, data_, size_); }
    void download(T* host) const { to_host(data_, host, size_); }

private:
    T* data_ = nullptr;
    index size_ = 0;
};

/// The calling thread's cuBLAS handle on the current device (created on first use, destroyed when
/// the thread ends). Work is queued on the default stream.
inline cublasHandle_t cublas_handle() {
    struct Holder {
        cublasHandle_t h = nullptr;
        ~Holder() {
            if (h) (void)cublasDestroy(h);
        }
    };
    thread_local Holder holder;
    if (!holder.h) CANARY_CUBLAS_CHECK(cublasCreate(&holder.h));
    return holder.h;
}

}  // namespace canary::cuda
