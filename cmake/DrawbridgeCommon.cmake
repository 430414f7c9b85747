# One INTERFACE target carries the language level, warnings and strict Qt defines; every target links it PRIVATE.
add_library(drawbridge_common INTERFACE)
target_compile_features(drawbridge_common INTERFACE cxx_std_20)
# -Wshadow=local (a local hiding another local or a parameter) is gcc's spelling: clang rejects it as an unknown
# warning option, which -Werror turns into a failed build; clang's closest group is -Wshadow.
target_compile_options(drawbridge_common INTERFACE -Wall -Wextra -Wpedantic
  $<$<CXX_COMPILER_ID:GNU>:-Wshadow=local> $<$<CXX_COMPILER_ID:Clang,AppleClang>:-Wshadow> -Wnon-virtual-dtor
  -Wno-missing-field-initializers)
if(DRAWBRIDGE_WERROR)
  target_compile_options(drawbridge_common INTERFACE -Werror)
endif()
target_compile_definitions(drawbridge_common INTERFACE
  QT_NO_CAST_FROM_ASCII QT_NO_CAST_TO_ASCII QT_NO_CONTEXTLESS_CONNECT QT_USE_QSTRINGBUILDER
  QT_NO_KEYWORDS QT_NO_FOREACH QT_NO_URL_CAST_FROM_STRING QT_DISABLE_DEPRECATED_UP_TO=0x060400
  DRAWBRIDGE_VERSION="${PROJECT_VERSION}")
if(DRAWBRIDGE_ENABLE_SANITIZERS)
  target_compile_options(drawbridge_common INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(drawbridge_common INTERFACE -fsanitize=address,undefined)
  target_compile_definitions(drawbridge_common INTERFACE _GLIBCXX_ASSERTIONS QT_FORCE_ASSERTS)
endif()
