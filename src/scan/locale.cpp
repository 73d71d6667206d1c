// locale_encoding (include/mapio/scan/locale.hpp): the rules GNU wc follows, asked of the C library.
#include "mapio/scan/locale.hpp"

#include <langinfo.h>

#include <cctype>
#include <cerrno>
#include <clocale>
#include <cstdlib>
#include <cwchar>
#include <string_view>

#include <fmt/format.h>

#include "mapio/core/error.hpp"

namespace mapio {
namespace {

// Whether each byte is a word byte, a space or neither exactly as in the C locale, by GNU wc's rule
// for single-byte locales: " \t\n\v\f\r" separate; other printable bytes separate when isspace()
// or a no-break space (btowc), and are word bytes otherwise; the rest are neither.
bool bytes_classified_as_in_c_locale() {
  for (int b = 0; b < 256; ++b) {
    const auto c = static_cast<unsigned char>(b);
    bool space = c == ' ' || (c >= '\t' && c <= '\r');
    bool word = false;
    if (!space && std::isprint(c) != 0) {
      const std::wint_t w = std::btowc(b);
      space = std::isspace(c) != 0 || w == 0xA0 || w == 0x2007 || w == 0x202F || w == 0x2060;
      word = !space;
    }
    if (space != (c == ' ' || (c >= '\t' && c <= '\r')) || word != (c > 0x20 && c < 0x7f)) return false;
  }
  return true;
}

}  // namespace

// What a word is depends on the locale, as with GNU wc: its encoding makes bytes into characters.
TextEncoding locale_encoding() {
  const std::string_view codeset = nl_langinfo(CODESET);
  // Under POSIXLY_CORRECT, GNU wc lets no-break spaces join words in UTF-8 as well.
  if (codeset == "UTF-8") return std::getenv("POSIXLY_CORRECT") != nullptr ? TextEncoding::utf8_posix : TextEncoding::utf8;
  if (MB_CUR_MAX == 1 && bytes_classified_as_in_c_locale()) return TextEncoding::c;
  const char* name = std::setlocale(LC_CTYPE, nullptr);
  throw Error("count words", fmt::format("in locale {} ({})", name != nullptr ? name : "?", codeset), ENOTSUP,
              "words are counted in the C/POSIX locale and in UTF-8 locales; run with LC_ALL=C or a UTF-8 "
              "locale (-l and -c count the same in every locale)");
}

}  // namespace mapio
