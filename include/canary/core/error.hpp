#pragma once
// The canary error hierarchy. Every runtime mistake a user can make (a bad file, a NaN, a tensor
// that is missing or mis-shaped, a shape that does not fit) ends up as one of these, and the
// message always names the thing to look at: the file with line and column, the tensor, the layer.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>

namespace canary {

/// Base of everything canary throws on purpose. Catch this to catch all of them.
class error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A runtime shape mismatch (batch, time or node extents, or a width seen at a runtime boundary).
class shape_error : public error {
public:
    using error::error;
};

/// A file could not be opened, read, written or renamed, or its content is malformed as a whole.
class io_error : public error {
public:
    io_error(std::string file, const std::string& what)
        : error(file + ": " + what), file_(std::move(file)) {}
    const std::string& file() const noexcept { return file_; }

private:
    std::string file_;
};

/// A text file has a bad value at a known place. line and column are 1-based; column 0 means
/// "the whole line". The message reads like a compiler diagnostic: file:line:column: what.
class parse_error : public io_error {
public:
    parse_error(std::string file, std::size_t line, std::size_t column, const std::string& what)
        : io_error(std::move(file), place(line, column) + what), line_(line), column_(column) {}
    std::size_t line() const noexcept { return line_; }
    std::size_t column() const noexcept { return column_; }

private:
    static std::string place(std::size_t line, std::size_t column) {
        std::string s = "line " + std::to_string(line);
        if (column != 0) s += ", column " + std::to_string(column);
        return s + ": ";
    }
    std::size_t line_;
    std::size_t column_;
};

/// A named tensor is missing, unexpected, of the wrong dtype or of the wrong shape.
class tensor_error : public error {
public:
    tensor_error(std::string tensor, const std::string& what)
        : error("tensor '" + tensor + "': " + what), tensor_(std::move(tensor)) {}
    const std::string& tensor() const noexcept { return tensor_; }

private:
    std::string tensor_;
};

/// A NaN or Inf where a finite number is required (a loss, a gradient, an input price).
class numeric_error : public error {
public:
    using error::error;
};

/// An option or argument outside its domain (a negative window, a probability above one).
class config_error : public error {
public:
    using error::error;
};

}  // namespace canary
