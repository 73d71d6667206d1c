// Which TextEncoding the program's locale uses, as GNU wc decides it.
//
// mapio never sets the locale: a program sets it (setlocale(LC_ALL, "") takes LC_ALL, LC_CTYPE or
// LANG) and asks here which encoding its words are to be counted in.
//
//     std::setlocale(LC_ALL, "");
//     const mapio::WordCounter words(mapio::locale_encoding());   // throws in an encoding mapio lacks
//     std::uint64_t n = words.summarize(file.bytes()).words;      // as `wc -w` in that locale
#pragma once

#include "mapio/scan/scan.hpp"

namespace mapio {

/// The encoding of the current LC_CTYPE locale: TextEncoding::utf8 where its codeset is UTF-8,
/// TextEncoding::c where it is single-byte and classes every byte as the C locale does (C, POSIX
/// and their aliases). Throws mapio::Error (ENOTSUP, naming the locale and its codeset) in any
/// other: a multibyte encoding other than UTF-8, or a single-byte one whose bytes 0x80-0xff are
/// characters (ISO-8859-1) — words there are not what either encoding counts. Lines and bytes
/// count the same in every locale and need no encoding.
TextEncoding locale_encoding();

}  // namespace mapio
