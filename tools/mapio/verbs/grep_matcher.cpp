// Where mapio grep's fixed strings match: the byte search of mapio::find (the SIMD kernels) for
// exact patterns, a search for the bytes that can start a folded match for -i, and GNU grep -F's
// word and line rules on top.
#include "grep_matcher.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <cwctype>
#include <set>

#include "mapio/scan/scan.hpp"

namespace mapio::cli {
namespace {

// One UTF-8 character at `p` (of at most `n` bytes), strictly (no overlong forms, surrogates or
// code points past U+10FFFF): its length, or 0 when the bytes there are not one.
std::size_t decode(const unsigned char* p, std::size_t n, char32_t& cp) {
  if (n == 0) return 0;
  const unsigned c = p[0];
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  std::size_t length = 0;
  char32_t min = 0;
  if (c >= 0xc2 && c <= 0xdf) {
    length = 2, cp = c & 0x1f, min = 0x80;
  } else if (c >= 0xe0 && c <= 0xef) {
    length = 3, cp = c & 0x0f, min = 0x800;
  } else if (c >= 0xf0 && c <= 0xf4) {
    length = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (n < length) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if ((p[i] & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return length;
}

// Outside UTF-8 a byte is a character and the locale's toupper() folds it, as GNU grep's table
// does: ASCII letters alone in the C locale, and in ISO-8859-1 also é and É.
std::uint32_t fold(char32_t c, bool utf8) {
  if (!utf8) return static_cast<std::uint32_t>(std::toupper(static_cast<unsigned char>(c)));
  return static_cast<std::uint32_t>(std::towupper(static_cast<wint_t>(c)));
}

std::size_t encode(char32_t c, unsigned char* out) {
  if (c < 0x80) return out[0] = static_cast<unsigned char>(c), 1;
  if (c < 0x800) {
    out[0] = static_cast<unsigned char>(0xc0 | (c >> 6));
    out[1] = static_cast<unsigned char>(0x80 | (c & 0x3f));
    return 2;
  }
  if (c < 0x10000) {
    out[0] = static_cast<unsigned char>(0xe0 | (c >> 12));
    out[1] = static_cast<unsigned char>(0x80 | ((c >> 6) & 0x3f));
    out[2] = static_cast<unsigned char>(0x80 | (c & 0x3f));
    return 3;
  }
  out[0] = static_cast<unsigned char>(0xf0 | (c >> 18));
  out[1] = static_cast<unsigned char>(0x80 | ((c >> 12) & 0x3f));
  out[2] = static_cast<unsigned char>(0x80 | ((c >> 6) & 0x3f));
  out[3] = static_cast<unsigned char>(0x80 | (c & 0x3f));
  return 4;
}

bool word_character(char32_t c, bool utf8) {
  if (c == '_') return true;
  if (!utf8) return std::isalnum(static_cast<unsigned char>(c)) != 0;  // the locale's letters and digits
  return std::iswalnum(static_cast<wint_t>(c)) != 0;
}

}  // namespace

bool GrepMatcher::valid_utf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    // ASCII eight bytes at a time: most text is.
    while (i + 8 <= n) {
      std::uint64_t word;
      std::memcpy(&word, p + i, 8);
      if ((word & 0x8080808080808080ULL) != 0) break;
      i += 8;
    }
    if (i >= n) break;
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    char32_t c;
    const std::size_t length = decode(p + i, n - i, c);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

GrepMatcher::GrepMatcher(std::vector<std::string> patterns, MatchRules rules) : rules_(rules) {
  // Keys of the first characters of folded patterns: every character folding to one of them can
  // start a match, and its first byte is what the search looks for.
  std::set<std::uint32_t> first_keys;
  for (auto& text : patterns) {
    Pattern p;
    p.bytes = std::move(text);
    if (rules_.ignore_case) {
      const auto* b = reinterpret_cast<const unsigned char*>(p.bytes.data());
      for (std::size_t i = 0; i < p.bytes.size();) {
        char32_t c = b[i];
        std::size_t length = 1;
        bool raw = false;
        if (rules_.utf8) {
          length = decode(b + i, p.bytes.size() - i, c);
          if (length == 0) length = 1, c = b[i], raw = true;
        }
        p.units.push_back({raw ? static_cast<std::uint32_t>(c) : fold(c, rules_.utf8), raw});
        i += length;
      }
      p.first_bytes.assign(256, false);
      if (!p.units.empty()) {
        if (p.units[0].raw || !rules_.utf8) {
          p.first_bytes[b[0]] = true;
          if (!rules_.utf8) {  // every byte the locale folds to the same
            for (unsigned other = 0; other < 256; ++other) {
              if (fold(other, false) == p.units[0].key) p.first_bytes[other] = true;
            }
          }
        } else {
          first_keys.insert(p.units[0].key);
        }
      }
    }
    patterns_.push_back(std::move(p));
  }
  if (!first_keys.empty()) {
    // One pass over the code points finds every character folding to a first key.
    std::vector<unsigned char> leads_of_key;
    std::vector<std::pair<std::uint32_t, unsigned char>> leads;
    for (char32_t c = 0; c <= 0x10ffff; ++c) {
      if (c >= 0xd800 && c <= 0xdfff) continue;
      const std::uint32_t key = fold(c, true);
      if (first_keys.count(key) == 0) continue;
      unsigned char bytes[4];
      encode(c, bytes);
      leads.emplace_back(key, bytes[0]);
    }
    for (auto& p : patterns_) {
      if (p.units.empty() || p.units[0].raw) continue;
      for (const auto& [key, lead] : leads) {
        if (key == p.units[0].key) p.first_bytes[lead] = true;
      }
    }
  }
  // Exact patterns, few of them: one pass finds them all (and a NUL byte, for binary files).
  const bool any_empty = std::any_of(patterns_.begin(), patterns_.end(), [](const Pattern& p) { return p.bytes.empty(); });
  if (!rules_.ignore_case && !any_empty && patterns_.size() <= PatternSet::max_patterns) {
    std::vector<std::string_view> views;
    for (const auto& p : patterns_) views.emplace_back(p.bytes);
    set_ = std::make_shared<const PatternSet>(views);
  }
  for (auto& p : patterns_) {
    if (p.first_bytes.empty()) continue;
    for (int b = 0; b < 256; ++b) {
      if (!p.first_bytes[static_cast<std::size_t>(b)]) continue;
      if (p.first_count == 0) p.first_a = static_cast<unsigned char>(b);
      if (p.first_count == 1) p.first_b = static_cast<unsigned char>(b);
      ++p.first_count;
    }
  }
}

std::size_t GrepMatcher::match_at(const Pattern& p, std::string_view data, std::size_t at) const {
  if (!rules_.ignore_case) {
    return data.compare(at, p.bytes.size(), p.bytes) == 0 ? p.bytes.size() : npos;
  }
  const auto* b = reinterpret_cast<const unsigned char*>(data.data());
  std::size_t i = at;
  for (const Unit& u : p.units) {
    if (i >= data.size()) return npos;
    if (u.raw || !rules_.utf8) {
      const std::uint32_t have = u.raw ? b[i] : fold(b[i], false);
      if (have != u.key) return npos;
      ++i;
      continue;
    }
    char32_t c;
    const std::size_t length = decode(b + i, data.size() - i, c);
    if (length == 0 || fold(c, true) != u.key) return npos;
    i += length;
  }
  return i - at;
}

std::size_t GrepMatcher::occurrence(const Pattern& p, std::string_view data, std::size_t from) const {
  const std::size_t size = data.size();
  if (from > size) return size;
  if (!rules_.ignore_case || p.units.empty()) {
    const std::size_t at = find(as_bytes(data), as_bytes(p.bytes), from);
    return at == not_found ? size : at;
  }
  const auto* b = reinterpret_cast<const unsigned char*>(data.data());
  for (std::size_t at = from; at < size;) {
    std::size_t hit;
    if (p.first_count == 1) {
      hit = find_byte(as_bytes(data), std::byte{p.first_a}, at);
    } else if (p.first_count == 2) {
      hit = find_either(as_bytes(data), std::byte{p.first_a}, std::byte{p.first_b}, at);
    } else {
      hit = at;
      while (hit < size && !p.first_bytes[b[hit]]) ++hit;
      if (hit == size) hit = not_found;
    }
    if (hit == not_found) return size;
    if (match_at(p, data, hit) != npos) return hit;
    at = hit + 1;
  }
  return size;
}

bool GrepMatcher::word_before(std::string_view data, std::size_t at) const {
  if (at == 0) return false;
  const auto* b = reinterpret_cast<const unsigned char*>(data.data());
  if (!rules_.utf8 || b[at - 1] < 0x80) return word_character(b[at - 1], rules_.utf8);
  // The character that ends at `at`: back over continuation bytes to its first byte.
  std::size_t start = at - 1;
  while (start > 0 && at - start < 4 && (b[start] & 0xc0) == 0x80) --start;
  char32_t c;
  const std::size_t length = decode(b + start, at - start, c);
  return length == at - start && word_character(c, true);
}

bool GrepMatcher::word_at(std::string_view data, std::size_t at) const {
  if (at >= data.size()) return false;
  const auto* b = reinterpret_cast<const unsigned char*>(data.data());
  if (!rules_.utf8 || b[at] < 0x80) return word_character(b[at], rules_.utf8);
  char32_t c;
  return decode(b + at, data.size() - at, c) != 0 && word_character(c, true);
}

bool GrepMatcher::inside_character(std::string_view data, std::size_t at) const {
  const auto* b = reinterpret_cast<const unsigned char*>(data.data());
  if (!rules_.utf8 || at == 0 || at >= data.size() || (b[at] & 0xc0) != 0x80) return false;
  std::size_t start = at;
  while (start > 0 && at - start < 3 && (b[start] & 0xc0) == 0x80) --start;
  char32_t c;
  const std::size_t n = decode(b + start, data.size() - start, c);
  return n != 0 && start + n > at;
}

bool GrepMatcher::accepted(std::string_view data, std::size_t at, std::size_t length) const {
  if (rules_.lines) {
    return (at == 0 || data[at - 1] == '\n') && (at + length == data.size() || data[at + length] == '\n');
  }
  if (rules_.words) return !word_before(data, at) && !word_at(data, at + length);
  return true;
}

GrepMatcher::Cursor::Cursor(const GrepMatcher& matcher, std::string_view data)
    : m_(matcher), data_(data), next_(matcher.patterns_.size(), 0), searched_(matcher.patterns_.size(), npos) {}

void GrepMatcher::Cursor::reset(std::string_view data, bool watch_nul, std::size_t nul_free) {
  data_ = data;
  std::fill(searched_.begin(), searched_.end(), npos);
  watch_nul_ = watch_nul && m_.set_ != nullptr;
  nul_free_to_ = std::min(nul_free, data.size());
  nul_at_ = npos;
}

std::optional<GrepMatcher::Match> GrepMatcher::Cursor::find_in_set(std::size_t from) {
  const std::size_t size = data_.size();
  std::size_t at = from;
  while (at < size) {
    const std::size_t start = m_.set_->find(as_bytes(data_), at, watch_nul_);
    if (watch_nul_ && at <= nul_free_to_) {
      // What the search passed over holds no NUL (a pattern's first byte is none either).
      const std::size_t clean = start == not_found ? size : start + (data_[start] != '\0' ? 1 : 0);
      nul_free_to_ = std::max(nul_free_to_, clean);
    }
    if (start == not_found) return std::nullopt;
    if (watch_nul_ && data_[start] == '\0') {
      nul_at_ = start;
      return std::nullopt;
    }
    // Every pattern there, longest first, until one the rules accept.
    std::size_t best = npos;
    const bool prefix_blocked = (m_.rules_.words && m_.word_before(data_, start)) ||
                                (m_.rules_.lines && start != 0 && data_[start - 1] != '\n');
    if (!prefix_blocked) {
      for (const Pattern& p : m_.patterns_) {
        if (best != npos && p.bytes.size() <= best) continue;
        const std::size_t length = m_.match_at(p, data_, start);
        if (length != npos && m_.accepted(data_, start, length)) best = length;
      }
    }
    if (best != npos) return Match{start, best};
    if (m_.rules_.lines) {
      // Not the whole line: go on at the next line.
      const void* end = std::memchr(data_.data() + start, '\n', size - start);
      if (end == nullptr) return std::nullopt;
      at = static_cast<std::size_t>(static_cast<const char*>(end) - data_.data()) + 1;
      continue;
    }
    at = start + 1;
  }
  return std::nullopt;
}

std::size_t GrepMatcher::Cursor::next_of(std::size_t i, std::size_t from) {
  if (searched_[i] != npos && searched_[i] <= from && next_[i] >= from) return next_[i];
  const std::size_t at = m_.occurrence(m_.patterns_[i], data_, from);
  searched_[i] = from;
  next_[i] = at;
  return at;
}

std::optional<GrepMatcher::Match> GrepMatcher::Cursor::find(std::size_t from) {
  if (m_.set_ != nullptr) return find_in_set(from);
  const std::size_t count = m_.patterns_.size();
  std::size_t at = from;
  while (at <= data_.size()) {
    // The leftmost place any pattern occurs; an empty pattern occurs everywhere, the end included.
    std::size_t start = npos;
    for (std::size_t i = 0; i < count; ++i) {
      const std::size_t n = m_.patterns_[i].bytes.empty() ? at : next_of(i, at);
      if (n < start && (n < data_.size() || m_.patterns_[i].bytes.empty())) start = n;
    }
    if (start == npos) return std::nullopt;
    // Every pattern there, longest first, until one the rules accept.
    std::size_t best = npos;
    bool prefix_blocked = false;
    if (m_.rules_.words && m_.word_before(data_, start)) prefix_blocked = true;
    if (m_.rules_.lines && start != 0 && data_[start - 1] != '\n') prefix_blocked = true;
    // The empty pattern matches between characters, not between the bytes of one.
    const bool mid_character = m_.inside_character(data_, start);
    if (!prefix_blocked) {
      for (std::size_t i = 0; i < count; ++i) {
        const Pattern& p = m_.patterns_[i];
        const std::size_t n = p.bytes.empty() ? start : next_of(i, start);
        if (n != start) continue;
        const std::size_t length = p.bytes.empty() ? (mid_character ? npos : 0) : m_.match_at(p, data_, start);
        if (length == npos || (best != npos && length <= best)) continue;
        if (m_.accepted(data_, start, length)) best = length;
      }
    }
    if (best != npos) return Match{start, best};
    if (m_.rules_.lines) {
      // Not the whole line: go on at the next line.
      const void* end = std::memchr(data_.data() + start, '\n', data_.size() - start);
      if (end == nullptr) return std::nullopt;
      at = static_cast<std::size_t>(static_cast<const char*>(end) - data_.data()) + 1;
      continue;
    }
    at = start + 1;
  }
  return std::nullopt;
}

}  // namespace mapio::cli
