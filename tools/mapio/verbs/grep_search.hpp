// One file searched the way GNU grep -F 3.8 searches it, for mapio grep: read in pieces whose
// edges fall where GNU grep's reads fall (96 KiB), so that a file turns binary (a NUL byte) at the
// same line as in GNU grep; matching lines found with GrepMatcher, their line ends looked for only
// around matches; output as GNU grep prints it (prefixes, -n, -o, --color with GNU's default
// GREP_COLORS), collected into whole lines.
//
//     FileSearch search(settings, matcher);
//     auto result = search.run(input, "name", out);   // throws mapio::Error on a read error
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "grep_matcher.hpp"
#include "mapio/scan/input.hpp"

namespace mapio::cli {

/// What mapio grep prints, and when it stops.
struct SearchSettings {
  bool invert = false;          // -v
  bool only_matching = false;   // -o
  bool line_numbers = false;    // -n
  bool count = false;           // -c
  bool quiet = false;           // -q, -l, -L: no lines, the first selected line is enough
  bool text = false;            // -a: a NUL byte is a byte like another
  bool color = false;           // --color
  bool utf8 = false;            // lines to print must be UTF-8 (else the file is binary)
  bool with_name = false;       // FILE: prefixes
  std::uint64_t max_count = UINT64_MAX;  // -m
  bool map_large = true;        // map regular files of 1 MiB and more (--method auto or map)
};

struct SearchResult {
  std::uint64_t selected = 0;   // lines selected (matching, or not with -v), up to -m
  bool binary_matched = false;  // a selected line was not printed because the file is binary
};

/// Where output goes: whole lines appended to `text`; after each, line_done() may write out what
/// has collected (or keep it, for a file searched by another thread, until its turn comes).
class LineSink {
 public:
  virtual ~LineSink() = default;
  std::string text;
  /// Called after each whole line; writes out when enough has collected.
  virtual void line_done() = 0;
};

class FileSearch {
 public:
  FileSearch(const SearchSettings& settings, const GrepMatcher& matcher)
      : s_(settings), cursor_(matcher, {}), finds_nul_(matcher.finds_nul()) {}
  /// Searches `input` from its current place; `name` is how output and messages show it.
  /// A read error throws mapio::Error after what was found before it has gone to `out`; the
  /// lines selected so far are then in `so_far`.
  SearchResult run(Input& input, std::string_view name, LineSink& out, SearchResult* so_far = nullptr);

 private:
  struct State;
  /// Searches whole lines data[begin, end) (end is after a '\n', or the end of the file);
  /// returns false when the search of the file is over.
  bool search(State& st, std::string_view data, bool binary);
  /// search() of a mapped file's text whose NUL bytes the matcher looks for in its own pass.
  bool search_watching(State& st, std::string_view data);
  bool select(State& st, std::string_view data, std::size_t line, std::size_t end,
              const GrepMatcher::Match* first, bool binary);
  void prefix(State& st, std::string_view data, std::size_t line);

  /// Reads the input from byte `offset` (pread for a regular file) to its end.
  bool run_read(State& st, Input& input, std::uint64_t offset, bool binary);
  /// A large regular file searched through a mapping, guarded against truncation (a lost page is
  /// a mapio::Error). Returns the offset where a NUL byte makes the rest binary (the read path
  /// takes it from there), or the file's size.
  std::uint64_t run_mapped(State& st, Input& input, bool& over);

  const SearchSettings& s_;
  GrepMatcher::Cursor cursor_;  // the matcher's, reused for every piece
  bool finds_nul_;              // the matcher can look for NUL bytes in its own pass
  /// A matching line that waits until its read of GNU grep's is known to hold no NUL.
  struct PendingLine {
    std::size_t line;
    std::size_t end;
    GrepMatcher::Match match;
    std::uint64_t need;  // no NUL may come before this offset of the file
  };
  std::vector<PendingLine> pending_;
  std::string buffer_;  // reused for every file this search reads
};

}  // namespace mapio::cli
