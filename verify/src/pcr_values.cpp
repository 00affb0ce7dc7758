#include "trimcheck/verify/pcr_values.hpp"

#include "trimcheck/verify/detail/byte_reader.hpp"
#include "trimcheck/verify/detail/json_input.hpp"
#include "trimcheck/verify/input_error.hpp"
#include "trimcheck/verify/quote.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace trimcheck::verify {

using model::HashAlgo;

namespace {

constexpr unsigned kPcrs = 24;

void put(PcrValues &values, const std::string &name, const std::string &where,
         const std::string &bank_name, unsigned long pcr, std::string hex) {
  const auto bank = model::hash_from_name(bank_name);
  if (!bank)
    throw InputError(name, where + ": unknown bank '" + bank_name + "'");
  if (pcr >= kPcrs)
    throw InputError(name, where + ": PCR " + std::to_string(pcr) + " out of range 0..23");
  if (hex.rfind("0x", 0) == 0 || hex.rfind("0X", 0) == 0)
    hex = hex.substr(2);
  auto digest = model::from_hex(hex);
  if (!digest || digest->size() != model::digest_size(*bank))
    throw InputError(name, where + ": PCR " + std::to_string(pcr) + " of " + bank_name +
                               " is not " + std::to_string(model::digest_size(*bank)) +
                               " bytes of hex");
  values.banks[*bank][static_cast<unsigned>(pcr)] = std::move(*digest);
}

unsigned long pcr_index(const std::string &name, const std::string &where,
                        const std::string &text) {
  if (text.empty() || text.size() > 2 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    throw InputError(name, where + ": '" + text + "' is not a PCR index");
  return std::stoul(text);
}

PcrValues from_json(const std::string &name, const nlohmann::json &json) {
  const nlohmann::json &banks = json.contains("pcrs") ? json.at("pcrs") : json;
  if (!banks.is_object())
    throw InputError(name, "JSON: expected an object of banks");
  PcrValues values;
  for (const auto &[bank, pcrs] : banks.items()) {
    if (!pcrs.is_object())
      throw InputError(name, "JSON key '" + bank + "': expected an object of PCRs");
    for (const auto &[pcr, hex] : pcrs.items()) {
      const std::string where = "JSON key '" + bank + "'.'" + pcr + "'";
      if (!hex.is_string())
        throw InputError(name, where + ": expected a hex string");
      put(values, name, where, bank, pcr_index(name, where, pcr), hex.get<std::string>());
    }
  }
  return values;
}

std::string trim(const std::string &text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos)
    return "";
  return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

// tpm2_pcrread's output: "  sha256:" then "    10: 0x..." (optionally under "pcrs:").
PcrValues from_yaml(const std::string &name, const std::string &text) {
  PcrValues values;
  std::istringstream in(text);
  std::string line, bank;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    const std::string where = "line " + std::to_string(number);
    const std::string content = trim(line);
    if (content.empty() || content[0] == '#' || content == "pcrs:")
      continue;
    const auto colon = content.find(':');
    if (colon == std::string::npos)
      throw InputError(name, where + ": expected 'bank:' or 'pcr: 0x<hex>'");
    const std::string key = trim(content.substr(0, colon));
    const std::string value = trim(content.substr(colon + 1));
    if (value.empty()) {
      bank = key;
      continue;
    }
    if (bank.empty())
      throw InputError(name, where + ": PCR value before any 'bank:' line");
    put(values, name, where, bank, pcr_index(name, where, key), value);
  }
  if (values.banks.empty())
    throw InputError(name, "no PCR values (expected JSON, tpm2_pcrread YAML or a tpm2_quote -o "
                           "file)");
  return values;
}

// The bank of digests of `size` bytes (evmctl's files do not name theirs).
std::optional<HashAlgo> bank_of_size(std::size_t size) {
  for (HashAlgo bank : {HashAlgo::sha1, HashAlgo::sha256, HashAlgo::sha384, HashAlgo::sha512})
    if (model::digest_size(bank) == size)
      return bank;
  return std::nullopt;
}

// "PCR-NN: <hex>" lines (evmctl --pcrs, the TPM 1.2 sysfs pcrs file), spaces in the hex
// allowed.
PcrValues from_pcr_lines(const std::string &name, const std::string &text,
                         std::optional<HashAlgo> bank) {
  PcrValues values;
  std::istringstream in(text);
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    const std::string where = "line " + std::to_string(number);
    const std::string content = trim(line);
    if (content.empty())
      continue;
    const auto colon = content.find(':');
    if (content.rfind("PCR-", 0) != 0 || colon == std::string::npos)
      throw InputError(name, where + ": expected 'PCR-NN: <hex>'");
    const unsigned long pcr = pcr_index(name, where, content.substr(4, colon - 4));
    std::string hex;
    for (char c : content.substr(colon + 1))
      if (c != ' ' && c != '\t')
        hex += c;
    if (!bank) {
      bank = bank_of_size(hex.size() / 2);
      if (!bank)
        throw InputError(name, where + ": a value of " + std::to_string(hex.size()) +
                                   " hex digits is no bank's size; name the bank (ALG,FILE)");
    }
    put(values, name, where, std::string(model::hash_name(*bank)), pcr, hex);
  }
  return values;
}

// tpm2_quote -o (default "serialized"): TPML_PCR_SELECTION as the C struct (u32 count,
// 16 x {u16 hash, u8 sizeofSelect, u8 pcrSelect[4], pad}), u32 number of TPML_DIGEST,
// each {u32 count, 8 x {u16 size, u8 buffer[64]}}; little-endian, x86-64 layout.
constexpr std::size_t kSelectionStructSize = 4 + 16 * 8;
constexpr std::size_t kDigestListStructSize = 4 + 8 * 66;

PcrValues from_tpm2_serialized(const std::string &name, std::span<const std::uint8_t> bytes) {
  using detail::ByteReader;
  ByteReader in(name, bytes, ByteReader::Order::little);
  const std::uint32_t count = in.u32("TPML_PCR_SELECTION count");
  if (count > 16)
    in.fail_at(0, "TPML_PCR_SELECTION count " + std::to_string(count) + " exceeds 16");
  std::vector<PcrSelection> selection;
  for (std::uint32_t i = 0; i < 16; ++i) {
    const std::size_t start = in.pos();
    const std::uint16_t alg = in.u16("TPMS_PCR_SELECTION hash");
    const std::uint8_t size = in.u8("sizeofSelect");
    const model::Bytes select = in.take(4, "pcrSelect");
    in.skip(1, "padding");
    if (i >= count)
      continue;
    const auto bank = hash_from_tpm_alg(alg);
    if (!bank)
      in.fail_at(start, "unknown hash algorithm 0x" +
                            model::to_hex(model::Bytes{static_cast<std::uint8_t>(alg >> 8),
                                                       static_cast<std::uint8_t>(alg)}));
    if (size > 4)
      in.fail_at(start + 2, "sizeofSelect " + std::to_string(size) + " exceeds 4");
    PcrSelection entry{*bank, {}};
    for (unsigned pcr = 0; pcr < 8u * size && pcr < kPcrs; ++pcr)
      if (select[pcr / 8] & (1u << (pcr % 8)))
        entry.pcrs.push_back(pcr);
    selection.push_back(std::move(entry));
  }
  const std::uint32_t lists = in.u32("number of TPML_DIGEST");
  if (lists > in.remaining() / kDigestListStructSize)
    in.fail_at(kSelectionStructSize, std::to_string(lists) + " TPML_DIGEST do not fit");
  std::vector<std::pair<std::size_t, model::Digest>> digests;
  for (std::uint32_t list = 0; list < lists; ++list) {
    const std::size_t start = in.pos();
    const std::uint32_t used = in.u32("TPML_DIGEST count");
    if (used > 8)
      in.fail_at(start, "TPML_DIGEST count " + std::to_string(used) + " exceeds 8");
    for (std::uint32_t i = 0; i < 8; ++i) {
      const std::size_t at = in.pos();
      const std::uint16_t size = in.u16("TPM2B_DIGEST size");
      model::Bytes buffer = in.take(64, "TPM2B_DIGEST buffer");
      if (i >= used)
        continue;
      if (size > 64)
        in.fail_at(at, "TPM2B_DIGEST size " + std::to_string(size) + " exceeds 64");
      buffer.resize(size);
      digests.emplace_back(at, std::move(buffer));
    }
  }
  if (!in.done())
    in.fail(std::to_string(in.remaining()) + " bytes after the last TPML_DIGEST");
  PcrValues values;
  std::size_t next = 0;
  for (const PcrSelection &entry : selection)
    for (unsigned pcr : entry.pcrs) {
      if (next == digests.size())
        throw InputError(name, "fewer PCR values than the selection has PCRs");
      auto &[offset, digest] = digests[next++];
      if (digest.size() != model::digest_size(entry.bank))
        in.fail_at(offset, "PCR " + std::to_string(pcr) + " of " +
                               std::string(model::hash_name(entry.bank)) + " has " +
                               std::to_string(digest.size()) + " bytes");
      values.banks[entry.bank][pcr] = std::move(digest);
    }
  if (next != digests.size())
    throw InputError(name, "more PCR values than the selection has PCRs");
  return values;
}

} // namespace

const model::Digest *PcrValues::find(HashAlgo bank, unsigned pcr) const {
  auto in_bank = banks.find(bank);
  if (in_bank == banks.end())
    return nullptr;
  auto value = in_bank->second.find(pcr);
  return value == in_bank->second.end() ? nullptr : &value->second;
}

PcrValues parse_pcr_values(const std::string &name, std::span<const std::uint8_t> bytes,
                           std::optional<HashAlgo> bank) {
  const bool binary = std::any_of(bytes.begin(), bytes.end(), [](std::uint8_t byte) {
    return byte == 0 || (byte < 0x20 && byte != '\n' && byte != '\r' && byte != '\t');
  });
  const std::string text(bytes.begin(), bytes.end());
  const auto first = text.find_first_not_of(" \t\r\n");
  if (!binary && first != std::string::npos && text.compare(first, 4, "PCR-") == 0)
    return from_pcr_lines(name, text, bank);
  PcrValues values = binary ? from_tpm2_serialized(name, bytes)
                     : first != std::string::npos && text[first] == '{'
                         ? from_json(name, detail::parse_json(name, bytes))
                         : from_yaml(name, text);
  if (bank)
    for (const auto &[named, pcrs] : values.banks)
      if (named != *bank)
        throw InputError(name, "holds " + std::string(model::hash_name(named)) +
                                   " values, not the " + std::string(model::hash_name(*bank)) +
                                   " values given for it (" + std::string(model::hash_name(*bank)) +
                                   "," + name + ")");
  return values;
}

namespace {

// tpm2-tools' PCR selection, "sha256:0,10+sha1:10": banks in order, PCRs ascending.
std::optional<std::vector<std::pair<HashAlgo, std::vector<unsigned>>>>
parse_pcr_selection(const std::string &text) {
  std::vector<std::pair<HashAlgo, std::vector<unsigned>>> selection;
  std::istringstream banks(text);
  for (std::string bank; std::getline(banks, bank, '+');) {
    const auto colon = bank.find(':');
    if (colon == std::string::npos)
      return std::nullopt;
    const auto algo = model::hash_from_name(bank.substr(0, colon));
    if (!algo)
      return std::nullopt;
    std::vector<unsigned> pcrs;
    std::istringstream indices(bank.substr(colon + 1));
    for (std::string index; std::getline(indices, index, ',');) {
      if (index.empty() || index.size() > 2 ||
          index.find_first_not_of("0123456789") != std::string::npos || std::stoul(index) >= kPcrs)
        return std::nullopt;
      pcrs.push_back(static_cast<unsigned>(std::stoul(index)));
    }
    if (pcrs.empty())
      return std::nullopt;
    std::sort(pcrs.begin(), pcrs.end());
    pcrs.erase(std::unique(pcrs.begin(), pcrs.end()), pcrs.end());
    selection.emplace_back(*algo, std::move(pcrs));
  }
  if (selection.empty())
    return std::nullopt;
  return selection;
}

} // namespace

bool is_pcr_selection(const std::string &text) {
  return parse_pcr_selection(text).has_value();
}

PcrValues parse_pcr_value_list(const std::string &name, std::span<const std::uint8_t> bytes,
                               const std::string &selection_text) {
  const auto selection = parse_pcr_selection(selection_text);
  if (!selection)
    throw InputError(name,
                     "'" + selection_text + "' is not a PCR selection such as sha256:0,10+sha1:10");
  std::size_t expected = 0;
  for (const auto &[bank, pcrs] : *selection)
    expected += pcrs.size() * model::digest_size(bank);
  if (bytes.size() != expected)
    throw InputError(name, std::to_string(bytes.size()) + " bytes, but the values of " +
                               selection_text + " take " + std::to_string(expected) +
                               " (tpm2_pcrread -o writes them one after another)");
  PcrValues values;
  std::size_t at = 0;
  for (const auto &[bank, pcrs] : *selection)
    for (unsigned pcr : pcrs) {
      const std::size_t size = model::digest_size(bank);
      values.banks[bank][pcr] =
          model::Digest(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                        bytes.begin() + static_cast<std::ptrdiff_t>(at + size));
      at += size;
    }
  return values;
}

PcrValues read_pcr_directory(const std::string &directory) {
  namespace fs = std::filesystem;
  std::vector<fs::path> banks;
  const fs::path root(directory);
  if (root.filename().string().rfind("pcr-", 0) == 0)
    banks.push_back(root);
  else
    for (const auto &entry : fs::directory_iterator(root))
      if (entry.is_directory() && entry.path().filename().string().rfind("pcr-", 0) == 0)
        banks.push_back(entry.path());
  PcrValues values;
  for (const fs::path &dir : banks) {
    const std::string bank = dir.filename().string().substr(4);
    for (const auto &entry : fs::directory_iterator(dir)) {
      const std::string index = entry.path().filename().string();
      if (!entry.is_regular_file() || index.empty() || index.size() > 2 ||
          index.find_first_not_of("0123456789") != std::string::npos)
        continue;
      std::ifstream in(entry.path());
      std::string hex;
      in >> hex;
      put(values, entry.path().string(), "the value", bank, std::stoul(index), hex);
    }
  }
  if (values.banks.empty())
    throw InputError(directory, "no pcr-<alg>/<index> files (expected a copy of "
                                "/sys/class/tpm/tpm0 or one of its pcr-<alg> directories)");
  return values;
}

void merge_pcr_values(PcrValues &values, const PcrValues &more, const std::string &name) {
  for (const auto &[bank, pcrs] : more.banks)
    for (const auto &[pcr, digest] : pcrs) {
      auto [at, inserted] = values.banks[bank].emplace(pcr, digest);
      if (!inserted && at->second != digest)
        throw InputError(name, "PCR " + std::to_string(pcr) + " of " +
                                   std::string(model::hash_name(bank)) +
                                   " differs from the value an earlier --pcrs gave");
    }
}

std::string pcr_values_json(const PcrValues &values) {
  nlohmann::ordered_json json = nlohmann::ordered_json::object();
  for (const auto &[bank, pcrs] : values.banks) {
    nlohmann::ordered_json entry = nlohmann::ordered_json::object();
    for (const auto &[pcr, digest] : pcrs)
      entry[std::to_string(pcr)] = model::to_hex(digest);
    json["pcrs"][std::string(model::hash_name(bank))] = entry;
  }
  return json.dump(1) + "\n";
}

} // namespace trimcheck::verify
