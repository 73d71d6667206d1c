# One place for the project's warning and sanitizer flags, applied per target.
function(mapio_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)
  if(MAPIO_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(MAPIO_SANITIZE)
  add_compile_options(-fsanitize=${MAPIO_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${MAPIO_SANITIZE})
endif()

# The fuzz build instruments every target for libFuzzer's coverage feedback; only the fuzz targets
# themselves link libFuzzer's main (tests/fuzz/CMakeLists.txt).
if(MAPIO_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
