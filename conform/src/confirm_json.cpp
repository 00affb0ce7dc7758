// The kernel-confirmation file (docs/vm.md, "Kernel confirmation"): the cell, the outcome,
// the trace as replayed and the kernel's answers as a transcript.
#include "trimcheck/conform/confirm.hpp"
#include "trimcheck/conform/detail/compressed_file.hpp"

namespace trimcheck::conform {
namespace {

using nlohmann::json;
using ordered = nlohmann::ordered_json;

constexpr const char *kConfirmationFormat = "trimcheck-kernel-confirmation";

[[noreturn]] void bad_confirmation(const std::string &where, const std::string &what) {
  throw TranscriptFormatError(where + ": " + what);
}

const json &member(const json &document, const char *key) {
  auto it = document.find(key);
  if (it == document.end())
    bad_confirmation(key, "missing");
  return *it;
}

std::string string_member(const json &document, const char *key) {
  const json &value = member(document, key);
  if (!value.is_string())
    bad_confirmation(key, "expected a string");
  return value.get<std::string>();
}

props::Verdict verdict_from_name(const std::string &name) {
  for (props::Verdict verdict : {props::Verdict::holds, props::Verdict::conditional,
                                 props::Verdict::violated, props::Verdict::not_applicable})
    if (props::verdict_name(verdict) == name)
      return verdict;
  bad_confirmation("verdict", "expected violated or conditional, not \"" + name + "\"");
}

} // namespace

ordered to_json(const Confirmation &confirmation) {
  ordered document;
  document["format"] = kConfirmationFormat;
  document["format_version"] = Confirmation::kFormatVersion;
  document["proposal"] = model::proposal_info(confirmation.trace.proposal).key;
  document["property"] = confirmation.trace.property;
  document["verdict"] = props::verdict_name(confirmation.verdict);
  document["outcome"] = confirm_outcome_name(confirmation.outcome);
  document["step"] = confirmation.step;
  document["detail"] = confirmation.detail;
  document["trace"] = props::to_json(confirmation.trace);
  document["transcript"] =
      confirmation.transcript ? ordered(to_json(*confirmation.transcript)) : ordered(nullptr);
  return document;
}

Confirmation confirmation_from_json(const json &document) {
  if (!document.is_object())
    bad_confirmation("the file", "expected a JSON object");
  if (string_member(document, "format") != kConfirmationFormat)
    bad_confirmation("format", std::string("expected \"") + kConfirmationFormat + "\"");
  const json &version = member(document, "format_version");
  if (version != Confirmation::kFormatVersion)
    bad_confirmation("format_version", "unsupported version " + version.dump() +
                                           " (this build reads version " +
                                           std::to_string(Confirmation::kFormatVersion) + ")");
  Confirmation confirmation;
  confirmation.verdict = verdict_from_name(string_member(document, "verdict"));
  const std::string outcome = string_member(document, "outcome");
  const auto parsed = confirm_outcome_from_name(outcome);
  if (!parsed)
    bad_confirmation("outcome", "unknown outcome \"" + outcome + "\"");
  confirmation.outcome = *parsed;
  const json &step = member(document, "step");
  if (!step.is_number_unsigned())
    bad_confirmation("step", "expected a non-negative integer");
  confirmation.step = step.get<std::size_t>();
  confirmation.detail = string_member(document, "detail");
  try {
    confirmation.trace = props::trace_from_json(member(document, "trace"));
  } catch (const props::TraceFormatError &error) {
    bad_confirmation("trace", error.what());
  }
  if (string_member(document, "proposal") != model::proposal_info(confirmation.trace.proposal).key)
    bad_confirmation("proposal", "differs from the trace's version");
  if (string_member(document, "property") != confirmation.trace.property)
    bad_confirmation("property", "differs from the trace's property");
  if (const json &transcript = member(document, "transcript"); !transcript.is_null()) {
    try {
      confirmation.transcript = transcript_from_json(transcript);
    } catch (const TranscriptFormatError &error) {
      bad_confirmation("transcript", error.what());
    }
  }
  return confirmation;
}

void write_confirmation(const std::filesystem::path &file, const Confirmation &confirmation) {
  detail::write_gzip(file, to_json(confirmation).dump(1) + "\n");
}

Confirmation read_confirmation(const std::filesystem::path &file) {
  const json document = detail::read_json_file(file);
  try {
    return confirmation_from_json(document);
  } catch (const TranscriptFormatError &error) {
    throw TranscriptFormatError(file.string() + ": " + error.what());
  }
}

std::string confirmation_file_name(const Confirmation &confirmation) {
  return std::string(model::proposal_info(confirmation.trace.proposal).key) + "-" +
         confirmation.trace.property + ".json.gz";
}

} // namespace trimcheck::conform
