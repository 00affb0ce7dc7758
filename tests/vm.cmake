# Tests of the VM adapter and of conformance (issue 8). The unit tests need nothing; the
# VM tests boot the baseline 6.12 kernel under QEMU (TCG) + swtpm, which the
# vm.build_kernel fixture builds with scripts/build-kernel or reuses from the cache
# outside the build tree. VM tests run one at a time (RESOURCE_LOCK vm).
set(TRIMCHECK_VM_KERNEL_FILE "${CMAKE_CURRENT_BINARY_DIR}/vm-kernel.path")

add_executable(trimcheck_slow_exit_qemu impl_adapters/vm/slow_exit_qemu.cpp)
add_executable(trimcheck_vm_unit_tests
  impl_adapters/vm/console_test.cpp impl_adapters/vm/kernel_test.cpp
  impl_adapters/vm/machine_test.cpp impl_adapters/vm/process_test.cpp
  conform/replay_test.cpp conform/sequences_test.cpp conform/kernel_setup_test.cpp)
target_link_libraries(trimcheck_vm_unit_tests PRIVATE trimcheck_conform GTest::gtest_main)
target_compile_definitions(trimcheck_vm_unit_tests PRIVATE
  TRIMCHECK_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
  TRIMCHECK_SLOW_EXIT_QEMU="$<TARGET_FILE:trimcheck_slow_exit_qemu>")
add_dependencies(trimcheck_vm_unit_tests trimcheck_slow_exit_qemu)
gtest_discover_tests(trimcheck_vm_unit_tests DISCOVERY_TIMEOUT 60)

add_test(NAME vm.build_kernel
         COMMAND sh -c "'${PROJECT_SOURCE_DIR}/scripts/build-kernel' > '${TRIMCHECK_VM_KERNEL_FILE}.tmp' && mv '${TRIMCHECK_VM_KERNEL_FILE}.tmp' '${TRIMCHECK_VM_KERNEL_FILE}'")
set_tests_properties(vm.build_kernel PROPERTIES TIMEOUT 3600 FIXTURES_SETUP vm_kernel)

add_executable(trimcheck_vm_tests
  impl_adapters/vm/kernel_vm_test.cpp conform/conform_vm_test.cpp
  conform/interrupt_vm_test.cpp)
target_link_libraries(trimcheck_vm_tests PRIVATE trimcheck_conform GTest::gtest_main)
target_compile_definitions(trimcheck_vm_tests PRIVATE
  TRIMCHECK_VM_KERNEL_FILE="${TRIMCHECK_VM_KERNEL_FILE}"
  TRIMCHECK_BINARY="$<TARGET_FILE:trimcheck>")
add_dependencies(trimcheck_vm_tests trimcheck)
gtest_discover_tests(trimcheck_vm_tests DISCOVERY_TIMEOUT 60
  PROPERTIES FIXTURES_REQUIRED vm_kernel RESOURCE_LOCK vm TIMEOUT 900)

# The CI conformance run and the replay of a check trace, through the command line.
add_test(NAME vm.conform_baseline_6_12
         COMMAND ${CMAKE_COMMAND} -DTRIMCHECK=$<TARGET_FILE:trimcheck>
                 -DKERNEL_FILE=${TRIMCHECK_VM_KERNEL_FILE} -DWORK=${CMAKE_CURRENT_BINARY_DIR}
                 -P ${CMAKE_CURRENT_SOURCE_DIR}/conform/conform_baseline.cmake)
add_test(NAME vm.replay_check_trace_on_kernel
         COMMAND ${CMAKE_COMMAND} -DTRIMCHECK=$<TARGET_FILE:trimcheck>
                 -DKERNEL_FILE=${TRIMCHECK_VM_KERNEL_FILE} -DWORK=${CMAKE_CURRENT_BINARY_DIR}
                 -P ${CMAKE_CURRENT_SOURCE_DIR}/cli/replay_kernel.cmake)
add_test(NAME vm.report_conform_kernel
         COMMAND ${CMAKE_COMMAND} -DTRIMCHECK=$<TARGET_FILE:trimcheck>
                 -DKERNEL_FILE=${TRIMCHECK_VM_KERNEL_FILE} -DWORK=${CMAKE_CURRENT_BINARY_DIR}
                 -P ${CMAKE_CURRENT_SOURCE_DIR}/cli/report_kernel.cmake)
set_tests_properties(vm.conform_baseline_6_12 vm.replay_check_trace_on_kernel
                     vm.report_conform_kernel PROPERTIES
  FIXTURES_REQUIRED vm_kernel RESOURCE_LOCK vm TIMEOUT 2400)
set_tests_properties(vm.conform_baseline_6_12 PROPERTIES COST 160) # tests/CMakeLists.txt: COST

add_test(NAME scripts.build_kernel_input
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/scripts/build_kernel_test.sh
                 ${PROJECT_SOURCE_DIR}/scripts/build-kernel)
