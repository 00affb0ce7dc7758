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

bool is_list_kind(FileKind kind) {
  return kind == FileKind::list_binary || kind == FileKind::list_ascii ||
         kind == FileKind::staged_binary || kind == FileKind::staged_ascii;
}

bool list_readable(const KernelState &state) {
  // A reader may be refused while a writer holds a list file (open mediation).
  if (!state.requests.empty())
    return false;
  for (const OpenFile &file : state.open_files)
    if (file.refs > 0 && writes(file.access) && is_list_kind(state.files.at(file.file).kind))
      return false;
  return true;
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
  if (!list_readable(state))
    return std::nullopt;
  const auto slots = layout.slots();
  for (std::size_t slot = 0; slot < slots.size(); ++slot) {
    const std::string file =
        "binary_runtime_measurements_" + std::string(hash_name(slots[slot].algo));
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
  const auto read = kernel.cat(ascii);
  const std::string expected = to_ascii(entries(state, ima_slot));
  if (read.ret < 0 || !read.data.matches(to_bytes(expected)))
    return ascii + ": kernel and model text differ" +
           (read.data.known() ? ""
                              : " (kernel " + by_digest(read.data) + ", model " +
                                    by_digest(to_bytes(expected)) + ")");
  return std::nullopt;
}

PcrBanks firmware_pcrs(KernelUnderTest &kernel, const BankLayout &layout) {
  PcrBanks pcrs(layout);
  for (std::size_t bank = 0; bank < layout.tpm_banks.size(); ++bank)
    for (std::size_t pcr = 0; pcr < 10; ++pcr)
      pcrs.set_firmware(bank, pcr, kernel.pcr(layout.tpm_banks[bank].algo, pcr));
  return pcrs;
}

} // namespace trimcheck::conform::detail
