#pragma once
// The one atomic file write every canary output goes through (tables, configurations, safetensors
// weights, training checkpoints).
//
// Protocol (the one SQLite and git rely on for "a crash never loses committed data"):
//   1. write the bytes to a fresh temporary in the target's folder (O_EXCL: never into a file some
//      other process created under the same name),
//   2. fsync the temporary, so its bytes are on disk before any name points at them,
//   3. rename it over the target (atomic on POSIX file systems: readers see the old file or the
//      new one, whole),
//   4. fsync the folder, so the rename itself survives a power cut.
// A process killed at any moment leaves the target as it was or as it is meant to be, plus at
// worst a stray ".<name>.tmp-<random>" file that is never read back.
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <span>
#include <string>
#include <string_view>

#include <fcntl.h>
#include <unistd.h>

#include "canary/core/error.hpp"

namespace canary::io {

namespace detail {

// A per-call random suffix, so two processes saving the same file never share a temporary.
inline std::string temporary_name_for(const std::filesystem::path& file) {
    std::random_device entropy;
    const std::uint64_t tag = (static_cast<std::uint64_t>(entropy()) << 32) ^ entropy();
    char suffix[17];
    std::snprintf(suffix, sizeof suffix, "%016llx", static_cast<unsigned long long>(tag));
    return "." + file.filename().string() + ".tmp-" + suffix;
}

inline bool write_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        const ::ssize_t written = ::write(fd, data, size);
        if (written < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data += written;
        size -= static_cast<std::size_t>(written);
    }
    return true;
}

}  // namespace detail

/// ensures: `path` holds exactly `bytes`, replaced atomically and durably (see the file comment).
///          No temporary is left behind when this returns or throws.
/// throws:  io_error naming `path` when the temporary cannot be created, written or synced, or
///          the rename fails; `path` is then untouched.
inline void atomic_write(const std::filesystem::path& path, std::span<const std::byte> bytes) {
    const std::string name = path.string();
    const std::filesystem::path folder = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    const std::filesystem::path temporary = folder / detail::temporary_name_for(path);
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        throw io_error(name, "cannot create temporary file " + temporary.string() + ": " + std::strerror(errno));
    bool ok = detail::write_all(fd, reinterpret_cast<const char*>(bytes.data()), bytes.size());
    ok = ok && ::fsync(fd) == 0;
    const int saved_errno = errno;
    ok = ::close(fd) == 0 && ok;
    std::error_code ignored;
    if (!ok) {
        std::filesystem::remove(temporary, ignored);
        throw io_error(name, "cannot write temporary file " + temporary.string() + ": " + std::strerror(saved_errno));
    }
    std::error_code ec;
    std::filesystem::rename(temporary, path, ec);
    if (ec) {
        std::filesystem::remove(temporary, ignored);
        throw io_error(name, "cannot rename " + temporary.string() + " over it: " + ec.message());
    }
    // The rename is durable only once the folder's entry is on disk. A folder that cannot be
    // opened for syncing (some network file systems) still holds the complete new file.
    const int folder_fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (folder_fd >= 0) {
        const bool synced = ::fsync(folder_fd) == 0 || errno == EINVAL;  // EINVAL: fs cannot sync folders
        const int sync_errno = errno;
        ::close(folder_fd);
        if (!synced)
            throw io_error(name, std::string("cannot sync its folder after the rename: ") + std::strerror(sync_errno));
    }
}

/// As atomic_write for text.
inline void atomic_write(const std::filesystem::path& path, std::string_view text) {
    atomic_write(path, std::span<const std::byte>(reinterpret_cast<const std::byte*>(text.data()), text.size()));
}

}  // namespace canary::io
