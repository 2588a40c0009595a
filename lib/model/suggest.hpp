#pragma once
// "did you mean 'list'?": the known word nearest a mistyped one, as git and cargo suggest.
#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lab {

// Levenshtein distance: insertions, deletions and substitutions.
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

// The nearest of `known` within two edits (or a prefix of one), if any.
inline std::optional<std::string> nearest(std::string_view typed, const std::vector<std::string>& known) {
    std::optional<std::string> best;
    std::size_t best_distance = 3;
    for (const auto& word : known) {
        std::size_t d = word.starts_with(typed) && !typed.empty() ? 1 : edit_distance(typed, word);
        if (d < best_distance) {
            best = word;
            best_distance = d;
        }
    }
    return best;
}

// " — did you mean 'list'?" for the nearest of `known`, or empty: the clause every refusal of a
// mistyped word (command, flag, scenario, key) appends.
inline std::string did_you_mean(std::string_view typed, const std::vector<std::string>& known) {
    auto guess = nearest(typed, known);
    return guess ? " — did you mean '" + *guess + "'?" : std::string();
}

}  // namespace lab
