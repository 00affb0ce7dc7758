// Writes the small transcripts under tests/data/transcripts/fake-model: conformance runs
// recorded from the fake kernel of model_kernel.hpp (the model answering for the kernel),
// for the CLI tests of `trimcheck conform --transcripts`. Run after a change of the format:
//   build/tests/trimcheck_make_fake_transcripts tests/data/transcripts/fake-model
#include "model_kernel.hpp"
#include "trimcheck/conform/transcript.hpp"
#include "trimcheck/props/scenario.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>

using namespace trimcheck;

int main(int argc, char **argv) {
  if (argc != 2) {
    std::cerr << "usage: trimcheck_make_fake_transcripts DIR\n";
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  const model::ProposalId proposals[] = {model::ProposalId::baseline_6_12,
                                         model::ProposalId::sassu_v7, model::ProposalId::chen_v5};
  for (model::ProposalId proposal : proposals) {
    conform::Transcript transcript;
    transcript.kernel = {{"release", "none: the model answering for the kernel"},
                         {"note", "recorded by tests/conform/make_fake_transcripts.cpp"}};
    transcript.proposal = proposal;
    transcript.seed = 1;
    transcript.run = 2;
    transcript.actions = conform::random_sequence(proposal, props::make_config(proposal, {}),
                                                  transcript.seed * 1000 + 1, 8);
    conform::test::ModelKernel kernel(proposal, transcript.config);
    conform::RecordingKernel recording(kernel, transcript);
    conform::RunOptions options;
    options.proposal = proposal;
    const conform::RunResult run = conform::run_sequence(recording, options, transcript.actions);
    transcript.recorded_mismatch = run.mismatch;
    const std::filesystem::path file = dir / conform::transcript_file_name(transcript);
    conform::write_transcript(file, transcript);
    std::cout << file.string() << ": " << run.executed.size() << " actions, "
              << transcript.exchanges.size() << " queries"
              << (run.mismatch ? ", MISMATCH " + run.mismatch->what : "") << "\n";
  }
  return 0;
}
