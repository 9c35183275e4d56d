#pragma once
// A bump allocator reused across training steps. The first step at a given (batch, time, nodes)
// grows it; reset() keeps the memory, so every later step allocates nothing from the system.
// The memory comes from the backend policy (host memory for Cpu, device memory for a GPU policy).
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <new>
#include <vector>

namespace canary {

/// Host memory with cache-line alignment; the default allocation policy.
struct HostMemory {
    static constexpr std::size_t alignment = 64;
    static void* allocate(std::size_t bytes) {
        return ::operator new(bytes, std::align_val_t{alignment});
    }
    static void deallocate(void* p) noexcept { ::operator delete(p, std::align_val_t{alignment}); }
};

/// requires: Memory has static allocate(bytes) -> void* and deallocate(void*).
/// ensures: allocate() returns `alignment`-aligned storage valid until the next reset() or
///          destruction; after the first reset() following a peak, reset() leaves one block large
///          enough for that peak, so a repeated workload never reaches the system allocator again.
template <class Memory = HostMemory>
class Arena {
public:
    static constexpr std::size_t alignment = 64;

    Arena() = default;
    explicit Arena(std::size_t initial_bytes) { add_block(initial_bytes); }
    Arena(const Arena&) = delete;
    Arena& operator=(const Arena&) = delete;
    Arena(Arena&& other) noexcept { swap(other); }
    Arena& operator=(Arena&& other) noexcept {
        if (this != &other) { release(); swap(other); }
        return *this;
    }
    ~Arena() { release(); }

    void* allocate(std::size_t bytes) {
        bytes = round_up(std::max<std::size_t>(bytes, 1));
        if (current_ < blocks_.size() && blocks_[current_].used + bytes > blocks_[current_].size) ++current_;
        while (current_ < blocks_.size() && blocks_[current_].used + bytes > blocks_[current_].size) ++current_;
        if (current_ == blocks_.size()) add_block(std::max(bytes, next_block_size()));
        Block& b = blocks_[current_];
        void* p = static_cast<std::byte*>(b.data) + b.used;
        b.used += bytes;
        in_use_ += bytes;
        peak_ = std::max(peak_, in_use_);
        return p;
    }

    template <class T>
    T* allocate_array(std::ptrdiff_t n) {
        return static_cast<T*>(allocate(sizeof(T) * static_cast<std::size_t>(std::max<std::ptrdiff_t>(n, 0))));
    }

    /// Frees everything at once. Keeps the memory; coalesces several blocks into one of the peak size.
    void reset() {
        if (blocks_.size() > 1) {
            const std::size_t total = round_up(peak_);
            release();
            add_block(total);
        }
        for (auto& b : blocks_) b.used = 0;
        current_ = 0;
        in_use_ = 0;
    }

    std::size_t bytes_in_use() const noexcept { return in_use_; }
    std::size_t peak_bytes() const noexcept { return peak_; }
    std::size_t capacity() const noexcept {
        std::size_t c = 0;
        for (const auto& b : blocks_) c += b.size;
        return c;
    }
    /// How many times this arena asked the system for memory (for steady-state tests).
    std::size_t system_allocations() const noexcept { return system_allocations_; }

private:
    struct Block {
        void* data;
        std::size_t size;
        std::size_t used;
    };
    static std::size_t round_up(std::size_t n) { return (n + alignment - 1) / alignment * alignment; }
    std::size_t next_block_size() const {
        return std::max<std::size_t>(std::size_t{1} << 16, capacity());  // geometric growth
    }
    void add_block(std::size_t bytes) {
        bytes = round_up(bytes);
        blocks_.reserve(std::max<std::size_t>(blocks_.capacity(), 8));
        blocks_.push_back(Block{Memory::allocate(bytes), bytes, 0});
        ++system_allocations_;
    }
    void release() noexcept {
        for (auto& b : blocks_) Memory::deallocate(b.data);
        blocks_.clear();
        current_ = 0;
        in_use_ = 0;
    }
    void swap(Arena& o) noexcept {
        std::swap(blocks_, o.blocks_);
        std::swap(current_, o.current_);
        std::swap(in_use_, o.in_use_);
        std::swap(peak_, o.peak_);
        std::swap(system_allocations_, o.system_allocations_);
    }

    std::vector<Block> blocks_;
    std::size_t current_ = 0;
    std::size_t in_use_ = 0;
    std::size_t peak_ = 0;
    std::size_t system_allocations_ = 0;
};

}  // namespace canary
