// The fixed strings of mapio grep and where they match in a buffer of whole lines, as GNU grep -F
// (3.8) finds them: the leftmost match, the longest at that place, with -w and -x narrowing which
// occurrences count. Lines end at '\n' (the caller turns NUL bytes into '\n' in a binary file, as
// GNU grep does); no pattern holds either byte, so no match crosses a line end.
//
//     GrepMatcher m({"fox", "dog"}, {.ignore_case = true});
//     GrepMatcher::Cursor at(m, text);      // one cursor per buffer: it caches where each pattern is next
//     auto hit = at.find(0);                // std::nullopt when nothing matches from 0 on
//
// Case folding (-i): outside UTF-8 a byte folds by the locale's toupper() (in the C locale only
// ASCII letters; in ISO-8859-1 also é and É), as GNU grep's byte table does. In a UTF-8 locale a character
// matches every character whose towupper() is the same as its own — what GNU grep's case-folded
// counterparts come to with glibc (s, S and U+017F; k and K but not U+212A, whose upper case is
// itself). Bytes that are not UTF-8 match only themselves.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mapio/scan/scan.hpp"

namespace mapio::cli {

struct MatchRules {
  bool ignore_case = false;  ///< -i
  bool words = false;        ///< -w: the match neither follows nor precedes a word character
  bool lines = false;        ///< -x: the match is the whole line
  bool utf8 = false;         ///< the locale's encoding is UTF-8 (else bytes are characters)
};

class GrepMatcher {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  struct Match {
    std::size_t start = 0;
    std::size_t length = 0;
  };

  GrepMatcher(std::vector<std::string> patterns, MatchRules rules);

  /// Searches one buffer of whole lines; remembers where each pattern occurs next, so that a
  /// search from a later place rescans nothing. The buffer must outlive the cursor.
  class Cursor {
   public:
    Cursor(const GrepMatcher& matcher, std::string_view data);
    /// Starts over on another buffer (allocating nothing: a mapped search reuses one cursor).
    /// With `watch_nul` (only where finds_nul()), a NUL byte met before the next match ends find()
    /// (nullopt) and is remembered in nul_at(); the bytes before `nul_free` are known to hold none.
    void reset(std::string_view data, bool watch_nul = false, std::size_t nul_free = 0);
    /// The NUL byte a watching find() stopped at (npos: none met).
    std::size_t nul_at() const { return nul_at_; }
    /// The bytes before this offset hold no NUL, as far as the watching searches have seen.
    std::size_t nul_free_to() const { return nul_free_to_; }
    /// The caller saw that the bytes before `to` hold no NUL.
    void nul_free_at_least(std::size_t to) { nul_free_to_ = std::max(nul_free_to_, std::min(to, data_.size())); }
    /// The leftmost match starting at or after `from` (a place the caller reached by matches and
    /// line ends, never inside a character), the longest there that the rules accept.
    std::optional<Match> find(std::size_t from);

   private:
    /// Where pattern `i` next occurs at or after `from` (data.size() when it does not).
    std::size_t next_of(std::size_t i, std::size_t from);
    /// find() through the matcher's PatternSet: every pattern (and a NUL) in one pass.
    std::optional<Match> find_in_set(std::size_t from);

    const GrepMatcher& m_;
    std::string_view data_;
    std::vector<std::size_t> next_;       // next occurrence found for each pattern
    std::vector<std::size_t> searched_;  // from where next_ was searched (npos: not yet)
    bool watch_nul_ = false;
    std::size_t nul_free_to_ = 0;
    std::size_t nul_at_ = static_cast<std::size_t>(-1);
  };

  /// Whether a Cursor can watch for NUL bytes in the same pass as its search: exact patterns (no
  /// -i), none empty, at most PatternSet::max_patterns of them — searched as one PatternSet.
  bool finds_nul() const { return set_ != nullptr; }

  /// Whether the character before `at` (at the start of data: none) is a word character, and the
  /// one at `at`: letters and digits of the locale, and '_'.
  bool word_before(std::string_view data, std::size_t at) const;
  bool word_at(std::string_view data, std::size_t at) const;

  /// Whether `text` is valid in the locale's encoding (always so outside UTF-8).
  static bool valid_utf8(std::string_view text);

 private:
  // A pattern as -i compares it: one unit per character, the key its case folds to.
  struct Unit {
    std::uint32_t key;   // towupper of the character (an ASCII toupper byte in the C locale)
    bool raw;            // a byte that is not UTF-8: compared as itself
  };
  struct Pattern {
    std::string bytes;
    std::vector<Unit> units;           // for -i
    std::vector<bool> first_bytes;     // for -i: bytes that can start a match (256)
    unsigned char first_a = 0, first_b = 0;  // when only one or two bytes can
    int first_count = 0;
  };

  /// Length of a match of pattern `p` at `at`, or npos.
  std::size_t match_at(const Pattern& p, std::string_view data, std::size_t at) const;
  /// Next place at or after `from` where pattern `p` occurs (data.size() when none).
  std::size_t occurrence(const Pattern& p, std::string_view data, std::size_t from) const;
  /// Whether `at` is inside a UTF-8 character (never so outside UTF-8).
  bool inside_character(std::string_view data, std::size_t at) const;
  bool accepted(std::string_view data, std::size_t at, std::size_t length) const;

  std::vector<Pattern> patterns_;
  MatchRules rules_;
  std::shared_ptr<const PatternSet> set_;  // the patterns searched together, when finds_nul()
};

}  // namespace mapio::cli
