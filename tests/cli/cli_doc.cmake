# docs/cli.md is the --help of every subcommand (scripts/gen-cli-doc); regenerating it
# must give the committed file byte for byte, so the reference cannot go stale.
execute_process(COMMAND bash "${SOURCE}/scripts/gen-cli-doc" "${TRIMCHECK}" "${WORK}/cli.md"
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "scripts/gen-cli-doc failed with ${rc}")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" -E compare_files "${WORK}/cli.md"
                        "${SOURCE}/docs/cli.md" RESULT_VARIABLE differs)
file(REMOVE "${WORK}/cli.md")
if(differs)
  message(FATAL_ERROR "docs/cli.md is stale: regenerate it with "
                      "`scripts/gen-cli-doc build/trimcheck docs/cli.md`")
endif()
