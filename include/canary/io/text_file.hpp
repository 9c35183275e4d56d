#pragma once
// Atomic text output: write to a temporary in the same folder, then rename over the target, so a
// crash or a full disk never leaves a half-written table or configuration behind.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>

#include "canary/core/error.hpp"

namespace canary::io {

inline void write_text_atomic(const std::filesystem::path& path, std::string_view text) {
    const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    std::random_device rd;
    const auto tmp = dir / ("." + path.filename().string() + ".tmp-" + std::to_string(rd()));
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw io_error(path.string(), "cannot create temporary file " + tmp.string());
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        out.flush();
        if (!out) {
            std::error_code ec;
            std::filesystem::remove(tmp, ec);
            throw io_error(path.string(), "write failed");
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::filesystem::remove(tmp, ec);
        throw io_error(path.string(), "cannot rename temporary file into place");
    }
}

}  // namespace canary::io
