# `trimcheck report --conform-kernel`: the baseline 6.12 kernel conforms on two sequences
# and the report shows it in every rendering.
file(READ "${KERNEL_FILE}" kernel)
string(STRIP "${kernel}" kernel)
set(out "${WORK}/report-kernel")
file(REMOVE_RECURSE "${out}")
execute_process(
  COMMAND "${TRIMCHECK}" report --out "${out}" --proposal baseline-6.12 --property P14 --runs 20
          --conform-kernel "${kernel}" --conform-runs 2
  RESULT_VARIABLE rc OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr)
message("${stderr}${stdout}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "trimcheck report exited with ${rc}")
endif()
file(READ "${out}/results.json" results)
string(JSON section GET "${results}" engines 0 name)
string(JSON result GET "${results}" engines 0 rows 0 result)
if(NOT section STREQUAL "conform" OR NOT result MATCHES "^conforms \\(2 runs, [0-9]+ actions")
  message(FATAL_ERROR "unexpected conform row: ${section} '${result}'")
endif()
file(READ "${out}/mail.txt" mail)
file(READ "${out}/index.html" html)
if(NOT mail MATCHES "Conformance on a real kernel:\n  baseline-6.12 conform: conforms"
   OR NOT html MATCHES "<h2 id=\"conform\">Conformance on a real kernel</h2>")
  message(FATAL_ERROR "the conform section is missing from mail.txt or index.html")
endif()
file(REMOVE_RECURSE "${out}")
