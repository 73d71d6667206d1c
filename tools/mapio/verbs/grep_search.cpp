// One file through mapio grep: pieces read like GNU grep's, binary files as GNU grep turns them,
// lines found around matches only.
#include "grep_search.hpp"

#include <algorithm>
#include <cstring>
#include <exception>

#include <fmt/format.h>

#include "mapio/core/error.hpp"
#include "mapio/core/mapping.hpp"
#include "mapio/core/syscall.hpp"
#include "mapio/scan/scan.hpp"

namespace mapio::cli {
namespace {

// GNU grep 3.8 reads 96 KiB at a time and looks for NUL bytes in each buffer it reads: a file is
// binary from the line where the first buffer holding a NUL starts. Reading a whole number of
// such pieces at a time puts mapio's decision on the same line.
constexpr std::size_t gnu_read = 98304;
constexpr std::size_t read_size = 10 * gnu_read;

// GNU grep's default GREP_COLORS (ms=01;31:fn=35:ln=32:se=36), each followed by "erase to the end
// of the line" as GNU grep writes them.
constexpr std::string_view color_match = "\33[01;31m\33[K";
constexpr std::string_view color_name = "\33[35m\33[K";
constexpr std::string_view color_number = "\33[32m\33[K";
constexpr std::string_view color_separator = "\33[36m\33[K";
constexpr std::string_view color_end = "\33[m\33[K";

// The end of the line holding `from` (its '\n', or the end of the data).
std::size_t line_end_in(std::string_view data, std::size_t from) {
  const void* nl = std::memchr(data.data() + from, '\n', data.size() - from);
  return nl == nullptr ? data.size() : static_cast<std::size_t>(static_cast<const char*>(nl) - data.data());
}

// The start of the line holding `at`, looking back no further than `from`.
std::size_t line_start_in(std::string_view data, std::size_t from, std::size_t at) {
  const void* nl = at > from ? memrchr(data.data() + from, '\n', at - from) : nullptr;
  return nl == nullptr ? from : static_cast<std::size_t>(static_cast<const char*>(nl) - data.data()) + 1;
}

}  // namespace

struct FileSearch::State {
  std::string_view name;
  LineSink& out;
  SearchResult result;
  std::uint64_t line_no = 0;     // line ends before data[counted_to] in the file
  std::size_t counted_to = 0;    // in the current piece
  GrepMatcher::Cursor* cursor = nullptr;
  // A mapped file whose NUL bytes the matcher looks for in its own pass (watch_nul): the file,
  // where the piece searched starts in it, and what is known of its first NUL.
  bool watch_nul = false;
  const char* file = nullptr;
  std::uint64_t file_size = 0;
  std::uint64_t origin = 0;                // the piece's offset in the file
  std::uint64_t nul_free_to = 0;           // no NUL before this offset
  std::uint64_t binary_from = UINT64_MAX;  // a NUL was found: the file is binary from this line on
};

void FileSearch::prefix(State& st, std::string_view data, std::size_t line) {
  std::string& o = st.out.text;
  if (s_.with_name) {
    if (s_.color) {
      o.append(color_name).append(st.name).append(color_end);
      o.append(color_separator).append(":").append(color_end);
    } else {
      o.append(st.name).push_back(':');
    }
  }
  if (s_.line_numbers) {
    if (line > st.counted_to) {
      st.line_no += count_lines(as_bytes(data.substr(st.counted_to, line - st.counted_to)));
      st.counted_to = line;
    }
    char digits[24];
    const auto end = fmt::format_to(digits, "{}", st.line_no + 1);
    const std::string_view number(digits, static_cast<std::size_t>(end - digits));
    if (s_.color) {
      o.append(color_number).append(number).append(color_end);
      o.append(color_separator).append(":").append(color_end);
    } else {
      o.append(number).push_back(':');
    }
  }
}

// Appends bytes of the searched data to the output. A mapped file is searched under the fault
// guard, which leaves by a jump when the file is cut short: the room is made first, from memory of
// our own, so that a fault in the copy leaves no buffer allocated half-way (a leak) behind.
static void append_mapped(std::string& o, std::string_view bytes) {
  if (o.capacity() - o.size() < bytes.size()) o.reserve(std::max(o.size() + bytes.size(), 2 * o.capacity()));
  o.append(bytes);
}

bool FileSearch::select(State& st, std::string_view data, std::size_t line, std::size_t end,
                        const GrepMatcher::Match* first, bool binary) {
  ++st.result.selected;
  const bool more = st.result.selected < s_.max_count;
  if (s_.quiet) return false;
  if (s_.count) return more;
  if (binary) {
    // GNU grep prints no line of a binary file: it says once that one matched, and stops.
    st.result.binary_matched = true;
    return false;
  }
  const bool check = s_.utf8 && !s_.text;
  std::string& o = st.out.text;
  if (s_.only_matching || (s_.color && !s_.invert)) {
    if (s_.invert) return more;  // -v -o: the selected lines hold no match to print
    // The line's matches, leftmost-longest and not overlapping, as GNU grep colours or prints them.
    const std::string_view whole = data.substr(0, end);
    std::size_t at = line;
    std::optional<GrepMatcher::Match> m = *first;
    bool began = false;
    while (m && m->start <= end) {
      if (m->start + m->length > end) break;
      if (m->length == 0) {
        if (m->start >= end) break;
        m = st.cursor->find(m->start + 1);
        continue;
      }
      const std::string_view piece = whole.substr(m->start, m->length);
      if (s_.only_matching) {
        if (check && !GrepMatcher::valid_utf8(piece)) {
          st.result.binary_matched = true;  // not printed, as in GNU grep
          at = m->start + m->length;
          if (at >= end) break;
          m = st.cursor->find(at);
          continue;
        }
        prefix(st, data, line);
        if (s_.color) {
          o.append(color_match);
          append_mapped(o, piece);
          o.append(color_end);
        } else {
          append_mapped(o, piece);
        }
        o.push_back('\n');
        st.out.line_done();
      } else {
        if (!began) {
          if (check && !GrepMatcher::valid_utf8(data.substr(line, end - line))) {
            st.result.binary_matched = true;
            return more;
          }
          prefix(st, data, line);
          began = true;
        }
        append_mapped(o, data.substr(at, m->start - at));
        o.append(color_match);
        append_mapped(o, piece);
        o.append(color_end);
      }
      at = m->start + m->length;
      if (at >= end) break;
      m = st.cursor->find(at);
    }
    if (s_.only_matching) return more;
    if (!began) {
      if (check && !GrepMatcher::valid_utf8(data.substr(line, end - line))) {
        st.result.binary_matched = true;
        return more;
      }
      prefix(st, data, line);
    }
    append_mapped(o, data.substr(at, end - at));
    o.push_back('\n');
    st.out.line_done();
    return more;
  }
  const std::string_view content = data.substr(line, end - line);
  if (check && !GrepMatcher::valid_utf8(content)) {
    // A line that is not text in the locale is not printed; GNU grep says at the end that a
    // binary file matched.
    st.result.binary_matched = true;
    return more;
  }
  prefix(st, data, line);
  append_mapped(o, content);
  o.push_back('\n');
  st.out.line_done();
  return more;
}

bool FileSearch::search(State& st, std::string_view data, bool binary) {
  if (st.watch_nul && st.binary_from == UINT64_MAX && !s_.invert && !binary) return search_watching(st, data);
  GrepMatcher::Cursor& cursor = cursor_;
  cursor.reset(data);
  st.cursor = &cursor;
  st.counted_to = 0;
  const std::size_t size = data.size();
  const bool open_end = size > 0 && data[size - 1] != '\n';  // the last line of a file, unended
  // A match at the very end belongs to a line only when the piece ends inside one.
  auto real = [&](const std::optional<GrepMatcher::Match>& m) { return m && (m->start < size || open_end); };
  auto line_end = [&](std::size_t from) { return line_end_in(data, from); };
  auto line_start = [&](std::size_t from, std::size_t at) { return line_start_in(data, from, at); };
  bool go_on = true;
  std::size_t pos = 0;
  if (!s_.invert) {
    while (pos < size) {
      const auto m = cursor.find(pos);
      if (!real(m)) break;
      const std::size_t line = line_start(pos, m->start);
      const std::size_t end = line_end(std::min(m->start + m->length, size));
      if (!select(st, data, line, end, &*m, binary)) {
        go_on = false;
        break;
      }
      pos = end + 1;
    }
  } else {
    while (pos < size) {
      const auto m = cursor.find(pos);
      const bool found = real(m);
      const std::size_t stop = found ? line_start(pos, m->start) : size;
      if (s_.count && !s_.quiet && s_.max_count == UINT64_MAX && stop > pos) {
        // Counting the lines between matches needs no line by line walk.
        st.result.selected += count_lines(as_bytes(data.substr(pos, stop - pos)));
        if (stop == size && open_end) ++st.result.selected;
        pos = stop;
      }
      while (pos < stop) {
        const std::size_t end = line_end(pos);
        if (!select(st, data, pos, end, nullptr, binary)) return false;
        pos = end + 1;
      }
      if (!found) break;
      pos = line_end(m->start + m->length) + 1;
    }
  }
  if (s_.line_numbers && st.counted_to < size) {
    st.line_no += count_lines(as_bytes(data.substr(st.counted_to)));
  }
  st.cursor = nullptr;
  return go_on;
}

// GNU grep calls a file binary from the line that holds the start of its 96 KiB read with the
// first NUL byte. Rather than a pass of its own over every byte, the NUL is looked for by the
// matcher's search (the same compares, one more byte value) and by the search for each matching
// line's end; a matching line is selected only once the bytes up to the end of the read holding
// its end are known to hold no NUL, so it waits (pending_) until the search has gone past that.
bool FileSearch::search_watching(State& st, std::string_view data) {
  constexpr std::uint64_t none = UINT64_MAX;
  GrepMatcher::Cursor& cursor = cursor_;
  st.cursor = &cursor;
  st.counted_to = 0;
  const std::uint64_t origin = st.origin;
  std::size_t size = data.size();
  auto line_end = [&](std::size_t from) { return line_end_in(data, from); };
  auto line_start = [&](std::size_t from, std::size_t at) { return line_start_in(data, from, at); };
  auto first_nul = [&](std::uint64_t from, std::uint64_t to) {  // in the file; none when there is none
    const void* nul = to > from ? std::memchr(st.file + from, '\0', to - from) : nullptr;
    return nul == nullptr ? none : static_cast<std::uint64_t>(static_cast<const char*>(nul) - st.file);
  };
  pending_.clear();
  std::size_t waiting = 0;      // pending_[waiting...] are not selected yet
  std::size_t selected_to = 0;  // after the last line selected
  std::size_t pos = 0;
  bool watching = true;
  auto select_pending = [&](auto ready) {
    for (; waiting < pending_.size() && ready(pending_[waiting]); ++waiting) {
      const PendingLine& p = pending_[waiting];
      selected_to = p.end + 1;
      if (!select(st, data, p.line, p.end, &p.match, false)) return false;
    }
    return true;
  };
  auto flush = [&] { return select_pending([&](const PendingLine& p) { return p.need <= st.nul_free_to; }); };
  // The file's first NUL is at `nul`: the text ends where the line holding the start of its read
  // starts. The waiting lines before that are selected; the rest of the piece is left to the
  // binary search (or, when the NUL is past this piece, the piece is all text). Returns false when
  // the search is over.
  auto turn_binary = [&](std::uint64_t nul) {
    watching = false;
    st.nul_free_to = nul;
    const std::uint64_t piece = nul / gnu_read * gnu_read;
    std::size_t limit = size;
    if (piece < origin + size) {
      const std::size_t at = piece > origin ? static_cast<std::size_t>(piece - origin) : 0;
      limit = line_start(selected_to, std::max(at, selected_to));
      st.binary_from = origin + limit;
    }
    if (!select_pending([&](const PendingLine& p) { return p.end < limit; })) return false;
    waiting = pending_.size();
    data = data.substr(0, limit);
    size = limit;
    pos = std::min(pos, limit);
    cursor.reset(data);
    return true;
  };
  // A NUL seen at `seen`; an earlier one may hide where no search looked yet.
  auto nul_seen = [&](std::uint64_t seen) {
    const std::uint64_t earlier = first_nul(st.nul_free_to, seen);
    return turn_binary(earlier == none ? seen : earlier);
  };
  if (st.nul_free_to < origin) {
    const std::uint64_t nul = first_nul(st.nul_free_to, origin);
    if (nul == none) {
      st.nul_free_to = origin;
    } else if (!turn_binary(nul)) {
      return false;
    }
  }
  if (watching) {
    cursor.reset(data, true, static_cast<std::size_t>(std::min<std::uint64_t>(size, st.nul_free_to - origin)));
  }
  while (pos < size) {
    const auto m = cursor.find(pos);
    if (watching) {
      st.nul_free_to = std::max(st.nul_free_to, origin + cursor.nul_free_to());
      if (cursor.nul_at() != GrepMatcher::npos) {
        if (!nul_seen(origin + cursor.nul_at())) return false;
        continue;
      }
      if (!flush()) return false;
    }
    if (!m || m->start >= size) break;
    const std::size_t line = line_start(pos, m->start);
    const std::size_t after = std::min(m->start + m->length, size);
    if (!watching) {
      const std::size_t end = line_end(after);
      if (!select(st, data, line, end, &*m, false)) return false;
      selected_to = end + 1;
      pos = end + 1;
      continue;
    }
    // The line's end, and a NUL before it, in one search.
    const std::size_t stop = find_either(as_bytes(data), std::byte{'\n'}, std::byte{0}, after);
    if (stop != not_found && data[stop] == '\0') {
      if (!nul_seen(origin + stop)) return false;
      continue;
    }
    const std::size_t end = stop == not_found ? size : stop;
    if (st.nul_free_to >= origin + m->start) {
      const std::size_t clean = std::min(end + 1, size);
      st.nul_free_to = std::max(st.nul_free_to, origin + clean);
      cursor.nul_free_at_least(clean);
    }
    pending_.push_back({line, end, *m, std::min(st.file_size, (origin + end) / gnu_read * gnu_read + gnu_read)});
    if (!flush()) return false;
    pos = end + 1;
  }
  if (watching) {
    // Lines still waiting need the rest of their reads, past the bytes searched; and a NUL that no
    // search looked at (-x skips the rest of a line) still makes the file binary from its read on.
    const std::uint64_t need = std::max(origin + size, waiting < pending_.size() ? pending_.back().need : 0);
    const std::uint64_t nul = first_nul(st.nul_free_to, need);
    if (nul != none) {
      if (!turn_binary(nul)) return false;
    } else {
      st.nul_free_to = std::max(st.nul_free_to, need);
      if (!flush()) return false;
    }
  }
  if (s_.line_numbers && st.counted_to < size) {
    st.line_no += count_lines(as_bytes(data.substr(st.counted_to)));
  }
  st.cursor = nullptr;
  return true;
}

SearchResult FileSearch::run(Input& input, std::string_view name, LineSink& out, SearchResult* so_far) {
  State st{name, out, {}, 0, 0, nullptr};
  if (s_.max_count == 0) return st.result;  // -m 0 reads nothing
  try {
    std::uint64_t offset = 0;
    bool over = false;
    if (s_.map_large && input.is_regular() && input.size() >= (std::uint64_t{1} << 20) && input.size_is_length()) {
      offset = run_mapped(st, input, over);
      if (over || offset == input.size()) return st.result;
      run_read(st, input, offset, true);
    } else {
      run_read(st, input, 0, false);
    }
  } catch (const Error&) {
    if (so_far != nullptr) *so_far = st.result;
    throw;
  }
  return st.result;
}

std::uint64_t FileSearch::run_mapped(State& st, Input& input, bool& over) {
  const std::uint64_t size = input.size();
  const Mapping map = Mapping::map_descriptor(input.descriptor(), 0, static_cast<std::size_t>(size), Protection::read,
                                              Sharing::shared, input.name());
  map.advise(Advice::sequential);
  const char* base = reinterpret_cast<const char*>(map.bytes().data());
  // Everything below runs under the mapping's fault guard, which leaves by a jump: nothing on
  // this stack owns memory, and a write error is carried out rather than thrown through it.
  std::size_t begin = 0;  // the first line not searched yet
  std::uint64_t binary_from = size;
  std::exception_ptr failure;
  st.watch_nul = !s_.text && !s_.invert && finds_nul_;
  st.file = base;
  st.file_size = size;
  map.scan_safely(
      [&](std::span<const std::byte> chunk) -> bool {
        const auto* data = reinterpret_cast<const char*>(chunk.data());
        const std::size_t end = static_cast<std::size_t>(data - base) + chunk.size();
        std::size_t complete = end;
        if (!s_.text && !st.watch_nul) {
          const void* nul = std::memchr(data, '\0', chunk.size());
          if (nul != nullptr) {
            const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(nul) - base);
            const std::size_t piece = at / gnu_read * gnu_read;
            const void* nl = piece > begin ? memrchr(base + begin, '\n', piece - begin) : nullptr;
            binary_from = nl == nullptr ? begin : static_cast<std::size_t>(static_cast<const char*>(nl) - base) + 1;
            complete = static_cast<std::size_t>(binary_from);
          }
        }
        if (complete == end && end < size) {
          const void* nl = end > begin ? memrchr(base + begin, '\n', end - begin) : nullptr;
          complete = nl == nullptr ? begin : static_cast<std::size_t>(static_cast<const char*>(nl) - base) + 1;
        }
        if (complete > begin) {
          try {
            st.origin = begin;
            if (!search(st, std::string_view(base + begin, complete - begin), false)) {
              over = true;
              return false;
            }
          } catch (...) {
            failure = std::current_exception();
            return false;
          }
          begin = complete;
          if (st.binary_from != UINT64_MAX) binary_from = st.binary_from;
        }
        return binary_from == size;
      },
      0, static_cast<std::size_t>(size), 16 * gnu_read);
  st.watch_nul = false;  // the rest, if any, is read
  if (failure) std::rethrow_exception(failure);
  return binary_from;
}

bool FileSearch::run_read(State& st, Input& input, std::uint64_t offset, bool binary) {
  if (buffer_.size() < read_size + gnu_read) buffer_.resize(read_size + gnu_read);
  const bool positioned = offset > 0;  // a regular file, read from where a mapped search stopped
  std::size_t held = 0;       // an unfinished line carried at the front of the buffer
  std::uint64_t base = offset;  // bytes of the input before buffer_[0]
  char* b = buffer_.data();
  for (;;) {
    if (buffer_.size() - held < read_size) {
      // A line longer than the buffer: make room for it and another read.
      buffer_.resize(held + read_size);
      b = buffer_.data();
    }
    const auto room = std::as_writable_bytes(std::span(b + held, read_size));
    const ssize_t n = positioned ? sys::pread(input.descriptor(), room, base + held) : sys::read(input.descriptor(), room);
    if (n < 0) throw_errno("read", input.name());
    const std::size_t got = static_cast<std::size_t>(n);
    const std::size_t have = held + got;
    const bool eof = got == 0;
    std::size_t start = 0;
    if (!s_.text && got > 0) {
      char* fresh = b + held;
      if (!binary) {
        const void* nul = std::memchr(fresh, '\0', got);
        if (nul != nullptr) {
          // The line where GNU grep's buffer with this NUL begins: search what is before it as text.
          const std::uint64_t at = base + held + static_cast<std::size_t>(static_cast<const char*>(nul) - fresh);
          const std::uint64_t piece = at / gnu_read * gnu_read;
          const std::size_t edge = piece > base ? static_cast<std::size_t>(piece - base) : 0;
          const void* nl = edge > 0 ? memrchr(b, '\n', edge) : nullptr;
          const std::size_t cut = nl == nullptr ? 0 : static_cast<std::size_t>(static_cast<const char*>(nl) - b) + 1;
          if (cut > 0 && !search(st, std::string_view(b, cut), false)) return false;
          start = cut;
          binary = true;
          std::replace(b + cut, b + have, '\0', '\n');
        }
      } else {
        std::replace(fresh, fresh + got, '\0', '\n');
      }
    }
    std::size_t complete = have;
    if (!eof) {
      const void* nl = have > start ? memrchr(b + start, '\n', have - start) : nullptr;
      complete = nl == nullptr ? start : static_cast<std::size_t>(static_cast<const char*>(nl) - b) + 1;
    }
    if (complete > start && !search(st, std::string_view(b + start, complete - start), binary)) return false;
    if (eof) return true;
    held = have - complete;
    std::memmove(b, b + complete, held);
    base += complete;
  }
}

}  // namespace mapio::cli
