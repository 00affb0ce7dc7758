# Transcripts (docs/vm.md): recorded from a fake kernel that answers from the model, no
# VM needed. Included from tests/CMakeLists.txt.
add_executable(trimcheck_conform_transcript_tests conform/transcript_test.cpp
                                                  conform/model_kernel.cpp)
target_link_libraries(trimcheck_conform_transcript_tests PRIVATE trimcheck_conform
                      GTest::gtest_main)
gtest_discover_tests(trimcheck_conform_transcript_tests DISCOVERY_TIMEOUT 60)

# Writes tests/data/transcripts/fake-model (see its README.md).
add_executable(trimcheck_make_fake_transcripts conform/make_fake_transcripts.cpp
                                               conform/model_kernel.cpp)
target_link_libraries(trimcheck_make_fake_transcripts PRIVATE trimcheck_conform)
