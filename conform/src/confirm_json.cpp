// The kernel-confirmation file (docs/vm.md, "Kernel confirmation"): the cell, the outcome,
// the trace as replayed and the kernel's answers as a transcript.
#include "trimcheck/conform/confirm.hpp"
#include "trimcheck/conform/detail/compressed_file.hpp"

namespace trimcheck::conform {
namespace {

using nlohmann::json;
using ordered = nlohmann::ordered_json;

constexpr const char *kFormat = "trimcheck-kernel-confirmation";

[[noreturn]] void bad(const std::string &where, const std::string &what) {
  throw TranscriptFormatError(where + ": " + what);
}

const json &field(const json &document, const char *key) {
  auto it = document.find(key);
  if (it == document.end())
    bad(key, "missing");
  return *it;
}

std::string string_field(const json &document, const char *key) {
  const json &value = field(document, key);
  if (!value.is_string())
    bad(key, "expected a string");
  return value.get<std::string>();
}

props::Verdict verdict_from_name(const std::string &name) {
  for (props::Verdict verdict : {props::Verdict::holds, props::Verdict::conditional,
                                 props::Verdict::violated, props::Verdict::not_applicable})
    if (props::verdict_name(verdict) == name)
      return verdict;
  bad("verdict", "expected violated or conditional, not \"" + name + "\"");
}

} // namespace

ordered to_json(const Confirmation &confirmation) {
  ordered document;
  document["format"] = kFormat;
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
    bad("the file", "expected a JSON object");
  if (string_field(document, "format") != kFormat)
    bad("format", std::string("expected \"") + kFormat + "\"");
  const json &version = field(document, "format_version");
  if (version != Confirmation::kFormatVersion)
    bad("format_version", "unsupported version " + version.dump() + " (this build reads version " +
                              std::to_string(Confirmation::kFormatVersion) + ")");
  Confirmation confirmation;
  confirmation.verdict = verdict_from_name(string_field(document, "verdict"));
  const std::string outcome = string_field(document, "outcome");
  const auto parsed = confirm_outcome_from_name(outcome);
  if (!parsed)
    bad("outcome", "unknown outcome \"" + outcome + "\"");
  confirmation.outcome = *parsed;
  const json &step = field(document, "step");
  if (!step.is_number_unsigned())
    bad("step", "expected a non-negative integer");
  confirmation.step = step.get<std::size_t>();
  confirmation.detail = string_field(document, "detail");
  try {
    confirmation.trace = props::trace_from_json(field(document, "trace"));
  } catch (const props::TraceFormatError &error) {
    bad("trace", error.what());
  }
  if (string_field(document, "proposal") != model::proposal_info(confirmation.trace.proposal).key)
    bad("proposal", "differs from the trace's version");
  if (string_field(document, "property") != confirmation.trace.property)
    bad("property", "differs from the trace's property");
  if (const json &transcript = field(document, "transcript"); !transcript.is_null()) {
    try {
      confirmation.transcript = transcript_from_json(transcript);
    } catch (const TranscriptFormatError &error) {
      bad("transcript", error.what());
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
