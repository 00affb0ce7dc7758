# Transcripts (docs/vm.md): recorded from a fake kernel that answers from the model, no
# VM needed. Included from tests/CMakeLists.txt.
add_executable(trimcheck_conform_transcript_tests conform/transcript_test.cpp
                                                  conform/confirm_test.cpp conform/model_kernel.cpp)
target_link_libraries(trimcheck_conform_transcript_tests PRIVATE trimcheck_conform
                      GTest::gtest_main)
target_compile_definitions(trimcheck_conform_transcript_tests PRIVATE
                           TRIMCHECK_TEST_DATA="${CMAKE_CURRENT_SOURCE_DIR}/data")
gtest_discover_tests(trimcheck_conform_transcript_tests DISCOVERY_TIMEOUT 60)

# Writes tests/data/transcripts/fake-model (see its README.md).
add_executable(trimcheck_make_fake_transcripts conform/make_fake_transcripts.cpp
                                               conform/model_kernel.cpp)
target_link_libraries(trimcheck_make_fake_transcripts PRIVATE trimcheck_conform)

# Every transcript recorded on a kernel of a patch series (tests/data/real-kernel/
# transcripts) conforms; a missing or empty directory fails (trimcheck conform
# --transcripts finds no transcript: exit 2).
add_test(NAME conform.RealKernelTranscriptsConform
         COMMAND ${CMAKE_COMMAND} -DTRIMCHECK=$<TARGET_FILE:trimcheck>
                 -DDIR=${CMAKE_CURRENT_SOURCE_DIR}/data/real-kernel/transcripts
                 -DWORK=${CMAKE_CURRENT_BINARY_DIR}
                 -P ${CMAKE_CURRENT_SOURCE_DIR}/conform/real_kernel_transcripts.cmake)

# Every kernel confirmation recorded with `trimcheck confirm` (tests/data/real-kernel/
# confirmations) recomputes to its recorded outcome from its kernel answers and the
# current model: exit 0; an outcome that changed is exit 1, a malformed or uncovered file 2.
add_test(NAME conform.RealKernelConfirmationsRecheck
         COMMAND trimcheck confirm --recheck ${CMAKE_CURRENT_SOURCE_DIR}/data/real-kernel/confirmations)
