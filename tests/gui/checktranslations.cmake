# Fails when translations/*.ts are not current with the sources (run `update_translations` and commit).
# -DLUPDATE=<lupdate> -DSOURCE_DIR=<project source dir> -DWORK_DIR=<scratch dir>
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
file(GLOB ts_files "${SOURCE_DIR}/translations/*.ts")
foreach(ts IN LISTS ts_files)
  get_filename_component(name "${ts}" NAME)
  file(COPY_FILE "${ts}" "${WORK_DIR}/${name}")
  execute_process(
    COMMAND "${LUPDATE}" -silent -no-obsolete -locations none "${SOURCE_DIR}/gui/models" "${SOURCE_DIR}/gui/widgets"
            -ts "${WORK_DIR}/${name}"
    RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "lupdate failed on ${name}")
  endif()
  file(READ "${ts}" before)
  file(READ "${WORK_DIR}/${name}" after)
  if(NOT before STREQUAL after)
    message(FATAL_ERROR "translations/${name} is out of date: build the update_translations target and commit it")
  endif()
  file(STRINGS "${ts}" unfinished REGEX "type=\"unfinished\"")
  list(LENGTH unfinished count)
  message(STATUS "${name}: current, ${count} unfinished")
endforeach()
