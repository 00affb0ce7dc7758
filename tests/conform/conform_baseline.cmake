# CI: the baseline 6.12 kernel conforms to the model on 20 sequences (run 1 is the
# kexec-overflow case, the others random with kexec load and execute).
file(READ "${KERNEL_FILE}" kernel)
string(STRIP "${kernel}" kernel)
set(out "${WORK}/conform-baseline")
file(REMOVE_RECURSE "${out}")
execute_process(
  COMMAND "${TRIMCHECK}" conform --kernel "${kernel}" --proposal baseline-6.12 --runs 20
          --seed 1 --out "${out}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr)
message("${stderr}${stdout}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "trimcheck conform exited with ${rc}")
endif()
if(NOT stdout MATCHES "conforms: baseline-6.12, 1 configuration\\(s\\), 20 runs")
  message(FATAL_ERROR "unexpected summary")
endif()
file(REMOVE_RECURSE "${out}")
