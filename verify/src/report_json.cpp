#include "trimcheck/verify/report_json.hpp"

#include <nlohmann/json.hpp>

namespace trimcheck::verify {

std::string report_json(const VerifyReport &report) {
  nlohmann::ordered_json json;
  json["verified"] = report.verified;
  json["records_total"] = report.records_total;
  json["first_record"] = report.first_record;
  json["replayed"] = report.replayed;
  json["skipped"] = report.skipped;
  json["violations"] = report.violations;
  json["banks"] = nlohmann::ordered_json::array();
  for (const BankOutcome &bank : report.banks)
    json["banks"].push_back(
        {{"bank", std::string(model::hash_name(bank.bank))}, {"padded", bank.padded}});
  json["pcrs"] = report.pcrs;
  if (report.failure) {
    nlohmann::ordered_json failure;
    failure["kind"] = std::string(failure_kind_name(report.failure->kind));
    failure["message"] = report.failure->message;
    if (const auto &record = report.failure->record)
      failure["record"] = {{"index", record->index},
                           {"piece", record->piece},
                           {"piece_record", record->piece_record},
                           {"offset", record->offset}};
    if (const auto &record = report.failure->record; record && record->line > 0)
      failure["record"]["line"] = record->line;
    json["failure"] = failure;
  }
  // A path is not always UTF-8, and a JSON string must be: such bytes become U+FFFD here
  // (the text report and the messages escape them as \xNN instead).
  return json.dump(1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

std::string report_text(const VerifyReport &report) {
  if (!report.verified)
    return "NOT verified (" + std::string(failure_kind_name(report.failure->kind)) +
           "): " + report.failure->message + "\n";
  std::string banks, pcrs;
  for (const BankOutcome &bank : report.banks)
    banks += (banks.empty() ? "" : ", ") + std::string(model::hash_name(bank.bank)) +
             (bank.padded ? " (padded SHA-1)" : "");
  for (unsigned pcr : report.pcrs)
    pcrs += (pcrs.empty() ? "" : ", ") + std::to_string(pcr);
  std::string text = "verified: " + std::to_string(report.replayed) +
                     (report.replayed == 1 ? " record" : " records") + " replayed";
  if (report.replayed > 0)
    text += " (records " + std::to_string(report.first_record) + ".." +
            std::to_string(report.records_total - 1) + " since boot)";
  if (report.skipped > 0)
    text += ", " + std::to_string(report.skipped) + " already covered by the checkpoint";
  text += "; banks " + banks + "; PCR " + pcrs + "\n";
  if (report.violations > 0)
    text += "note: " + std::to_string(report.violations) +
            (report.violations == 1 ? " violation record's" : " violation records'") +
            " template data (file name, fields) is covered by no digest: the kernel extends "
            "0xFF.. for a violation, so an edit of that data cannot be detected\n";
  return text;
}

} // namespace trimcheck::verify
