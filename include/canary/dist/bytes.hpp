#pragma once
// Exact, compact byte strings for job results (run_jobs returns and saves std::string): numbers as
// their bits, so a result read back from a resume file, or received from another rank, gives the
// very same doubles, and outputs written from it are byte-identical to a one-process run. Text
// formatting would round unless every value were printed with 17 digits.
//
//   dist::byte_writer w;  w.put_string(skipped);  w.put_doubles(validation);  w.put_doubles(test);
//   std::string bytes = std::move(w).str();
//   dist::byte_reader r(bytes, "job dow-2008-seed3");  skipped = r.get_string(); ...; r.expect_end();
//
// Layout: fixed-width little-endian-as-stored machine words (uint64 lengths, IEEE-754 doubles), no
// padding. Files are meant to be read back by the same build on the same kind of machine (a resume
// directory, a cluster of like nodes); the reader checks lengths and throws io_error naming the
// source on a truncated or over-long string rather than reading past it.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "canary/core/error.hpp"

namespace canary::dist {

class byte_writer {
public:
    void put_u64(std::uint64_t v) { append(&v, sizeof(v)); }
    void put_double(double v) { append(&v, sizeof(v)); }
    void put_string(std::string_view s) {
        put_u64(s.size());
        bytes_.append(s.data(), s.size());
    }
    void put_doubles(const std::vector<double>& v) {
        put_u64(v.size());
        append(v.data(), v.size() * sizeof(double));
    }
    std::string str() && { return std::move(bytes_); }
    const std::string& view() const& { return bytes_; }

private:
    void append(const void* p, std::size_t n) { bytes_.append(static_cast<const char*>(p), n); }
    std::string bytes_;
};

class byte_reader {
public:
    /// `source` names the bytes in errors (a file, a job).
    byte_reader(std::string_view bytes, std::string source) : bytes_(bytes), source_(std::move(source)) {}

    std::uint64_t get_u64() {
        std::uint64_t v;
        take(&v, sizeof(v), "a length");
        return v;
    }
    double get_double() {
        double v;
        take(&v, sizeof(v), "a number");
        return v;
    }
    std::string get_string() {
        const std::uint64_t n = get_u64();
        check(n, "a text");
        std::string s(bytes_.substr(at_, static_cast<std::size_t>(n)));
        at_ += static_cast<std::size_t>(n);
        return s;
    }
    std::vector<double> get_doubles() {
        const std::uint64_t n = get_u64();
        if (n > (bytes_.size() - at_) / sizeof(double)) fail("a list of " + std::to_string(n) + " numbers");
        std::vector<double> v(static_cast<std::size_t>(n));
        take(v.data(), v.size() * sizeof(double), "a list of numbers");
        return v;
    }
    /// throws io_error when bytes are left over (a result of another layout).
    void expect_end() const {
        if (at_ != bytes_.size())
            throw io_error(source_, std::to_string(bytes_.size() - at_) + " unexpected bytes after the result (" +
                                        std::to_string(at_) + " read)");
    }

private:
    void check(std::uint64_t n, const std::string& what) const {
        if (n > bytes_.size() - at_) fail(what + " of " + std::to_string(n) + " bytes");
    }
    void take(void* p, std::size_t n, const std::string& what) {
        check(n, what);
        if (n) std::memcpy(p, bytes_.data() + at_, n);
        at_ += n;
    }
    [[noreturn]] void fail(const std::string& what) const {
        throw io_error(source_, "truncated result: " + what + " expected at byte " + std::to_string(at_) + " of " +
                                    std::to_string(bytes_.size()));
    }
    std::string_view bytes_;
    std::string source_;
    std::size_t at_ = 0;
};

}  // namespace canary::dist
