// File names as GNU coreutils 9.1 shows them in messages (and wc in its output lines when a name
// holds a newline): as they are when a shell would take them as one word, else quoted for a shell
// to paste back — the "shell-escape" style of gnulib's quotearg, with ':' quoted too (quotef):
//
//     quote_file_name("notes.txt")    notes.txt
//     quote_file_name("a b")          'a b'
//     quote_file_name("it's")         "it's"
//     quote_file_name("a\nb")         'a'$'\n''b'
//     quote_file_name("\xff")         ''$'\377'
//
// A character is printable or not as the current locale (setlocale) says: in the C locale every
// byte from 0x80 is escaped, in a UTF-8 locale printable characters stay as they are.
#pragma once

#include <cstring>
#include <cwchar>
#include <cwctype>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "mapio/core/error.hpp"

namespace mapio::cli {

namespace detail {

// How one character of a name is shown.
enum class QuoteKind {
  plain,     // shown as it is, no quoting needed
  compatible,  // needs quoting, and is the same inside '...' and "..." (space, ')
  special,   // needs quoting ('...')
  escape,    // not printable: $'\ooo' or $'\n'
};

inline QuoteKind quote_kind(std::string_view name, std::size_t at, std::size_t length) {
  const auto c = static_cast<unsigned char>(name[at]);
  if (length > 1) return QuoteKind::plain;  // a printable multibyte character
  if (c < 0x20 || c >= 0x7f) return QuoteKind::escape;
  switch (c) {
    case '#':
    case '~':
      return at == 0 ? QuoteKind::compatible : QuoteKind::plain;
    case '{':
    case '}':
      return name.size() == 1 ? QuoteKind::special : QuoteKind::plain;
    case ' ':
    case '\'':
      return QuoteKind::compatible;
    case '!': case '"': case '$': case '&': case '(': case ')': case '*': case ':': case ';': case '<':
    case '=': case '>': case '?': case '[': case '\\': case '^': case '`': case '|':
      return QuoteKind::special;
    default:
      return QuoteKind::plain;
  }
}

// Length of the printable multibyte character at `at` in the current locale, or 1.
inline std::size_t character_length(std::string_view name, std::size_t at) {
  if (static_cast<unsigned char>(name[at]) < 0x80 || MB_CUR_MAX == 1) return 1;
  std::mbstate_t state{};
  wchar_t w = 0;
  const std::size_t n = std::mbrtowc(&w, name.data() + at, name.size() - at, &state);
  if (n == static_cast<std::size_t>(-1) || n == static_cast<std::size_t>(-2) || n == 0) return 1;
  return std::iswprint(static_cast<std::wint_t>(w)) != 0 ? n : 1;
}

inline std::string escape_of(unsigned char c) {
  switch (c) {
    case '\a': return "\\a";
    case '\b': return "\\b";
    case '\t': return "\\t";
    case '\n': return "\\n";
    case '\v': return "\\v";
    case '\f': return "\\f";
    case '\r': return "\\r";
    default: return fmt::format("\\{:03o}", c);
  }
}

}  // namespace detail

/// `name` as GNU coreutils 9.1 quotes a file name (quotef): see above.
inline std::string quote_file_name(std::string_view name) {
  using detail::QuoteKind;
  bool needs = name.empty();
  bool all_compatible = true;
  bool has_quote = false;
  for (std::size_t i = 0; i < name.size();) {
    const std::size_t n = detail::character_length(name, i);
    const QuoteKind k = detail::quote_kind(name, i, n);
    needs = needs || k != QuoteKind::plain;
    all_compatible = all_compatible && (k == QuoteKind::plain || k == QuoteKind::compatible);
    has_quote = has_quote || name[i] == '\'';
    i += n;
  }
  if (!needs) return std::string(name);
  if (has_quote && all_compatible) return fmt::format("\"{}\"", name);
  // Single quotes, a ' as '\'', and each run of unprintable bytes as $'...' between them.
  auto single_quoted = [&](bool escaping) {  // escaping: inside $'...'
    std::string out = "'";
    for (std::size_t i = 0; i < name.size();) {
      const std::size_t n = detail::character_length(name, i);
      const auto c = static_cast<unsigned char>(name[i]);
      if (n == 1 && detail::quote_kind(name, i, 1) == QuoteKind::escape) {
        if (!escaping) out += "'$'";
        escaping = true;
        out += detail::escape_of(c);
      } else if (c == '\'') {
        out += "'\\''";  // closes '...' or $'...' alike
        escaping = false;
      } else {
        if (escaping) out += "''";
        escaping = false;
        out.append(name.substr(i, n));
      }
      i += n;
    }
    out += '\'';
    return std::pair{out, escaping};
  };
  auto [quoted, ended_escaping] = single_quoted(false);
  // gnulib writes a name with a ' in a second pass that starts in the state the first one ended
  // in: after a name that ends in $'...', its first character is written as if one were open.
  // coreutils prints that, and so does mapio ('''q'\'''$'\n' for "q'\n").
  if (has_quote && ended_escaping) quoted = single_quoted(true).first;
  return quoted;
}

/// `name` as util-linux 2.38 fincore prints it in its table (libsmartcols' safe encoding): a
/// byte that is not part of a printable character of the current locale becomes \xHH, and so does
/// a backslash that would otherwise read as the start of such an escape. One name stays one line:
///
///     escape_name_as_fincore("a\nb")        a\x0ab
///     escape_name_as_fincore("back\\x")     back\x5cx
inline std::string escape_name_as_fincore(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (std::size_t i = 0; i < name.size();) {
    const auto c = static_cast<unsigned char>(name[i]);
    const std::size_t n = detail::character_length(name, i);
    if (n > 1) {
      out.append(name.substr(i, n));
    } else if ((c == '\\' && i + 1 < name.size() && name[i + 1] == 'x') || c < 0x20 || c >= 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
    i += n;
  }
  return out;
}

/// "NAME: reason", as GNU's tools report a file they could not read: the name quoted as coreutils
/// quotes it, the C library's words for the errno, then what mapio knows beyond it, if anything
/// ("a.log: Input/output error: the file shrank from 8192 to 0 bytes while it was read ...").
inline std::string file_error(const std::string& name, const Error& e) {
  std::string text = fmt::format("{}: {}", quote_file_name(name), std::strerror(e.code().value()));
  if (!e.explanation().empty()) text += ": " + e.explanation();
  return text;
}

}  // namespace mapio::cli
