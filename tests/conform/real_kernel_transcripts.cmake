# Replays every transcript recorded on a real kernel with `trimcheck conform
# --transcripts`; all must conform (exit 0). No directory: skipped; a directory without
# any transcript: trimcheck exits 2 and this test fails.
if(NOT IS_DIRECTORY "${DIR}")
  message("no directory tests/data/real-kernel/transcripts yet: nothing to replay")
  return()
endif()
set(out "${WORK}/real-kernel-transcripts-out")
file(REMOVE_RECURSE "${out}")
execute_process(
  COMMAND "${TRIMCHECK}" conform --transcripts "${DIR}" --out "${out}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr)
message("${stderr}${stdout}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "trimcheck conform --transcripts ${DIR} exited with ${rc}")
endif()
