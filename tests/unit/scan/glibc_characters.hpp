// The scanning tests' references decode text with the C library itself, as GNU wc's multibyte
// loops do: this is that decoding, once.
#pragma once

#include <clocale>
#include <cstddef>
#include <cwchar>
#include <span>

#include <locale.h>

namespace mapio::test {

/// The C library's C.UTF-8 locale (nullptr when it is not installed).
inline locale_t c_utf8() {
  static const locale_t locale = ::newlocale(LC_CTYPE_MASK, "C.UTF-8", nullptr);
  return locale;
}

/// Calls `each(c)` for every character mbrtowc decodes from `d` in C.UTF-8, as GNU wc 9.1 walks
/// text: NUL is one byte, an invalid byte is skipped alone (no call), and a sequence cut short by
/// the end is dropped.
///
///     for_each_glibc_character(bytes, [&](wchar_t c) { ++characters; });
template <class Each>
void for_each_glibc_character(std::span<const std::byte> d, Each each) {
  const locale_t previous = ::uselocale(c_utf8());
  std::mbstate_t state{};
  const auto* p = reinterpret_cast<const char*>(d.data());
  std::size_t left = d.size();
  while (left > 0) {
    wchar_t c = 0;
    std::size_t n = std::mbrtowc(&c, p, left, &state);
    if (n == static_cast<std::size_t>(-2)) break;
    if (n == static_cast<std::size_t>(-1)) {
      state = {};
      ++p;
      --left;
      continue;
    }
    if (n == 0) n = 1;  // NUL
    p += n;
    left -= n;
    each(c);
  }
  ::uselocale(previous);
}

}  // namespace mapio::test
