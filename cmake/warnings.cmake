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
