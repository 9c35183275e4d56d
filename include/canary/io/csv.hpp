#pragma once
// The one CSV tokenizer every canary reader uses (prices, sectors and edge lists, loan tables).
//
// RFC 4180: fields separated by a delimiter, records by LF or CRLF; a field that starts with a
// double quote runs to the matching quote, may contain delimiters, line breaks and doubled quotes
// ("" reads as "). A UTF-8 byte-order mark before the first record is skipped. What RFC 4180 does
// not allow is refused with a canary::parse_error naming the source, the 1-based line and column:
// a NUL byte, text after a closing quote, a quote that is never closed, and a file whose records
// end in bare CR (old Mac line endings, which would otherwise read as one giant header). Sizes are
// bounded before anything grows with them (fields per record, bytes per field), so a hostile file
// cannot make the reader allocate without limit. Messages quote at most ~80 characters of a field.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "canary/core/error.hpp"

namespace canary::io {

/// At most `limit` bytes of a field for an error message (cut at a UTF-8 character boundary),
/// quoted, with "..." when cut.
/// Control characters are shown as '?', so a message never carries raw NULs or line breaks.
inline std::string quote_for_message(std::string_view field, std::size_t limit = 80) {
    std::string out = "'";
    std::size_t n = field.size() < limit ? field.size() : limit;
    // Cut before a UTF-8 continuation byte, never inside a character: the message stays valid UTF-8.
    while (n > 0 && n < field.size() && (static_cast<unsigned char>(field[n]) & 0xC0) == 0x80) --n;
    for (std::size_t i = 0; i < n; ++i) {
        const unsigned char c = static_cast<unsigned char>(field[i]);
        out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
    }
    if (field.size() > limit) out += "...";
    return out + "'";
}

/// Settings of canary::io::csv_reader.
struct csv_options {
    char delimiter = ',';
    std::size_t max_fields = 100000;        ///< fields per record before the reader refuses the file
    std::size_t max_field_bytes = 1 << 20;  ///< bytes per field before the reader refuses the file
};

/// One record: its fields (quotes removed, "" unescaped) and where it starts in the source.
struct csv_record {
    std::vector<std::string> fields;
    std::vector<bool> quoted;  ///< per field: was it written in quotes (an empty quoted field is not missing)
    std::size_t line = 0;      ///< 1-based line of the record's first character
    std::vector<std::size_t> columns;  ///< per field, the 1-based column (byte) where it starts on its line
};

/// Reads records one at a time from text that stays alive while the reader is used.
///
/// requires: text outlives the reader.
/// ensures: next() returns false after the last record; blank lines (nothing but an optional CR)
///          are skipped; each record is validated as described in the header comment.
class csv_reader {
public:
    /// Reads `text`; `source` (a file name) is what error messages cite. Skips a UTF-8 byte-order mark;
    /// throws canary::parse_error (with line and column) when a line ends in a bare CR.
    csv_reader(std::string_view text, std::string source, csv_options options = {})
        : text_(text), source_(std::move(source)), options_(options) {
        if (text_.size() >= 3 && static_cast<unsigned char>(text_[0]) == 0xEF &&
            static_cast<unsigned char>(text_[1]) == 0xBB && static_cast<unsigned char>(text_[2]) == 0xBF)
            pos_ = line_start_ = 3;
        check_line_endings();
    }

    /// The name error messages cite.
    const std::string& source() const noexcept { return source_; }

    /// Reads the next non-blank record into r. Returns false at the end of the text.
    bool next(csv_record& r) {
        skip_blank_lines();
        if (pos_ >= text_.size()) return false;
        r.fields.clear();
        r.quoted.clear();
        r.columns.clear();
        r.line = line_;
        for (;;) {
            if (r.fields.size() >= options_.max_fields)
                fail(line_, column(), "more than " + std::to_string(options_.max_fields) + " fields in one record");
            r.columns.push_back(column());
            std::string field;
            bool quoted = false;
            if (pos_ < text_.size() && text_[pos_] == '"') {
                quoted = true;
                read_quoted(field);
            } else {
                read_plain(field);
            }
            r.fields.push_back(std::move(field));
            r.quoted.push_back(quoted);
            if (pos_ >= text_.size()) return true;
            const char c = text_[pos_];
            if (c == options_.delimiter) {
                ++pos_;
                continue;
            }
            // End of record: LF or CRLF (read_plain/read_quoted stop only at these or the delimiter).
            if (c == '\r') ++pos_;
            if (pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
            ++line_;
            line_start_ = pos_;
            return true;
        }
    }

    /// Every remaining record. Convenient for small files; large ones should call next().
    std::vector<csv_record> read_all() {
        std::vector<csv_record> out;
        csv_record r;
        while (next(r)) out.push_back(r);
        return out;
    }

    /// Throws canary::parse_error citing the source, line and column: for callers that find a field
    /// they cannot use.
    [[noreturn]] void fail(std::size_t line, std::size_t col, const std::string& what) const {
        throw parse_error(source_, line, col, what);
    }

private:
    std::size_t column() const noexcept { return pos_ - line_start_ + 1; }

    void check_line_endings() const {
        // A CR not followed by LF outside quotes means the file uses CR-only line endings. Checking
        // the first such CR before reading keeps the message about the real cause.
        bool in_quotes = false;
        std::size_t line = 1;
        for (std::size_t i = pos_; i < text_.size(); ++i) {
            const char c = text_[i];
            if (c == '"') in_quotes = !in_quotes;
            else if (c == '\n') ++line;
            else if (c == '\r' && !in_quotes && (i + 1 == text_.size() || text_[i + 1] != '\n'))
                throw parse_error(source_, line, 0,
                                  "bare CR line ending (old Mac format): convert the file to LF or CRLF line endings");
        }
    }

    void skip_blank_lines() {
        while (pos_ < text_.size()) {
            std::size_t p = pos_;
            if (text_[p] == '\r') ++p;
            if (p < text_.size() && text_[p] == '\n') {
                pos_ = p + 1;
                ++line_;
                line_start_ = pos_;
            } else {
                return;
            }
        }
    }

    void append(std::string& field, char c) {
        if (c == '\0') fail(line_, column(), "NUL byte in a text file");
        if (field.size() >= options_.max_field_bytes)
            fail(line_, column(), "a field longer than " + std::to_string(options_.max_field_bytes) + " bytes");
        field += c;
    }

    void read_plain(std::string& field) {
        while (pos_ < text_.size()) {
            const char c = text_[pos_];
            if (c == options_.delimiter || c == '\n' || c == '\r') return;
            if (c == '"')
                fail(line_, column(), "a double quote inside an unquoted field " + quote_for_message(field) +
                                          " (RFC 4180: quote the whole field and double the quote)");
            append(field, c);
            ++pos_;
        }
    }

    void read_quoted(std::string& field) {
        const std::size_t open_line = line_, open_column = column();
        ++pos_;  // opening quote
        for (;;) {
            if (pos_ >= text_.size())
                fail(open_line, open_column, "a quoted field that is never closed");
            const char c = text_[pos_];
            if (c == '"') {
                if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
                    append(field, '"');
                    pos_ += 2;
                    continue;
                }
                ++pos_;  // closing quote
                if (pos_ < text_.size()) {
                    const char after = text_[pos_];
                    if (after != options_.delimiter && after != '\n' && after != '\r')
                        fail(line_, column(), "text after the closing quote of " + quote_for_message(field));
                }
                return;
            }
            append(field, c);
            if (c == '\n') {
                ++line_;
                line_start_ = pos_ + 1;
            }
            ++pos_;
        }
    }

    std::string_view text_;
    std::string source_;
    csv_options options_;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
    std::size_t line_start_ = 0;
};

}  // namespace canary::io
