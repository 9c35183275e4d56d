#pragma once
// Non-correlation graph layers: a sector layer from an instrument -> sector mapping (loadable
// from CSV) and user-supplied per-day edge lists. Each is its own layer of a graph_sequence; layers
// are never merged implicitly.
#include <cstddef>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "canary/core/error.hpp"
#include "canary/data/price_panel.hpp"
#include "canary/graph/edges.hpp"

namespace canary::graph {

/// instrument name -> sector name.
using sector_map = std::map<std::string, std::string>;

/// requires: CSV text with a header `instrument,sector` (any letter case, surrounding spaces
///           ignored) and one `name,sector` row per instrument; blank lines are skipped.
/// ensures:  the mapping; a row with a field count other than 2, an empty field or an instrument
///           listed twice is a canary::parse_error naming source_name, line and column.
inline sector_map parse_sectors(std::string_view text, const std::string& source_name = "<sectors>") {
    sector_map out;
    std::size_t line_no = 0, pos = 0;
    bool header = true;
    std::map<std::string, std::size_t> first_line;
    while (pos <= text.size()) {
        const std::size_t end = std::min(text.find('\n', pos), text.size());
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (data::detail::is_blank(line)) {
            if (end == text.size()) break;
            continue;
        }
        const auto fields = data::detail::split_fields(line);
        if (fields.size() != 2)
            throw parse_error(source_name, line_no, 0,
                              "expected 2 fields (instrument,sector), found " + std::to_string(fields.size()));
        const auto a = data::detail::trim(fields[0]), b = data::detail::trim(fields[1]);
        if (header) {
            if (!data::detail::iequals(a, "instrument")) throw parse_error(source_name, line_no, 1, "header must start with 'instrument'");
            if (!data::detail::iequals(b, "sector")) throw parse_error(source_name, line_no, 2, "second header field must be 'sector'");
            header = false;
            continue;
        }
        if (a.empty()) throw parse_error(source_name, line_no, 1, "empty instrument name");
        if (b.empty()) throw parse_error(source_name, line_no, 2, "empty sector for '" + std::string(a) + "'");
        const std::string name(a);
        if (auto it = first_line.find(name); it != first_line.end())
            throw parse_error(source_name, line_no, 1,
                              "instrument '" + name + "' listed twice (first on line " + std::to_string(it->second) + ")");
        first_line[name] = line_no;
        out[name] = std::string(b);
        if (end == text.size()) break;
    }
    if (header) throw parse_error(source_name, 1, 0, "empty file: expected the header 'instrument,sector'");
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
