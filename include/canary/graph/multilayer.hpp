#pragma once
// Non-correlation graph layers: a sector layer from an instrument -> sector mapping (loadable
// from CSV) and user-supplied per-day edge lists. Each is its own layer of a graph_sequence; layers
// are never merged implicitly.
#include <cctype>
#include <cstddef>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "canary/core/error.hpp"
#include "canary/io/csv.hpp"
#include "canary/graph/edges.hpp"

namespace canary::graph {

/// instrument name -> sector name.
using sector_map = std::map<std::string, std::string>;

namespace detail {
inline std::string_view trim_spaces(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}
inline bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
    return true;
}
}  // namespace detail

/// requires: CSV text (RFC 4180, read by canary::io::csv_reader: quoted fields, an optional UTF-8
///           byte-order mark, LF or CRLF) with a header `instrument,sector` (any letter case,
///           surrounding spaces ignored) and one `name,sector` row per instrument; blank lines are
///           skipped.
/// ensures:  the mapping; a row with a field count other than 2, an empty field, a NUL byte, bare CR
///           line endings or an instrument listed twice is a canary::parse_error naming
///           source_name, line and column; a wrong header says what was found instead.
inline sector_map parse_sectors(std::string_view text, const std::string& source_name = "<sectors>") {
    io::csv_reader reader(text, source_name);
    io::csv_record record;
    if (!reader.next(record))
        throw parse_error(source_name, 1, 0, "empty file: expected the header 'instrument,sector'");
    const auto header_field = [&](std::size_t i) {
        return i < record.fields.size() ? detail::trim_spaces(record.fields[i]) : std::string_view{};
    };
    if (record.fields.size() != 2 || !detail::equals_ignoring_case(header_field(0), "instrument") ||
        !detail::equals_ignoring_case(header_field(1), "sector")) {
        std::string found;
        for (std::size_t i = 0; i < record.fields.size() && i < 4; ++i)
            found += (i ? "," : "") + io::quote_for_message(record.fields[i], 40);
        if (record.fields.size() > 4) found += ",... (" + std::to_string(record.fields.size()) + " fields)";
        throw parse_error(source_name, record.line, 0, "expected the header 'instrument,sector', found " + found);
    }
    sector_map out;
    std::map<std::string, std::size_t> first_line;
    while (reader.next(record)) {
        if (record.fields.size() != 2)
            throw parse_error(source_name, record.line, 0,
                              "expected 2 fields (instrument,sector), found " + std::to_string(record.fields.size()));
        const auto a = detail::trim_spaces(record.fields[0]), b = detail::trim_spaces(record.fields[1]);
        if (a.empty()) throw parse_error(source_name, record.line, record.columns[0], "empty instrument name");
        if (b.empty())
            throw parse_error(source_name, record.line, record.columns[1],
                              "empty sector for " + io::quote_for_message(a));
        const std::string name(a);
        if (auto it = first_line.find(name); it != first_line.end())
            throw parse_error(source_name, record.line, record.columns[0],
                              "instrument " + io::quote_for_message(name) + " listed twice (first on line " +
                                  std::to_string(it->second) + ")");
        first_line[name] = record.line;
        out[name] = std::string(b);
    }
    return out;
}

/// As parse_sectors on the content of `path` (canary::io_error when it cannot be read).
inline sector_map load_sectors(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw io_error(path, "cannot open for reading");
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_sectors(ss.str(), path);
}

/// requires: every instrument has a sector (else canary::config_error listing the missing ones).
/// ensures:  an edge of weight 1 between every two instruments of the same sector.
inline undirected_graph sector_graph(const std::vector<std::string>& instruments, const sector_map& sectors) {
    std::vector<const std::string*> of(instruments.size());
    std::string missing;
    for (std::size_t i = 0; i < instruments.size(); ++i) {
        auto it = sectors.find(instruments[i]);
        if (it == sectors.end()) missing += (missing.empty() ? "" : ", ") + instruments[i];
        else of[i] = &it->second;
    }
    if (!missing.empty()) throw config_error("sector_graph: no sector for " + missing);
    std::vector<edge> edges;
    for (std::size_t i = 0; i < instruments.size(); ++i)
        for (std::size_t j = i + 1; j < instruments.size(); ++j)
            if (*of[i] == *of[j]) edges.push_back({i, j, 1.0});
    return undirected_graph{instruments.size(), std::move(edges)};
}

}  // namespace canary::graph
