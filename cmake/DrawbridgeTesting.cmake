# drawbridge_add_test(NAME <name> SOURCES <files…> [LIBS <targets…>] [LABELS <labels…>] [GUI] [TIMEOUT <s>])
# One executable per unit, registered in CTest with an isolated, quiet environment.
function(drawbridge_add_test)
  cmake_parse_arguments(T "GUI" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE drawbridge_testsupport Qt6::Test ${T_LIBS} drawbridge_common)
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  set_tests_properties(${T_NAME} PROPERTIES
    LABELS "${T_LABELS}"
    TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "QT_QPA_PLATFORM=offscreen;LC_ALL=C.UTF-8;QT_LOGGING_RULES=drawbridge.*.debug=false;DRAWBRIDGE_SOURCE_DIR=${PROJECT_SOURCE_DIR};DRAWBRIDGE_BINARY_DIR=${PROJECT_BINARY_DIR}")
endfunction()
