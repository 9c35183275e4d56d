#pragma once
// L2-penalised logistic regression fitted to convergence by Newton's method (IRLS).
//
// The small, exactly reproducible baseline of the early-warning studies (and the model behind
// stacking and credit scorecards): with p features the Newton system is only (p+1) x (p+1), so
// each step costs O(n p^2) and the fit converges in a handful of steps to machine precision,
// where a first-order method would leave the answer depending on its stopping rule.
// Equations and references: docs/statistics.md.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "canary/core/error.hpp"

namespace canary::models {

struct logistic_fit_options {
    /// Minimises sum_i w_i * logloss_i + (l2 / 2) * ||beta||^2 (the intercept is not penalised),
    /// the same optimum as sklearn's LogisticRegression(C = 1 / l2). l2 = 0: unpenalised.
    double l2 = 1.0;
    int max_iterations = 100;
    /// Converged when a Newton step moves no parameter by more than tolerance * (1 + max |theta|).
    double tolerance = 1e-10;
    std::span<const double> sample_weight = {};  ///< empty: all 1; else n finite weights >= 0
};

struct logistic_regression {
    std::vector<double> coefficients;
    double intercept = 0;
    int iterations = 0;      ///< Newton steps taken
    bool converged = false;  ///< false when max_iterations ran out (e.g. separable data with l2 = 0)

    /// fit(x, n, p, labels, options)
    ///   requires: x.size() == n * p, row-major (else shape_error); n >= 1, labels.size() == n (else
    ///             shape_error); labels 0 or 1 with both classes present (else config_error: the
    ///             unpenalised intercept would diverge); x finite (else numeric_error naming row and
    ///             column); l2 >= 0, max_iterations >= 1, tolerance > 0, sample_weight empty or n
    ///             finite values >= 0 with a positive sum (else config_error / numeric_error).
    ///   ensures:  Newton's method from zero on the penalised objective, each step solved by a
    ///             Cholesky factorisation of the (p+1) x (p+1) Hessian (a tiny ridge is added when
    ///             it is numerically singular) and shortened by step halving until the objective
    ///             decreases (Armijo). Without a penalty on separable data the optimum is at
    ///             infinity: no step size settles, so the fit stops at max_iterations with
    ///             converged = false and finite coefficients that separate the data.
    static logistic_regression fit(std::span<const double> x, std::size_t n, std::size_t p, std::span<const int> labels,
                                   const logistic_fit_options& options = {}) {
        constexpr const char* who = "canary::models::logistic_regression::fit";
        if (n == 0) throw shape_error(std::string(who) + ": no observations");
        if (x.size() != n * p)
            throw shape_error(std::string(who) + ": x holds " + std::to_string(x.size()) + " values, but n * p = " +
                              std::to_string(n) + " * " + std::to_string(p) + " = " + std::to_string(n * p));
        if (labels.size() != n)
            throw shape_error(std::string(who) + ": " + std::to_string(labels.size()) + " labels for " +
                              std::to_string(n) + " rows");
        std::size_t positives = 0;
        for (std::size_t i = 0; i < n; ++i) {
            if (labels[i] != 0 && labels[i] != 1)
                throw config_error(std::string(who) + ": label of row " + std::to_string(i) + " is " +
                                   std::to_string(labels[i]) + "; labels must be 0 or 1");
            positives += static_cast<std::size_t>(labels[i]);
        }
        if (positives == 0 || positives == n)
            throw config_error(std::string(who) + ": the labels hold a single class; the intercept would diverge");
        require_finite(x, n, p, who);
        if (!(options.l2 >= 0.0) || !std::isfinite(options.l2))
            throw config_error(std::string(who) + ": l2 must be a finite number >= 0");
        if (options.max_iterations < 1) throw config_error(std::string(who) + ": max_iterations must be at least 1");
        if (!(options.tolerance > 0.0)) throw config_error(std::string(who) + ": tolerance must be positive");
        std::vector<double> weight(n, 1.0);
        if (!options.sample_weight.empty()) {
            if (options.sample_weight.size() != n)
                throw shape_error(std::string(who) + ": " + std::to_string(options.sample_weight.size()) +
                                  " sample weights for " + std::to_string(n) + " rows");
            double total = 0.0;
            for (std::size_t i = 0; i < n; ++i) {
                const double w = options.sample_weight[i];
                if (!std::isfinite(w))
                    throw numeric_error(std::string(who) + ": sample weight of row " + std::to_string(i) + " is not finite");
                if (w < 0.0)
                    throw config_error(std::string(who) + ": sample weight of row " + std::to_string(i) + " is negative");
                weight[i] = w;
                total += w;
            }
            if (!(total > 0.0)) throw config_error(std::string(who) + ": the sample weights sum to zero");
        }

        // theta = (beta_0 .. beta_{p-1}, intercept); row i of the design is (x_i, 1).
        const std::size_t d = p + 1;
        std::vector<double> theta(d, 0.0), gradient(d), hessian(d * d), step(d), candidate(d), z(n);
        auto linear = [&](const std::vector<double>& t, std::vector<double>& out) {
            for (std::size_t i = 0; i < n; ++i) {
                double s = t[p];
                for (std::size_t j = 0; j < p; ++j) s += x[i * p + j] * t[j];
                out[i] = s;
            }
        };
        auto objective = [&](const std::vector<double>& t, const std::vector<double>& zt) {
            double sum = 0.0;
            for (std::size_t i = 0; i < n; ++i)
                if (weight[i] != 0.0) sum += weight[i] * (softplus(zt[i]) - double(labels[i]) * zt[i]);
            double squares = 0.0;
            for (std::size_t j = 0; j < p; ++j) squares += t[j] * t[j];
            return sum + 0.5 * options.l2 * squares;
        };
        // Without a penalty, the optimum exists iff the classes overlap; when the current fit
        // separates them (every weighted row on its side of the boundary) the objective has no
        // minimiser and a vanishing step must not be read as convergence.
        auto separates = [&](const std::vector<double>& zt) {
            for (std::size_t i = 0; i < n; ++i)
                if (weight[i] != 0.0 && (labels[i] == 1 ? zt[i] <= 0.0 : zt[i] >= 0.0)) return false;
            return true;
        };

        logistic_regression model;
        linear(theta, z);
        double current = objective(theta, z);
        std::vector<double> z_candidate(n);
        for (int iteration = 0; iteration < options.max_iterations; ++iteration) {
            std::fill(gradient.begin(), gradient.end(), 0.0);
            std::fill(hessian.begin(), hessian.end(), 0.0);
            for (std::size_t i = 0; i < n; ++i) {
                if (weight[i] == 0.0) continue;
                const double q = sigmoid(z[i]);
                const double residual = weight[i] * (q - double(labels[i]));
                const double curvature = weight[i] * q * (1.0 - q);
                const double* row = x.data() + i * p;
                for (std::size_t a = 0; a < d; ++a) {
                    const double xa = a < p ? row[a] : 1.0;
                    gradient[a] += residual * xa;
                    for (std::size_t b = 0; b <= a; ++b) hessian[a * d + b] += curvature * xa * (b < p ? row[b] : 1.0);
                }
            }
            for (std::size_t j = 0; j < p; ++j) {
                gradient[j] += options.l2 * theta[j];
                hessian[j * d + j] += options.l2;
            }
            newton_direction(hessian, gradient, step, d);
            double slope = 0.0;
            for (std::size_t a = 0; a < d; ++a) slope += gradient[a] * step[a];
            double size = 1.0;
            bool accepted = false;
            for (int halving = 0; halving < 60; ++halving, size /= 2.0) {
                for (std::size_t a = 0; a < d; ++a) candidate[a] = theta[a] + size * step[a];
                linear(candidate, z_candidate);
                const double value = objective(candidate, z_candidate);
                // Near the optimum the decrease drops below the objective's rounding; a full Newton
                // step that does not increase it beyond rounding is then taken as is.
                const bool sufficient = value <= current + 1e-4 * size * slope;
                const bool within_rounding = size == 1.0 && value <= current + 1e-14 * std::abs(current);
                if (std::isfinite(value) && (sufficient || within_rounding)) {
                    accepted = true;
                    current = value;
                    break;
                }
            }
            double newton_move = 0.0, largest_parameter = 0.0;
            for (double s : step) newton_move = std::max(newton_move, std::abs(s));
            if (accepted) {
                theta.swap(candidate);
                z.swap(z_candidate);
                model.iterations = iteration + 1;
            }
            for (double t : theta) largest_parameter = std::max(largest_parameter, std::abs(t));
            if (options.l2 == 0.0 && separates(z)) {
                if (!accepted) break;  // stuck at a separating fit: converged stays false
                continue;
            }
            if (accepted && size * newton_move <= options.tolerance * (1.0 + largest_parameter)) {
                model.converged = true;
                break;
            }
            if (!accepted) {
                // No decrease is left at double precision. That is convergence when the proposed
                // Newton step was already tiny, and a stuck fit otherwise.
                model.converged = newton_move <= std::sqrt(options.tolerance) * (1.0 + largest_parameter);
                break;
            }
        }
        model.coefficients.assign(theta.begin(), theta.begin() + static_cast<std::ptrdiff_t>(p));
        model.intercept = theta[p];
        return model;
    }

    /// decision_function(x, n): x_i . coefficients + intercept for each of the n rows.
    ///   requires: x.size() == n * coefficients.size() (else shape_error); x finite (else
    ///             numeric_error naming row and column).
    std::vector<double> decision_function(std::span<const double> x, std::size_t n) const {
        constexpr const char* who = "canary::models::logistic_regression::decision_function";
        const std::size_t p = coefficients.size();
        if (x.size() != n * p)
            throw shape_error(std::string(who) + ": x holds " + std::to_string(x.size()) + " values, but n * p = " +
                              std::to_string(n) + " * " + std::to_string(p) + " = " + std::to_string(n * p));
        require_finite(x, n, p, who);
        std::vector<double> out(n);
        for (std::size_t i = 0; i < n; ++i) {
            double s = intercept;
            for (std::size_t j = 0; j < p; ++j) s += x[i * p + j] * coefficients[j];
            out[i] = s;
        }
        return out;
    }

    /// predict_proba(x, n): sigmoid(decision_function), the probability of label 1.
    std::vector<double> predict_proba(std::span<const double> x, std::size_t n) const {
        auto out = decision_function(x, n);
        for (double& v : out) v = sigmoid(v);
        return out;
    }

private:
    static double sigmoid(double z) {
        if (z >= 0.0) return 1.0 / (1.0 + std::exp(-z));
        const double e = std::exp(z);
        return e / (1.0 + e);
    }
    static double softplus(double z) { return z > 0.0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z)); }

    static void require_finite(std::span<const double> x, std::size_t n, std::size_t p, const char* who) {
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < p; ++j)
                if (!std::isfinite(x[i * p + j]))
                    throw numeric_error(std::string(who) + ": x at row " + std::to_string(i) + ", column " +
                                        std::to_string(j) + " is " + (std::isnan(x[i * p + j]) ? "NaN" : "infinite"));
    }

    // Solves H step = -g for the lower triangle of H by Cholesky. When H is not numerically
    // positive definite (vanishing curvature on separable data without a penalty) a ridge of
    // 1e-10 * (1 + max diagonal), growing tenfold, is added until the factorisation succeeds.
    static void newton_direction(const std::vector<double>& hessian, const std::vector<double>& gradient,
                                 std::vector<double>& step, std::size_t d) {
        double largest_diagonal = 0.0;
        for (std::size_t a = 0; a < d; ++a) largest_diagonal = std::max(largest_diagonal, hessian[a * d + a]);
        std::vector<double> factor(d * d);
        double ridge = 0.0;
        for (int attempt = 0; attempt < 40; ++attempt) {
            if (cholesky(hessian, factor, d, ridge)) break;
            ridge = ridge == 0.0 ? 1e-10 * (1.0 + largest_diagonal) : ridge * 10.0;
        }
        // Forward then backward substitution: L L^T step = -g.
        for (std::size_t a = 0; a < d; ++a) {
            double s = -gradient[a];
            for (std::size_t b = 0; b < a; ++b) s -= factor[a * d + b] * step[b];
            step[a] = s / factor[a * d + a];
        }
        for (std::size_t a = d; a-- > 0;) {
            double s = step[a];
            for (std::size_t b = a + 1; b < d; ++b) s -= factor[b * d + a] * step[b];
            step[a] = s / factor[a * d + a];
        }
    }

    static bool cholesky(const std::vector<double>& matrix, std::vector<double>& factor, std::size_t d, double ridge) {
        std::fill(factor.begin(), factor.end(), 0.0);
        for (std::size_t a = 0; a < d; ++a) {
            for (std::size_t b = 0; b <= a; ++b) {
                double s = matrix[a * d + b] + (a == b ? ridge : 0.0);
                for (std::size_t k = 0; k < b; ++k) s -= factor[a * d + k] * factor[b * d + k];
                if (a == b) {
                    // Relative pivot test: a pivot lost to cancellation is as bad as a negative one.
                    if (!(s > 1e-13 * (matrix[a * d + a] + ridge)) || !std::isfinite(s)) return false;
                    factor[a * d + a] = std::sqrt(s);
                } else {
                    factor[a * d + b] = s / factor[b * d + b];
                }
            }
        }
        return true;
    }
};

}  // namespace canary::models
