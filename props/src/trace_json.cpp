#include "trimcheck/props/trace.hpp"

#include "trimcheck/props/scenario.hpp"

#include <algorithm>
#include <limits>
#include <type_traits>

namespace trimcheck::props {

using nlohmann::json;
using namespace model;

std::string_view regime_name(Regime regime) {
  return regime == Regime::protocol ? "protocol" : "arbitrary";
}

bool kernel_events_only(const Trace &trace) {
  using namespace model;
  return std::all_of(trace.steps.begin(), trace.steps.end(), [](const TraceStep &step) {
    const Action *action = std::get_if<Action>(&step.action);
    if (action == nullptr)
      return false;
    const Continue *next = std::get_if<Continue>(action);
    return std::holds_alternative<Measure>(*action) ||
           std::holds_alternative<MeasureViolation>(*action) ||
           std::holds_alternative<MeasureRecord>(*action) ||
           std::holds_alternative<KexecLoad>(*action) ||
           std::holds_alternative<KexecExecute>(*action) || (next != nullptr && next->pid == 0);
  });
}

namespace {

[[noreturn]] void bad_field(const std::string &where, const std::string &what) {
  throw TraceFormatError(where + ": " + what);
}

const json &field(const json &object, const char *key, const std::string &where) {
  if (!object.is_object())
    bad_field(where, "expected an object");
  auto it = object.find(key);
  if (it == object.end())
    bad_field(where, std::string("missing \"") + key + "\"");
  return *it;
}

std::uint64_t unsigned_field(const json &object, const char *key, const std::string &where) {
  const json &value = field(object, key, where);
  if (!value.is_number_unsigned())
    bad_field(where + "." + key, "expected a non-negative integer");
  return value.get<std::uint64_t>();
}

std::int64_t signed_field(const json &object, const char *key, const std::string &where) {
  const json &value = field(object, key, where);
  if (!value.is_number_integer())
    bad_field(where + "." + key, "expected an integer");
  return value.get<std::int64_t>();
}

// A field stored in a narrower type: a value that does not fit is refused, not wrapped
// (2^32 + 5 is not pid 5).
template <class T> T narrow_field(const json &object, const char *key, const std::string &where) {
  if constexpr (std::is_signed_v<T>) {
    const std::int64_t value = signed_field(object, key, where);
    if (value < std::numeric_limits<T>::min() || value > std::numeric_limits<T>::max())
      bad_field(where + "." + key, std::to_string(value) + " is out of range (" +
                                       std::to_string(std::numeric_limits<T>::min()) + ".." +
                                       std::to_string(std::numeric_limits<T>::max()) + ")");
    return static_cast<T>(value);
  } else {
    const std::uint64_t value = unsigned_field(object, key, where);
    if (value > std::numeric_limits<T>::max())
      bad_field(where + "." + key, std::to_string(value) + " is out of range (at most " +
                                       std::to_string(std::numeric_limits<T>::max()) + ")");
    return static_cast<T>(value);
  }
}

bool bool_field(const json &object, const char *key, const std::string &where, bool fallback) {
  auto it = object.find(key);
  if (it == object.end())
    return fallback;
  if (!it->is_boolean())
    bad_field(where + "." + key, "expected true or false");
  return it->get<bool>();
}

std::string string_field(const json &object, const char *key, const std::string &where) {
  const json &value = field(object, key, where);
  if (!value.is_string())
    bad_field(where + "." + key, "expected a string");
  return value.get<std::string>();
}

Bytes hex_field(const json &object, const char *key, const std::string &where) {
  auto bytes = from_hex(string_field(object, key, where));
  if (!bytes)
    bad_field(where + "." + key, "expected an even number of hex digits");
  return *bytes;
}

std::string_view access_key(Access access) {
  switch (access) {
  case Access::read:
    return "r";
  case Access::write:
    return "w";
  case Access::read_write:
    return "rw";
  }
  return "?";
}

Access access_from(const std::string &key, const std::string &where) {
  if (key == "r")
    return Access::read;
  if (key == "w")
    return Access::write;
  if (key == "rw")
    return Access::read_write;
  bad_field(where, "access must be r, w or rw, not \"" + key + "\"");
}

json template_to_json(const TemplateData &data) {
  json fields = json::array();
  for (const Bytes &field : data.fields)
    fields.push_back(to_hex(field));
  return {{"template", template_name(data)}, {"fields_hex", fields}};
}

TemplateData template_from_json(const json &object, const std::string &where) {
  TemplateData data;
  try {
    data = template_named(string_field(object, "template", where));
  } catch (const std::invalid_argument &error) {
    bad_field(where + ".template", error.what());
  }
  const json &fields = field(object, "fields_hex", where);
  if (!fields.is_array() || fields.size() != template_fields(data).size())
    bad_field(where + ".fields_hex", "expected one hex string per template field");
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (!fields[i].is_string() || !from_hex(fields[i].get<std::string>()))
      bad_field(where + ".fields_hex[" + std::to_string(i) + "]", "expected hex");
    data.fields.push_back(*from_hex(fields[i].get<std::string>()));
  }
  return data;
}

} // namespace

json action_to_json(const TraceAction &action) {
  if (const Quote *quote = std::get_if<Quote>(&action))
    return {{"type", "quote"}, {"pid", quote->pid}};
  return std::visit(
      [](const auto &a) -> json {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, Measure>) {
          json out = {{"type", "measure"}, {"file", a.file}, {"version", a.version}};
          if (a.path_bytes != 0)
            out["path_bytes"] = a.path_bytes;
          return out;
        } else if constexpr (std::is_same_v<A, MeasureViolation>)
          return {{"type", "violation"}, {"file", a.file}};
        else if constexpr (std::is_same_v<A, MeasureRecord>) {
          json out = template_to_json(a.data);
          out["type"] = "measure_record";
          out["pcr"] = a.pcr;
          out["violation"] = a.violation;
          return out;
        } else if constexpr (std::is_same_v<A, Spawn>)
          return {{"type", "spawn"}, {"cap_sys_admin", a.cap_sys_admin}};
        else if constexpr (std::is_same_v<A, Open>)
          return {
              {"type", "open"}, {"pid", a.pid}, {"path", a.path}, {"access", access_key(a.access)}};
        else if constexpr (std::is_same_v<A, Read>)
          return {{"type", "read"}, {"pid", a.pid}, {"fd", a.fd}, {"count", a.count}};
        else if constexpr (std::is_same_v<A, Write>) {
          json out = {
              {"type", "write"}, {"pid", a.pid}, {"fd", a.fd}, {"bytes_hex", to_hex(a.bytes)}};
          if (a.fault_after)
            out["fault_after"] = *a.fault_after;
          return out;
        } else if constexpr (std::is_same_v<A, Seek>)
          return {{"type", "seek"}, {"pid", a.pid}, {"fd", a.fd}};
        else if constexpr (std::is_same_v<A, Close>)
          return {{"type", "close"}, {"pid", a.pid}, {"fd", a.fd}};
        else if constexpr (std::is_same_v<A, Fork>)
          return {{"type", "fork"}, {"pid", a.pid}};
        else if constexpr (std::is_same_v<A, PassFd>)
          return {{"type", "pass_fd"}, {"from", a.from}, {"fd", a.fd}, {"to", a.to}};
        else if constexpr (std::is_same_v<A, DropCap>)
          return {{"type", "drop_cap"}, {"pid", a.pid}};
        else if constexpr (std::is_same_v<A, Exit>)
          return {{"type", "exit"}, {"pid", a.pid}};
        else if constexpr (std::is_same_v<A, Continue>)
          return {{"type", "continue"}, {"pid", a.pid}};
        else if constexpr (std::is_same_v<A, KexecLoad>)
          return {{"type", "kexec_load"}};
        else
          return {{"type", "kexec_execute"}};
      },
      std::get<Action>(action));
}

TraceAction action_from_json(const json &j, const std::string &where) {
  const std::string type = string_field(j, "type", where);
  auto pid = [&](const char *key = "pid") { return narrow_field<Pid>(j, key, where); };
  auto fd = [&] { return narrow_field<int>(j, "fd", where); };
  if (type == "quote")
    return Quote{pid()};
  if (type == "measure") {
    Measure measure{narrow_field<std::uint32_t>(j, "file", where),
                    narrow_field<std::uint32_t>(j, "version", where)};
    if (j.contains("path_bytes")) {
      measure.path_bytes = narrow_field<std::uint32_t>(j, "path_bytes", where);
      try {
        measured_path(measure.file, measure.path_bytes);
      } catch (const std::invalid_argument &error) {
        bad_field(where + ".path_bytes", error.what());
      }
    }
    return Action{measure};
  }
  if (type == "violation")
    return Action{MeasureViolation{narrow_field<std::uint32_t>(j, "file", where)}};
  if (type == "measure_record") {
    auto pcr = unsigned_field(j, "pcr", where);
    if (pcr >= kNumPcrs)
      bad_field(where + ".pcr", "PCR index must be 0..23");
    return Action{MeasureRecord{static_cast<std::uint32_t>(pcr), template_from_json(j, where),
                                bool_field(j, "violation", where, false)}};
  }
  if (type == "spawn")
    return Action{Spawn{bool_field(j, "cap_sys_admin", where, true)}};
  if (type == "open")
    return Action{Open{pid(), string_field(j, "path", where),
                       access_from(string_field(j, "access", where), where + ".access")}};
  if (type == "read")
    return Action{Read{pid(), fd(), narrow_field<std::size_t>(j, "count", where)}};
  if (type == "write") {
    Write write{pid(), fd(), hex_field(j, "bytes_hex", where)};
    if (j.contains("fault_after")) {
      const std::uint64_t fault_after = unsigned_field(j, "fault_after", where);
      if (fault_after >= write.bytes.size())
        bad_field(where + ".fault_after", std::to_string(fault_after) +
                                              " is not below the write's length " +
                                              std::to_string(write.bytes.size()));
      write.fault_after = static_cast<std::uint32_t>(fault_after);
    }
    return Action{write};
  }
  if (type == "seek")
    return Action{Seek{pid(), fd()}};
  if (type == "close")
    return Action{Close{pid(), fd()}};
  if (type == "fork")
    return Action{Fork{pid()}};
  if (type == "pass_fd")
    return Action{PassFd{pid("from"), fd(), pid("to")}};
  if (type == "drop_cap")
    return Action{DropCap{pid()}};
  if (type == "exit")
    return Action{Exit{pid()}};
  if (type == "continue")
    return Action{Continue{pid()}};
  if (type == "kexec_load")
    return Action{KexecLoad{}};
  if (type == "kexec_execute")
    return Action{KexecExecute{}};
  bad_field(where + ".type", "unknown action type \"" + type + "\"");
}

json config_to_json(const KernelConfig &config) {
  json banks = json::array();
  for (const TpmBank &bank : config.banks.tpm_banks)
    banks.push_back({{"algo", hash_name(bank.algo)}, {"kernel_hash", bank.kernel_hash}});
  json out = {{"tpm_banks", banks},
              {"ima_hash", hash_name(config.banks.ima_hash)},
              {"template", template_name(config.template_kind)},
              {"ima_kexec", config.ima_kexec},
              {"disable_htable", config.disable_htable},
              {"flush_htable", config.flush_htable},
              {"staging", config.staging},
              {"log_trimming", config.log_trimming},
              {"ima_pcrs", config.ima_pcrs},
              {"critical_data_rule", config.critical_data_rule},
              {"kexec_extra_bytes", config.kexec_extra_bytes},
              {"ram_bytes", config.ram_bytes},
              {"measure_pcr", config.measure_pcr},
              {"base", base_tree_name(config.base)},
              {"wall_clock", config.wall_clock}};
  if (!config.firmware_pcrs.empty()) { // absent: all zero
    json firmware = json::array();
    for (const FirmwarePcr &pcr : config.firmware_pcrs)
      firmware.push_back(
          {{"bank", hash_name(pcr.bank)}, {"pcr", pcr.pcr}, {"value_hex", to_hex(pcr.value)}});
    out["firmware_pcrs"] = firmware;
  }
  return out;
}

namespace {

// "firmware_pcrs": [{"bank": "sha1", "pcr": 0, "value_hex": "..."}, ...], PCRs 0-9 of
// banks in tpm_banks; stored in the canonical order (zero values dropped).
std::vector<FirmwarePcr> firmware_from_json(const json &list, const KernelConfig &config,
                                            const std::string &where) {
  if (!list.is_array())
    bad_field(where, "expected an array of {bank, pcr, value_hex}");
  KernelConfig with = config;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string at = where + "[" + std::to_string(i) + "]";
    const auto bank = hash_from_name(string_field(list[i], "bank", at));
    if (!bank)
      bad_field(at + ".bank", "unknown hash algorithm");
    const std::uint64_t pcr = unsigned_field(list[i], "pcr", at);
    if (pcr > 9)
      bad_field(at + ".pcr", "firmware PCRs are 0..9");
    FirmwarePcr firmware{*bank, static_cast<std::uint32_t>(pcr),
                         hex_field(list[i], "value_hex", at)};
    if (firmware.value.size() != digest_size(*bank))
      bad_field(at + ".value_hex", "expected " + std::to_string(digest_size(*bank)) +
                                       " bytes for " + std::string(hash_name(*bank)));
    for (const FirmwarePcr &earlier : with.firmware_pcrs)
      if (earlier.bank == firmware.bank && earlier.pcr == firmware.pcr)
        bad_field(at, "PCR " + std::to_string(pcr) + " of " + std::string(hash_name(*bank)) +
                          " is given twice");
    with.firmware_pcrs.push_back(std::move(firmware));
  }
  try {
    return firmware_of(firmware_banks(with));
  } catch (const std::invalid_argument &error) { // a bank the layout lacks
    bad_field(where, error.what());
  }
}

} // namespace

KernelConfig config_from_json(const json &j, const std::string &where) {
  KernelConfig config;
  const json &banks = field(j, "tpm_banks", where);
  if (!banks.is_array() || banks.empty())
    bad_field(where + ".tpm_banks", "expected a non-empty array");
  config.banks.tpm_banks.clear();
  for (std::size_t i = 0; i < banks.size(); ++i) {
    const std::string at = where + ".tpm_banks[" + std::to_string(i) + "]";
    auto algo = hash_from_name(string_field(banks[i], "algo", at));
    if (!algo)
      bad_field(at + ".algo", "unknown hash algorithm");
    config.banks.tpm_banks.push_back({*algo, bool_field(banks[i], "kernel_hash", at, true)});
  }
  auto ima_hash = hash_from_name(string_field(j, "ima_hash", where));
  if (!ima_hash)
    bad_field(where + ".ima_hash", "unknown hash algorithm");
  config.banks.ima_hash = *ima_hash;
  auto kind = template_from_name(string_field(j, "template", where));
  if (!kind)
    bad_field(where + ".template", "unknown template");
  config.template_kind = *kind;
  config.ima_kexec = bool_field(j, "ima_kexec", where, true);
  config.disable_htable = bool_field(j, "disable_htable", where, false);
  config.flush_htable = bool_field(j, "flush_htable", where, false);
  config.staging = bool_field(j, "staging", where, true);
  config.log_trimming = bool_field(j, "log_trimming", where, true);
  config.ima_pcrs = bool_field(j, "ima_pcrs", where, true);
  config.critical_data_rule = bool_field(j, "critical_data_rule", where, true);
  config.kexec_extra_bytes = unsigned_field(j, "kexec_extra_bytes", where);
  config.ram_bytes = unsigned_field(j, "ram_bytes", where);
  const std::uint64_t measure_pcr = unsigned_field(j, "measure_pcr", where);
  if (measure_pcr >= kNumPcrs)
    bad_field(where + ".measure_pcr", "PCR index must be 0..23");
  config.measure_pcr = static_cast<std::uint32_t>(measure_pcr);
  if (j.contains("wall_clock")) {
    const json &readings = j["wall_clock"];
    if (!readings.is_array())
      bad_field(where + ".wall_clock", "expected an array of clock readings (ns)");
    for (std::size_t i = 0; i < readings.size(); ++i) {
      if (!readings[i].is_number_unsigned())
        bad_field(where + ".wall_clock[" + std::to_string(i) + "]", "expected an unsigned integer");
      config.wall_clock.push_back(readings[i].get<std::uint64_t>());
    }
  }
  if (j.contains("base")) {
    const auto base = base_tree_from_name(string_field(j, "base", where));
    if (!base)
      bad_field(where + ".base", "unknown base tree (as-posted, 6.12, 6.14, 6.15)");
    config.base = *base;
  }
  if (j.contains("firmware_pcrs"))
    config.firmware_pcrs = firmware_from_json(j["firmware_pcrs"], config, where + ".firmware_pcrs");
  return config;
}

json to_json(const Trace &trace) {
  json steps = json::array();
  for (const TraceStep &step : trace.steps) {
    json outcome = {{"ret", step.outcome.ret}, {"done", step.outcome.done}};
    if (!step.outcome.data.empty())
      outcome["data_hex"] = to_hex(step.outcome.data);
    steps.push_back({{"action", action_to_json(step.action)},
                     {"text", describe(step.action)},
                     {"outcome", outcome}});
  }
  json document = {{"format", "trimcheck-trace"},
                   {"format_version", Trace::kFormatVersion},
                   {"proposal", proposal_info(trace.proposal).key},
                   {"config", config_to_json(trace.config)},
                   {"property", trace.property},
                   {"regime", regime_name(trace.regime)},
                   {"seed", trace.seed},
                   {"source", trace.source},
                   {"violation", trace.violation},
                   {"steps", steps}};
  if (!trace.scenario.empty())
    document["scenario"] = trace.scenario;
  return document;
}

Trace trace_from_json(const json &j) {
  Trace trace;
  if (string_field(j, "format", "$") != "trimcheck-trace")
    bad_field("$.format", "not a trimcheck trace");
  if (signed_field(j, "format_version", "$") != Trace::kFormatVersion)
    bad_field("$.format_version", "unsupported version (this build reads version " +
                                      std::to_string(Trace::kFormatVersion) + ")");
  const std::string key = string_field(j, "proposal", "$");
  auto proposal = proposal_from_key(key);
  if (!proposal)
    bad_field("$.proposal", "unknown proposal \"" + key + "\" (see `trimcheck list`)");
  trace.proposal = *proposal;
  trace.config = config_from_json(field(j, "config", "$"), "$.config");
  trace.property = string_field(j, "property", "$");
  const std::string regime = string_field(j, "regime", "$");
  if (regime != "protocol" && regime != "arbitrary")
    bad_field("$.regime", "must be protocol or arbitrary");
  trace.regime = regime == "protocol" ? Regime::protocol : Regime::arbitrary;
  trace.seed = unsigned_field(j, "seed", "$");
  if (j.contains("source") && j["source"].is_string())
    trace.source = j["source"].get<std::string>();
  if (j.contains("violation") && j["violation"].is_string())
    trace.violation = j["violation"].get<std::string>();
  if (j.contains("scenario")) {
    trace.scenario = string_field(j, "scenario", "$");
    try {
      (void)scenario_from_code(trace.scenario);
    } catch (const std::invalid_argument &error) {
      bad_field("$.scenario", error.what());
    }
  }
  const json &steps = field(j, "steps", "$");
  if (!steps.is_array())
    bad_field("$.steps", "expected an array");
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const std::string at = "$.steps[" + std::to_string(i) + "]";
    TraceStep step{action_from_json(field(steps[i], "action", at), at + ".action"), {}};
    if (steps[i].contains("outcome")) {
      const json &outcome = steps[i]["outcome"];
      step.outcome.ret = signed_field(outcome, "ret", at + ".outcome");
      step.outcome.done = bool_field(outcome, "done", at + ".outcome", true);
      if (outcome.contains("data_hex"))
        step.outcome.data = hex_field(outcome, "data_hex", at + ".outcome");
    }
    trace.steps.push_back(std::move(step));
  }
  return trace;
}

} // namespace trimcheck::props
