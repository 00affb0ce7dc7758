#include "trimcheck/verify/checkpoint.hpp"

#include "trimcheck/verify/detail/json_input.hpp"
#include "trimcheck/verify/input_error.hpp"

#include <nlohmann/json.hpp>

namespace trimcheck::verify {

namespace {

constexpr const char *kFormat = "trimcheck-checkpoint-1";
constexpr std::uint64_t kMaxCheckpointRecords = std::uint64_t{1} << 40;

const nlohmann::json &member(const std::string &name, const nlohmann::json &json, const char *key) {
  if (!json.contains(key))
    throw InputError(name, std::string("checkpoint: missing key '") + key + "'");
  return json.at(key);
}

} // namespace

std::string checkpoint_json(const Checkpoint &checkpoint) {
  nlohmann::ordered_json json;
  json["format"] = kFormat;
  json["records"] = checkpoint.records;
  json["last_record"] = model::to_hex(checkpoint.last_record);
  nlohmann::ordered_json banks = nlohmann::ordered_json::object();
  for (const auto &[bank, pcrs] : checkpoint.pcrs.banks) {
    nlohmann::ordered_json entry = nlohmann::ordered_json::object();
    for (const auto &[pcr, digest] : pcrs)
      entry[std::to_string(pcr)] = model::to_hex(digest);
    banks[std::string(model::hash_name(bank))] = entry;
  }
  json["pcrs"] = banks;
  json["padded"] = nlohmann::ordered_json::array();
  for (model::HashAlgo bank : checkpoint.padded)
    json["padded"].push_back(std::string(model::hash_name(bank)));
  return json.dump(1) + "\n";
}

Checkpoint parse_checkpoint(const std::string &name, std::span<const std::uint8_t> bytes) {
  const nlohmann::json json = detail::parse_json(name, bytes);
  if (!json.is_object())
    throw InputError(name, "checkpoint: expected a JSON object");
  const auto &format = member(name, json, "format");
  if (!format.is_string() || format.get<std::string>() != kFormat)
    throw InputError(name, std::string("checkpoint: 'format' is not '") + kFormat + "'");
  Checkpoint checkpoint;
  const auto &records = member(name, json, "records");
  if (!records.is_number_unsigned())
    throw InputError(name, "checkpoint: 'records' is not a non-negative integer");
  checkpoint.records = records.get<std::uint64_t>();
  // Records since boot: no kernel holds 2^40 (each is 50 bytes or more of kernel memory),
  // and a larger count would wrap the arithmetic of the next run's record numbers.
  if (checkpoint.records > kMaxCheckpointRecords)
    throw InputError(name, "checkpoint: 'records' " + std::to_string(checkpoint.records) +
                               " is out of range (at most 2^40)");
  const auto &last = member(name, json, "last_record");
  auto last_bytes = last.is_string() ? model::from_hex(last.get<std::string>()) : std::nullopt;
  if (!last_bytes || (last_bytes->size() != 32 && !(last_bytes->empty() && records == 0)))
    throw InputError(name, "checkpoint: 'last_record' is not 32 bytes of hex");
  checkpoint.last_record = *last_bytes;
  const auto &pcrs = member(name, json, "pcrs");
  const std::string text = nlohmann::json{{"pcrs", pcrs}}.dump();
  checkpoint.pcrs = parse_pcr_values(
      name, std::span(reinterpret_cast<const std::uint8_t *>(text.data()), text.size()));
  if (json.contains("padded")) {
    const auto &padded = json.at("padded");
    if (!padded.is_array())
      throw InputError(name, "checkpoint: 'padded' is not an array of bank names");
    for (const auto &bank : padded) {
      auto algo = bank.is_string() ? model::hash_from_name(bank.get<std::string>()) : std::nullopt;
      if (!algo)
        throw InputError(name, "checkpoint: 'padded' holds an unknown bank");
      checkpoint.padded.push_back(*algo);
    }
  }
  return checkpoint;
}

} // namespace trimcheck::verify
