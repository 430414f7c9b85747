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

# Profile-guided optimisation, for release and package builds (docs/performance.md, "Profile-guided
# optimisation"): GENERATE builds binaries that count what runs and write the counts to DRAWBRIDGE_PGO_DIR when
# they exit; USE compiles again with those counts (hot code laid out together, cold code apart, inlining and
# branch order by what ran). Both steps need the same build directory, as GCC names each profile after its
# object file's path. scripts/bench --pgo runs the three steps (instrumented build, training, final build).
set(DRAWBRIDGE_PGO OFF CACHE STRING "Profile-guided optimisation: OFF, GENERATE or USE")
set_property(CACHE DRAWBRIDGE_PGO PROPERTY STRINGS OFF GENERATE USE)
set(DRAWBRIDGE_PGO_DIR "${CMAKE_BINARY_DIR}/pgo-profile" CACHE PATH "Where GENERATE writes and USE reads the profile")
if(NOT DRAWBRIDGE_PGO STREQUAL "OFF")
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    message(FATAL_ERROR "DRAWBRIDGE_PGO needs GCC (its -fprofile-generate/-fprofile-use profiles)")
  endif()
  if(DRAWBRIDGE_PGO STREQUAL "GENERATE")
    # Atomic counters: the usage writer and the server's threads run the same code at once.
    target_compile_options(drawbridge_common INTERFACE -fprofile-generate -fprofile-update=atomic
      "-fprofile-dir=${DRAWBRIDGE_PGO_DIR}")
    target_link_options(drawbridge_common INTERFACE -fprofile-generate)
  elseif(DRAWBRIDGE_PGO STREQUAL "USE")
    # -fprofile-partial-training: code the training did not run is optimised as usual, not for size.
    # A file changed since the training is compiled without its profile (a warning, not an error), and
    # GCC 12's -Wstringop-overflow and -Warray-bounds report false positives in the deeper inlining a profile
    # brings (negative lengths on paths that cannot run, in appendBytes()).
    target_compile_options(drawbridge_common INTERFACE -fprofile-use -fprofile-partial-training
      "-fprofile-dir=${DRAWBRIDGE_PGO_DIR}" -Wno-missing-profile -Wno-error=coverage-mismatch
      -Wno-stringop-overflow -Wno-array-bounds)
  else()
    message(FATAL_ERROR "DRAWBRIDGE_PGO must be OFF, GENERATE or USE, not ${DRAWBRIDGE_PGO}")
  endif()
endif()
