#pragma once
// canary-risk's plots through gnuplot, the way a reader can redo them: every plot is a plain data
// file plus a .gp script in one folder, and the PNG is what `gnuplot <name>.gp` makes there. The program runs
// gnuplot itself when it is installed (Debian: gnuplot-nox); without it the data and scripts are
// still written and plot_session::summary() says how to render them later.
//
// Scripts write to `outfile` when it is defined (gnuplot -e "outfile='...'"), else to <name>.png;
// the program renders into a temporary name and renames it, so a PNG is never half-written.
// It lives with the program, not in the library: it runs a shell (std::system), which no canary
// header does.
#include <cstdlib>
#include <filesystem>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "canary/io/text_file.hpp"
#include "canary/core/error.hpp"
#include "canary/risk/interpretability.hpp"

namespace canary_risk {

/// Quotes s for a POSIX shell (single quotes; embedded ones become '\'').
inline std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

/// Escapes s for a gnuplot double-quoted string (titles of series named by users).
inline std::string gnuplot_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

/// The opening lines every script shares: PNG terminal and the outfile convention.
inline std::string gnuplot_preamble(const std::string& name, int width = 1100, int height = 600) {
    std::ostringstream s;
    s << "# Render with: gnuplot " << name << ".gp   (writes " << name << ".png)\n"
      << "if (!exists(\"outfile\")) outfile = \"" << name << ".png\"\n"
      << "set terminal pngcairo size " << width << "," << height << " font \"DejaVu Sans,10\" noenhanced\n"
      << "set output outfile\n"
      << "set datafile separator \",\"\n"
      << "set key outside right top\n"
      << "set grid\n";
    return s.str();
}

class plot_session {
public:
    explicit plot_session(std::filesystem::path dir, bool run_gnuplot = true) : dir_(std::move(dir)) {
        std::filesystem::create_directories(dir_);
        available_ = run_gnuplot && std::system("command -v gnuplot >/dev/null 2>&1") == 0;
    }

    const std::filesystem::path& dir() const noexcept { return dir_; }
    bool gnuplot_available() const noexcept { return available_; }

    /// Writes a data file into the plot folder (atomically).
    void data(const std::string& file_name, const std::string& text) const {
        canary::io::atomic_write(dir_ / file_name, text);
    }

    /// Writes `<name>.gp` and, when gnuplot is available, renders `<name>.png`. Returns whether a PNG
    /// was made; a gnuplot failure is recorded (summary()) rather than thrown: the study's numbers
    /// matter more than its pictures.
    bool render(const std::string& name, const std::string& script) {
        canary::io::atomic_write(dir_ / (name + ".gp"), script);
        scripts_.push_back(name);
        if (!available_) return false;
        const std::string tmp = "." + name + ".png.tmp";
        const std::string command = "cd " + shell_quote(dir_.string()) + " && gnuplot -e " +
                                    shell_quote("outfile='" + tmp + "'") + " " + shell_quote(name + ".gp") +
                                    " >" + shell_quote("." + name + ".log") + " 2>&1";
        const int rc = std::system(command.c_str());
        std::error_code ec;
        if (rc != 0 || !std::filesystem::exists(dir_ / tmp)) {
            failed_.push_back(name);
            std::filesystem::remove(dir_ / tmp, ec);
            return false;
        }
        std::filesystem::rename(dir_ / tmp, dir_ / (name + ".png"), ec);
        if (ec) {
            failed_.push_back(name);
            return false;
        }
        std::filesystem::remove(dir_ / ("." + name + ".log"), ec);
        rendered_.push_back(name);
        return true;
    }

    /// One line for the program's output.
    std::string summary() const {
        std::ostringstream s;
        if (!available_) {
            s << "gnuplot not found: wrote " << scripts_.size() << " plot scripts and their data to " << dir_.string()
              << "; install gnuplot-nox and run: cd " << shell_quote(dir_.string()) << " && for f in *.gp; do gnuplot \"$f\"; done";
            return s.str();
        }
        s << "plots: " << rendered_.size() << " PNGs in " << dir_.string();
        if (!failed_.empty()) {
            s << "; gnuplot failed for";
            for (const auto& f : failed_) s << " " << f << " (see ." << f << ".log)";
        }
        return s.str();
    }

private:
    std::filesystem::path dir_;
    bool available_ = false;
    std::vector<std::string> scripts_, rendered_, failed_;
};

/// heat_map_script(name, title, data_file, rows, columns, column_names, y_label, diverging)
///   The data file is CSV "row,column,value" (0-based indices, rows x columns cells); rows run up
///   the y axis. column_names (may be empty) label the x axis.
inline std::string heat_map_script(const std::string& name, const std::string& title, const std::string& data_file,
                                   std::size_t rows, std::size_t columns, const std::vector<std::string>& column_names,
                                   const std::string& y_label, bool diverging = true) {
    std::ostringstream s;
    s << gnuplot_preamble(name, 1100, 650) << "unset key\nunset grid\n"
      << "set xrange [-0.5:" << double(columns) - 0.5 << "]\nset yrange [-0.5:" << double(rows) - 0.5 << "]\n"
      << "set title \"" << gnuplot_escape(title) << "\"\n"
      << "set ylabel \"" << gnuplot_escape(y_label) << "\"\n"
      << "set xtics rotate by 45 right";
    if (!column_names.empty()) {
        s << " (";
        for (std::size_t c = 0; c < column_names.size(); ++c)
            s << (c ? ", " : "") << "\"" << gnuplot_escape(column_names[c]) << "\" " << c;
        s << ")";
    }
    s << "\n";
    if (diverging) s << "set palette defined (-1 \"blue\", 0 \"white\", 1 \"red\")\nset cbrange [-1:1]\n";
    else s << "set palette defined (0 \"white\", 1 \"dark-red\")\n";
    s << "set cblabel \"" << (diverging ? "value / max |value|" : "value") << "\"\n"
      << "plot \"" << data_file << "\" using 2:1:3 with image\n";
    return s.str();
}

/// Hook for attention models: weights[d] is the (T) attention vector the model put on the window
/// ending on day row_labels[d]. Writes attention_<model>.csv (one row per day, columns lag -(T-1)
/// .. 0), the heat-map data and script, and renders it. Call it from the model's runner.
inline void write_attention_outputs(plot_session& plots, const std::filesystem::path& out_dir, const std::string& model,
                                    const std::vector<std::string>& row_labels,
                                    const std::vector<std::vector<double>>& weights) {
    if (weights.size() != row_labels.size())
        throw canary::shape_error("write_attention_outputs: " + std::to_string(weights.size()) + " weight vectors for " +
                          std::to_string(row_labels.size()) + " days");
    const std::size_t steps = weights.empty() ? 0 : weights.front().size();
    std::vector<std::string> lags;
    for (std::size_t k = 0; k < steps; ++k) lags.push_back("lag" + std::to_string(int(k) - int(steps) + 1));
    std::vector<double> flat;
    std::ostringstream cells;
    for (std::size_t d = 0; d < weights.size(); ++d) {
        if (weights[d].size() != steps) throw canary::shape_error("write_attention_outputs: weight vectors differ in length");
        flat.insert(flat.end(), weights[d].begin(), weights[d].end());
        for (std::size_t k = 0; k < steps; ++k) cells << d << "," << k << "," << weights[d][k] << "\n";
    }
    canary::io::atomic_write(out_dir / ("attention_" + model + ".csv"), canary::risk::day_feature_csv(row_labels, lags, flat));
    const std::string name = "attention_" + model;
    plots.data(name + ".dat", cells.str());
    std::string script = heat_map_script(name, "attention weights of " + model + " (rows: test days, columns: window lag)",
                                         name + ".dat", weights.size(), steps, {}, "test day (index)", false);
    script.insert(script.rfind("\nplot \"") + 1, "set xlabel \"window position (0 = oldest day)\"\n");
    plots.render(name, script);
}

}  // namespace canary_risk
