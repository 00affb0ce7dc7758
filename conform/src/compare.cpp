#include "trimcheck/conform/detail/compare.hpp"

#include "trimcheck/model/list_format.hpp"

#include <algorithm>
#include <charconv>

namespace trimcheck::conform::detail {
namespace {

using namespace model;

std::string short_hex(const Bytes &bytes) {
  const std::string hex = to_hex(bytes);
  return hex.size() > 80 ? hex.substr(0, 80) + "..." : hex;
}

// Bytes known only by digest (a long answer in a transcript) are compared by digest.
std::string by_digest(const KernelBytes &bytes) {
  return digest_summary(bytes.sha256(), bytes.length());
}

std::string by_digest(const Bytes &bytes) {
  return digest_summary(hash_bytes(HashAlgo::sha256, bytes), bytes.size());
}

std::vector<ListEntry> entries(const KernelState &state, std::size_t slot) {
  std::vector<ListEntry> out;
  for (NodeId node : state.list)
    out.push_back(list_entry(state.contents.at(state.nodes.at(node).serial), slot));
  return out;
}

// Where two binary lists part: the first differing record, as both sides show it.
std::string list_difference(const Bytes &kernel, const std::vector<ListEntry> &model,
                            std::size_t digest_len) {
  const ParsedList parsed = parse_binary_prefix(kernel, digest_len);
  std::string out = "kernel has " + std::to_string(parsed.entries.size()) + " records (" +
                    std::to_string(kernel.size()) + " bytes), model " +
                    std::to_string(model.size()) + " records";
  for (std::size_t i = 0; i < std::max(parsed.entries.size(), model.size()); ++i) {
    const ListEntry *k = i < parsed.entries.size() ? &parsed.entries[i] : nullptr;
    const ListEntry *m = i < model.size() ? &model[i] : nullptr;
    if (k && m && *k == *m)
      continue;
    out += "; first difference at record " + std::to_string(i) + ": kernel " +
           (k ? ascii_line(*k) : "nothing\n") + "  model " + (m ? ascii_line(*m) : "nothing\n");
    break;
  }
  if (parsed.error)
    out += std::string("; kernel list malformed: ") + parsed.error->what();
  return out;
}

std::optional<std::int64_t> parse_number(const Bytes &data) {
  std::string text(data.begin(), data.end());
  while (!text.empty() && text.back() == '\n')
    text.pop_back();
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size())
    return std::nullopt;
  return value;
}

std::optional<std::string> compare_counter(KernelUnderTest &kernel, const std::string &file,
                                           std::int64_t expected) {
  const auto read = kernel.cat(file);
  const auto value = read.data.known() ? parse_number(read.data.bytes()) : std::nullopt;
  if (read.ret < 0 || !value)
    return file + ": kernel read failed (" + std::to_string(read.ret) + ")";
  if (*value != expected)
    return file + ": kernel " + std::to_string(*value) + ", model " + std::to_string(expected);
  return std::nullopt;
}

// What the agent's own open of `path` for reading returns on the model: a new root
// process with CAP_SYS_ADMIN opens it (0 when it would succeed). The version decides:
// e.g. Chen's lists refuse readers (-EBUSY) while a process holds ima_trim_log's writer
// slot, and Sassu's while a writer holds a list file.
std::int64_t predicted_open(const KernelState &state, const std::string &path) {
  KernelState probe = state;
  const Pid pid = static_cast<Pid>(apply(probe, Spawn{true}).ret);
  Outcome opened = apply(probe, Open{pid, path, Access::read});
  while (!opened.done)
    opened = apply(probe, Continue{pid});
  return opened.ret < 0 ? opened.ret : 0;
}

// A read the model predicts to be refused: the kernel must refuse it the same way.
std::optional<std::string> compare_refusal(const KernelAnswer &read, const std::string &file,
                                           std::int64_t expected) {
  if (read.ret == expected)
    return std::nullopt;
  return file + ": kernel returned " + std::to_string(read.ret) + ", model predicts " +
         std::to_string(expected) + " (refused open)";
}

} // namespace

std::optional<std::string> compare_outcome(const KernelAnswer &kernel, const Outcome &model) {
  if (kernel.ret != model.ret)
    return "returned " + std::to_string(kernel.ret) + " on the kernel, " +
           std::to_string(model.ret) + " on the model";
  if (!kernel.data.matches(model.data))
    return "read different bytes: kernel " +
           (kernel.data.known() ? short_hex(kernel.data.bytes()) : by_digest(kernel.data)) +
           ", model " + (kernel.data.known() ? short_hex(model.data) : by_digest(model.data));
  return std::nullopt;
}

std::optional<std::string> compare_state(KernelUnderTest &kernel, const KernelState &state) {
  if (auto diff = compare_counter(kernel, "runtime_measurements_count", shown_count(state)))
    return diff;
  if (auto diff = compare_counter(kernel, "violations", state.counters.violations))
    return diff;
  const BankLayout &layout = state.config.banks;
  for (std::size_t bank = 0; bank < layout.tpm_banks.size(); ++bank) {
    const HashAlgo algo = layout.tpm_banks[bank].algo;
    const Digest value = kernel.pcr(algo, state.config.measure_pcr);
    const Digest expected = state.pcrs.value_copy(bank, state.config.measure_pcr);
    if (value != expected)
      return "PCR " + std::to_string(state.config.measure_pcr) + " of " +
             std::string(hash_name(algo)) + ": kernel " + to_hex(value) + ", model " +
             to_hex(expected);
  }
  if (!state.requests.empty()) // a call still in flight
    return std::nullopt;
  const auto slots = layout.slots();
  for (std::size_t slot = 0; slot < slots.size(); ++slot) {
    const std::string file =
        "binary_runtime_measurements_" + std::string(hash_name(slots[slot].algo));
    if (const std::int64_t refused = predicted_open(state, file); refused < 0) {
      if (auto diff = compare_refusal(kernel.cat(file), file, refused))
        return diff;
      continue;
    }
    const auto read = kernel.cat(file);
    const auto expected = entries(state, slot);
    if (read.ret < 0)
      return file + ": kernel read failed (" + std::to_string(read.ret) + ")";
    const Bytes expected_bytes = to_binary(expected);
    if (!read.data.matches(expected_bytes))
      return file + ": " +
             (read.data.known()
                  ? list_difference(read.data.bytes(), expected, digest_size(slots[slot].algo))
                  : "kernel list " + by_digest(read.data) + ", model " + by_digest(expected_bytes));
  }
  const std::size_t ima_slot = layout.ima_hash_slot();
  const std::string ascii =
      "ascii_runtime_measurements_" + std::string(hash_name(slots[ima_slot].algo));
  if (const std::int64_t refused = predicted_open(state, ascii); refused < 0)
    return compare_refusal(kernel.cat(ascii), ascii, refused);
  const auto read = kernel.cat(ascii);
  const std::string expected = to_ascii(entries(state, ima_slot));
  if (read.ret < 0 || !read.data.matches(to_bytes(expected)))
    return ascii + ": kernel and model text differ" +
           (read.data.known() ? ""
                              : " (kernel " + by_digest(read.data) + ", model " +
                                    by_digest(to_bytes(expected)) + ")");
  return std::nullopt;
}

std::optional<ClockReadings> kernel_clock_readings(KernelUnderTest &kernel,
                                                   const KernelState &state, std::size_t wanted) {
  const auto slot = state.config.banks.slots()[0];
  const std::string file = "binary_runtime_measurements_" + std::string(hash_name(slot.algo));
  if (predicted_open(state, file) < 0)
    return std::nullopt;
  const KernelAnswer read = kernel.cat(file, true);
  ClockReadings out;
  if (read.ret < 0 || !read.data.known()) {
    out.error = file + ": kernel read failed (" + std::to_string(read.ret) + ")";
    return out;
  }
  std::vector<std::uint64_t> times;
  for (const ListEntry &entry :
       parse_binary_prefix(read.data.bytes(), digest_size(slot.algo)).entries) {
    if (entry.data.kind != TemplateKind::ima_buf || entry.data.fields.size() < 3)
      continue;
    const Bytes &buffer = entry.data.fields[2];
    std::string text(buffer.begin(), buffer.end());
    if (text.rfind("time=", 0) != 0)
      continue;
    std::size_t at = 5;
    while (at < text.size() && text[at] == ' ')
      ++at;
    std::uint64_t time = 0;
    const auto [end, error] = std::from_chars(text.data() + at, text.data() + text.size(), time);
    if (error == std::errc() && end != text.data() + at)
      times.push_back(time);
  }
  if (times.size() < wanted) {
    out.error = "the kernel's list shows " + std::to_string(times.size()) +
                " timed critical-data record(s), the model took " + std::to_string(wanted) +
                " clock reading(s) not learned yet";
    return out;
  }
  out.readings.assign(times.end() - static_cast<std::ptrdiff_t>(wanted), times.end());
  return out;
}

std::vector<FirmwarePcr> firmware_pcrs(KernelUnderTest &kernel, const BankLayout &layout) {
  PcrBanks pcrs(layout);
  for (std::size_t bank = 0; bank < layout.tpm_banks.size(); ++bank)
    for (std::size_t pcr = 0; pcr < 10; ++pcr)
      pcrs.set_firmware(bank, pcr, kernel.pcr(layout.tpm_banks[bank].algo, pcr));
  return firmware_of(pcrs);
}

} // namespace trimcheck::conform::detail
