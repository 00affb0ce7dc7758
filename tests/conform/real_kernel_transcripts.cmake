# Replays every transcript recorded on a real kernel with `trimcheck conform
# --transcripts`; all must conform (exit 0). A missing directory, or one without any
# transcript, makes trimcheck exit 2 and this test fail.
set(out "${WORK}/real-kernel-transcripts-out")
file(REMOVE_RECURSE "${out}")
execute_process(
  COMMAND "${TRIMCHECK}" conform --transcripts "${DIR}" --out "${out}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr)
message("${stderr}${stdout}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "trimcheck conform --transcripts ${DIR} exited with ${rc}")
endif()
