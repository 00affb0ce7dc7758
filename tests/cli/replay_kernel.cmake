# A check trace (P14 on baseline-6.12: carried records are not in the new kernel's hash
# table) replayed on the baseline kernel reproduces: exit 1.
file(READ "${KERNEL_FILE}" kernel)
string(STRIP "${kernel}" kernel)
set(out "${WORK}/replay-kernel")
file(REMOVE_RECURSE "${out}")
execute_process(COMMAND "${TRIMCHECK}" check --proposal baseline-6.12 --property P14 --out "${out}"
                OUTPUT_QUIET RESULT_VARIABLE rc)
file(GLOB traces "${out}/*P14*.json")
list(LENGTH traces n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "expected one P14 trace, got '${traces}' (check exited ${rc})")
endif()
execute_process(COMMAND "${TRIMCHECK}" replay "${traces}" --kernel "${kernel}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr)
message("${stdout}${stderr}")
if(NOT rc EQUAL 1 OR NOT stdout MATCHES "reproduces on the kernel")
  message(FATAL_ERROR "replay --kernel exited ${rc}, expected 1 (reproduces)")
endif()
file(REMOVE_RECURSE "${out}")
