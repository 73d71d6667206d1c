// CharCounter: characters and the widest line, as GNU wc -m and -L count them (coreutils 9.1 with
// glibc). One byte at a time: -m and -L are the slow counts, and are not on the path of -l, -w or -c.
#include <algorithm>
#include <cstring>

#include "mapio/scan/scan.hpp"
#include "scan/unicode_widths.hpp"

namespace mapio {
namespace {

using Stretch = CharCounter::Stretch;

constexpr bool is_continuation(unsigned char c) noexcept { return (c & 0xc0) == 0x80; }

// glibc's UTF-8 decoder (mbrtowc) takes the old forms of up to 6 bytes and code points up to
// 0x7fffffff, and refuses overlong forms and surrogates: the bytes in the sequence a lead byte
// starts, or 0 for a byte no sequence starts with (continuation bytes, 0xc0, 0xc1, 0xfe, 0xff).
constexpr unsigned sequence_length(unsigned char lead) noexcept {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf7) return 4;
  if (lead >= 0xf8 && lead <= 0xfb) return 5;
  if (lead >= 0xfc && lead <= 0xfd) return 6;
  return 0;
}

// Whether the second byte `c` fits `lead`: the narrower ranges exclude the overlong forms (0xe0,
// 0xf0, 0xf8, 0xfc) and the surrogates (0xed).
constexpr bool second_fits(unsigned char lead, unsigned char c) noexcept {
  switch (lead) {
    case 0xe0: return c >= 0xa0 && c <= 0xbf;
    case 0xed: return c >= 0x80 && c <= 0x9f;
    case 0xf0: return c >= 0x90 && c <= 0xbf;
    case 0xf8: return c >= 0x88 && c <= 0xbf;
    case 0xfc: return c >= 0x84 && c <= 0xbf;
    default: return is_continuation(c);
  }
}

constexpr std::size_t cut_short = static_cast<std::size_t>(-1);

// The length of the character at `p` (lead byte not ASCII), 0 when the bytes there are no
// character, cut_short when `available` ends a sequence that was valid so far. `code` receives the
// code point of a character.
std::size_t decode(const unsigned char* p, std::size_t available, char32_t& code) noexcept {
  const unsigned need = sequence_length(p[0]);
  if (need == 0) return 0;
  code = p[0] & (0x7fu >> need);
  for (unsigned i = 1; i < need; ++i) {
    if (i >= available) return cut_short;
    if (i == 1 ? !second_fits(p[0], p[1]) : !is_continuation(p[i])) return 0;
    code = (code << 6) | (p[i] & 0x3fu);
  }
  return need;
}

// The column bookkeeping of one piece, a character at a time.
struct Columns {
  CharCounter::Summary& s;
  Stretch line;  // since the last break (or the piece's start)

  void add(std::uint64_t width) noexcept { (line.tab ? line.after : line.before) += width; }
  void tab() noexcept {
    if (line.tab) {
      line.after = (line.after / 8 + 1) * 8;
    } else {
      line.tab = true;
    }
  }
  void line_break() noexcept {
    if (s.has_break) {
      s.widest = std::max(s.widest, line.end(0));
    } else {
      s.first = line;
      s.has_break = true;
    }
    line = {};
  }
  void finish() noexcept { (s.has_break ? s.last : s.first) = line; }
  // An ASCII byte, as both encodings see it.
  void ascii(unsigned char c) noexcept {
    switch (c) {
      case '\n':
      case '\r':
      case '\f': line_break(); break;
      case '\t': tab(); break;
      default:
        if (c >= 0x20 && c < 0x7f) add(1);
        break;
    }
  }
};

// The count fields (not the cut characters) of `a` then `b`.
void join_counts(CharCounter::Summary& out, const CharCounter::Summary& a, const CharCounter::Summary& b) noexcept {
  out.characters = a.characters + b.characters;
  out.has_break = a.has_break || b.has_break;
  if (!a.has_break) {
    out.first = a.first.then(b.first);
    out.widest = b.widest;
    out.last = b.last;
  } else if (!b.has_break) {
    out.first = a.first;
    out.widest = a.widest;
    out.last = a.last.then(b.first);
  } else {
    out.first = a.first;
    out.widest = std::max({a.widest, b.widest, a.last.then(b.first).end(0)});
    out.last = b.last;
  }
}

}  // namespace

CharCounter::Summary CharCounter::summarize(std::span<const std::byte> data) const noexcept {
  Summary s;
  Columns columns{s, {}};
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  const std::size_t n = data.size();
  if (encoding_ == TextEncoding::c) {
    for (std::size_t i = 0; i < n; ++i) columns.ascii(p[i]);
    columns.finish();
    s.characters = n;
    s.has_body = n > 0;
    return s;
  }
  std::size_t head = 0;
  while (head < n && is_continuation(p[head])) ++head;
  s.head_length = static_cast<std::uint8_t>(std::min<std::size_t>(head, s.head.size()));
  std::copy_n(data.begin(), s.head_length, s.head.begin());  // (data may be empty, its pointer null)
  s.has_body = n > s.head_length;
  const std::uint8_t* widths = nullptr;  // built when the first character past ASCII needs it
  for (std::size_t i = head; i < n;) {
    if (p[i] < 0x80) {
      columns.ascii(p[i]);
      ++s.characters;
      ++i;
      continue;
    }
    char32_t code = 0;
    const std::size_t length = decode(p + i, n - i, code);
    if (length == cut_short) {  // the next piece may finish it
      s.tail_length = static_cast<std::uint8_t>(n - i);
      std::memcpy(s.tail.data(), p + i, n - i);
      break;
    }
    if (length == 0) {  // no character: skipped alone, as GNU wc skips it
      ++i;
      continue;
    }
    if (widths == nullptr) widths = detail::unicode_widths();
    columns.add(detail::width_of(widths, code));
    ++s.characters;
    i += length;
  }
  columns.finish();
  return s;
}

CharCounter::Summary CharCounter::then(const Summary& a, const Summary& b) const noexcept {
  constexpr std::size_t keep = std::tuple_size_v<decltype(Summary::head)>;
  if (!a.has_body) {
    // `a` is empty or a few continuation bytes (no characters): they join the front of b's head.
    Summary out = b;
    std::array<std::byte, 2 * keep> run{};
    std::copy_n(a.head.begin(), a.head_length, run.begin());
    std::copy_n(b.head.begin(), b.head_length, run.begin() + a.head_length);
    const std::size_t joined = std::size_t{a.head_length} + b.head_length;
    out.head_length = static_cast<std::uint8_t>(std::min(joined, keep));
    std::copy_n(run.begin(), keep, out.head.begin());
    out.has_body = b.has_body || joined > keep;
    return out;
  }
  Summary out;
  out.has_body = true;
  out.head = a.head;
  out.head_length = a.head_length;
  Summary seam;  // the character a's tail begins, if b's head ends it
  if (a.tail_length > 0) {
    std::array<unsigned char, 2 * keep> bytes{};
    std::memcpy(bytes.data(), a.tail.data(), a.tail_length);
    std::memcpy(bytes.data() + a.tail_length, b.head.data(), b.head_length);
    const std::size_t have = std::size_t{a.tail_length} + b.head_length;
    char32_t code = 0;
    const std::size_t length = decode(bytes.data(), have, code);
    if (length == cut_short) {
      if (!b.has_body) {  // b was nothing but these continuation bytes: the next piece may end it
        out.tail_length = static_cast<std::uint8_t>(have);
        std::memcpy(out.tail.data(), bytes.data(), have);
      }
    } else if (length != 0) {
      seam.characters = 1;
      seam.first.before = detail::width_of(detail::unicode_widths(), code);
    }
    // Otherwise the bytes are no character: each is skipped.
  }
  if (b.has_body) {
    out.tail = b.tail;
    out.tail_length = b.tail_length;
  }
  Summary with_seam;
  join_counts(with_seam, a, seam);
  join_counts(out, with_seam, b);
  return out;
}

}  // namespace mapio
