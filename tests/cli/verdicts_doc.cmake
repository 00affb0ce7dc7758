# docs/verdicts.md is the output of a full default `trimcheck check`; regenerating it must
# give the committed file byte for byte (the run is deterministic), so it cannot go stale.
set(out "${WORK}/verdicts-check")
file(REMOVE_RECURSE "${out}")
execute_process(
  COMMAND "${TRIMCHECK}" check --jobs 2 --out "${out}/traces" --markdown "${out}/verdicts.md"
  OUTPUT_QUIET ERROR_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "trimcheck check failed with ${rc}")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" -E compare_files "${out}/verdicts.md"
                        "${SOURCE}/docs/verdicts.md" RESULT_VARIABLE differs)
file(REMOVE_RECURSE "${out}")
if(differs)
  message(FATAL_ERROR "docs/verdicts.md is stale: regenerate it with "
                      "`trimcheck check --markdown docs/verdicts.md`")
endif()
