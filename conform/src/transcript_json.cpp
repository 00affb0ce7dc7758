// The transcript file (docs/vm.md, "Transcripts"): writing and strict reading.
#include "trimcheck/conform/detail/compressed_file.hpp"
#include "trimcheck/conform/transcript.hpp"

#include "trimcheck/model/proposal.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>

namespace trimcheck::conform {

using nlohmann::json;
using ordered = nlohmann::ordered_json; // keys in the order written, for readers
using namespace model;

namespace {

constexpr const char *kFormat = "trimcheck-transcript";

[[noreturn]] void bad(const std::string &where, const std::string &what) {
  throw TranscriptFormatError((where.empty() ? "the file" : where) + ": " + what);
}

std::string at(const std::string &where, const std::string &key) {
  return where.empty() ? key : where + "." + key;
}

const json &field(const json &object, const char *key, const std::string &where) {
  if (!object.is_object())
    bad(where, "expected an object");
  auto it = object.find(key);
  if (it == object.end())
    bad(at(where, key), "missing");
  return *it;
}

std::uint64_t unsigned_field(const json &object, const char *key, const std::string &where) {
  const json &value = field(object, key, where);
  if (!value.is_number_unsigned())
    bad(at(where, key), "expected a non-negative integer");
  return value.get<std::uint64_t>();
}

std::int64_t signed_field(const json &object, const char *key, const std::string &where) {
  const json &value = field(object, key, where);
  if (!value.is_number_integer())
    bad(at(where, key), "expected an integer");
  return value.get<std::int64_t>();
}

std::string string_field(const json &object, const char *key, const std::string &where) {
  const json &value = field(object, key, where);
  if (!value.is_string())
    bad(at(where, key), "expected a string");
  return value.get<std::string>();
}

Bytes hex_value(const json &value, const std::string &where) {
  if (!value.is_string())
    bad(where, "expected a string of hex digits");
  auto bytes = from_hex(value.get<std::string>());
  if (!bytes)
    bad(where, "expected an even number of hex digits");
  return *bytes;
}

HashAlgo algo_field(const json &object, const char *key, const std::string &where) {
  auto algo = hash_from_name(string_field(object, key, where));
  if (!algo)
    bad(at(where, key), "unknown hash algorithm");
  return *algo;
}

// Rethrows the props readers' TraceFormatError (already "<path>: <problem>") as ours.
template <typename Read> auto from_props(Read read) {
  try {
    return read();
  } catch (const props::TraceFormatError &error) {
    throw TranscriptFormatError(error.what());
  }
}

ordered bytes_to_json(const KernelBytes &bytes) {
  if (bytes.known() && bytes.length() <= kInlineAnswerLimit)
    return to_hex(bytes.bytes());
  return {{"sha256", to_hex(bytes.sha256())}, {"length", bytes.length()}};
}

KernelBytes bytes_from_json(const json &value, const std::string &where) {
  if (value.is_string())
    return KernelBytes(hex_value(value, where));
  if (!value.is_object())
    bad(where, "expected a hex string or {\"sha256\", \"length\"}");
  Bytes sha256 = hex_value(field(value, "sha256", where), at(where, "sha256"));
  if (sha256.size() != digest_size(HashAlgo::sha256))
    bad(at(where, "sha256"), "expected 32 bytes (64 hex digits)");
  return KernelBytes::from_digest(std::move(sha256), unsigned_field(value, "length", where));
}

std::string_view failure_name(vm::VmFailure::Kind kind) {
  switch (kind) {
  case vm::VmFailure::Kind::kernel_crash:
    return "kernel-crash";
  case vm::VmFailure::Kind::hung:
    return "hung";
  case vm::VmFailure::Kind::agent:
    break;
  }
  return "agent";
}

vm::VmFailure::Kind failure_kind(const std::string &name, const std::string &where) {
  for (auto kind :
       {vm::VmFailure::Kind::kernel_crash, vm::VmFailure::Kind::hung, vm::VmFailure::Kind::agent})
    if (failure_name(kind) == name)
      return kind;
  bad(where, "expected kernel-crash, hung or agent");
}

ordered answer_to_json(const Exchange &exchange) {
  if (std::holds_alternative<BanksQuery>(exchange.query)) {
    ordered names = ordered::array();
    for (HashAlgo algo : exchange.banks)
      names.push_back(hash_name(algo));
    return {{"banks", names}};
  }
  if (std::holds_alternative<PcrQuery>(exchange.query))
    return {{"digest", to_hex(exchange.answer.data.bytes())}};
  ordered answer = {{"ret", exchange.answer.ret}};
  const auto *cat = std::get_if<CatQuery>(&exchange.query);
  if (cat && cat->in_full && exchange.answer.data.known())
    answer["data"] = to_hex(exchange.answer.data.bytes());
  else if (exchange.answer.data.length() > 0)
    answer["data"] = bytes_to_json(exchange.answer.data);
  return answer;
}

ordered exchange_to_json(const Exchange &exchange) {
  ordered out = std::visit(
      [](const auto &query) -> ordered {
        using Q = std::decay_t<decltype(query)>;
        if constexpr (std::is_same_v<Q, ApplyQuery>)
          return {{"query", "apply"}, {"action", ordered(props::action_to_json(query.action))}};
        else if constexpr (std::is_same_v<Q, BanksQuery>)
          return {{"query", "banks"}};
        else if constexpr (std::is_same_v<Q, PcrQuery>)
          return {{"query", "pcr"}, {"bank", hash_name(query.bank)}, {"index", query.index}};
        else
          return query.in_full ? ordered{{"query", "cat"}, {"path", query.path}, {"in_full", true}}
                               : ordered{{"query", "cat"}, {"path", query.path}};
      },
      exchange.query);
  if (exchange.failure)
    out["failure"] = {{"kind", failure_name(exchange.failure->kind)},
                      {"report", exchange.failure->report}};
  else
    out["answer"] = answer_to_json(exchange);
  return out;
}

bool is_list_file(const std::string &path) {
  return path.rfind("binary_runtime_measurements", 0) == 0 ||
         path.rfind("ascii_runtime_measurements", 0) == 0;
}

// The index of the last successful read of every list file.
std::map<std::string, std::size_t> last_list_reads(const std::vector<Exchange> &exchanges) {
  std::map<std::string, std::size_t> last;
  for (std::size_t i = 0; i < exchanges.size(); ++i)
    if (const auto *cat = std::get_if<CatQuery>(&exchanges[i].query))
      if (is_list_file(cat->path) && !exchanges[i].failure && exchanges[i].answer.ret >= 0)
        last[cat->path] = i;
  return last;
}

Query query_from_json(const json &object, const std::string &where) {
  const std::string kind = string_field(object, "query", where);
  if (kind == "apply") {
    const std::string action_at = at(where, "action");
    props::TraceAction action = from_props(
        [&] { return props::action_from_json(field(object, "action", where), action_at); });
    if (!std::holds_alternative<Action>(action))
      bad(action_at, "a quote is no kernel action");
    return ApplyQuery{std::get<Action>(action)};
  }
  if (kind == "banks")
    return BanksQuery{};
  if (kind == "pcr") {
    const std::uint64_t index = unsigned_field(object, "index", where);
    if (index >= kNumPcrs)
      bad(at(where, "index"), "PCR index must be 0..23");
    return PcrQuery{algo_field(object, "bank", where), index};
  }
  if (kind == "cat") {
    const auto in_full = object.find("in_full");
    if (in_full != object.end() && !in_full->is_boolean())
      bad(at(where, "in_full"), "expected true or false");
    return CatQuery{string_field(object, "path", where),
                    in_full != object.end() && in_full->get<bool>()};
  }
  bad(at(where, "query"), "expected apply, banks, pcr or cat, not \"" + kind + "\"");
}

// `earlier`: the latest exchange with the same query, for an answer written "same".
Exchange exchange_from_json(const json &object, const std::string &where,
                            const std::map<std::string, Exchange> &earlier) {
  Exchange exchange{query_from_json(object, where), {}, {}, std::nullopt};
  if (object.contains("failure")) {
    const std::string failure_at = at(where, "failure");
    const json &failure = object["failure"];
    exchange.failure = RecordedFailure{
        failure_kind(string_field(failure, "kind", failure_at), at(failure_at, "kind")),
        string_field(failure, "report", failure_at)};
    return exchange;
  }
  const std::string answer_at = at(where, "answer");
  const json &answer = field(object, "answer", where);
  if (answer == "same") {
    auto it = earlier.find(describe(exchange.query));
    if (it == earlier.end() || it->second.failure)
      bad(answer_at, "\"same\" but no earlier answer to " + describe(exchange.query));
    exchange.answer = it->second.answer;
    exchange.banks = it->second.banks;
    return exchange;
  }
  if (std::holds_alternative<BanksQuery>(exchange.query)) {
    const json &names = field(answer, "banks", answer_at);
    if (!names.is_array())
      bad(at(answer_at, "banks"), "expected an array of hash algorithm names");
    for (std::size_t i = 0; i < names.size(); ++i) {
      auto algo = names[i].is_string() ? hash_from_name(names[i].get<std::string>()) : std::nullopt;
      if (!algo)
        bad(at(answer_at, "banks") + "[" + std::to_string(i) + "]", "unknown hash algorithm");
      exchange.banks.push_back(*algo);
    }
  } else if (const auto *pcr = std::get_if<PcrQuery>(&exchange.query)) {
    Bytes digest = hex_value(field(answer, "digest", answer_at), at(answer_at, "digest"));
    if (digest.size() != digest_size(pcr->bank))
      bad(at(answer_at, "digest"), "expected " + std::to_string(digest_size(pcr->bank)) +
                                       " bytes for " + std::string(hash_name(pcr->bank)));
    exchange.answer.data = KernelBytes(std::move(digest));
  } else {
    exchange.answer.ret = signed_field(answer, "ret", answer_at);
    if (answer.contains("data"))
      exchange.answer.data = bytes_from_json(answer["data"], at(answer_at, "data"));
  }
  return exchange;
}

ordered mismatch_to_json(const std::optional<Mismatch> &mismatch) {
  if (!mismatch)
    return {{"conforms", true}};
  return {{"conforms", false},
          {"mismatch",
           {{"step", mismatch->step}, {"category", mismatch->category}, {"what", mismatch->what}}}};
}

std::optional<Mismatch> mismatch_from_json(const json &object, const std::string &where) {
  if (!object.is_object() || !object.contains("mismatch"))
    return std::nullopt;
  const std::string mismatch_at = at(where, "mismatch");
  const json &mismatch = object["mismatch"];
  return Mismatch{unsigned_field(mismatch, "step", mismatch_at),
                  string_field(mismatch, "category", mismatch_at),
                  string_field(mismatch, "what", mismatch_at)};
}

// A final list: the ascii lists as text (readable in the file), other lists as hex.
ordered final_list_to_json(const std::string &path, const Bytes &bytes) {
  const bool text =
      path.rfind("ascii_", 0) == 0 && std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t c) {
        return c == '\n' || (c >= 0x20 && c < 0x7f);
      });
  if (text)
    return {{"text", std::string(bytes.begin(), bytes.end())}};
  return to_hex(bytes);
}

Bytes final_list_from_json(const json &value, const std::string &where) {
  if (value.is_object())
    return to_bytes(string_field(value, "text", where));
  return hex_value(value, where);
}

// The full bytes of the last read of each list file, checked against that read's
// answer and put in its place (so that a mismatch there shows records, not digests).
void restore_final_lists(const json &lists, Transcript &transcript) {
  if (!lists.is_object())
    bad("final_lists", "expected an object of file names and hex strings");
  const auto last = last_list_reads(transcript.exchanges);
  for (const auto &[path, value] : lists.items()) {
    const std::string where = "final_lists." + path;
    Bytes bytes = final_list_from_json(value, where);
    auto it = last.find(path);
    if (it == last.end())
      bad(where, "no read of " + path + " in queries");
    KernelBytes &answer = transcript.exchanges[it->second].answer.data;
    if (!answer.matches(bytes))
      bad(where, "differs from the last read of " + path + " (queries[" +
                     std::to_string(it->second) + "])");
    answer = KernelBytes(std::move(bytes));
  }
}

} // namespace

ordered to_json(const Transcript &transcript) {
  ordered actions = ordered::array();
  for (const Action &action : transcript.actions)
    actions.push_back(ordered(props::action_to_json(action)));
  // An answer equal to the latest answer to the same question (a PCR or a list an action
  // did not change) is written "same".
  ordered queries = ordered::array();
  std::map<std::string, const Exchange *> earlier;
  for (const Exchange &exchange : transcript.exchanges) {
    ordered entry = exchange_to_json(exchange);
    const Exchange *&latest = earlier[describe(exchange.query)];
    if (latest && !exchange.failure && !std::holds_alternative<ApplyQuery>(exchange.query) &&
        latest->answer == exchange.answer && latest->banks == exchange.banks)
      entry["answer"] = "same";
    latest = &exchange;
    queries.push_back(std::move(entry));
  }
  ordered final_lists = ordered::object();
  for (const auto &[path, index] : last_list_reads(transcript.exchanges)) {
    const KernelBytes &bytes = transcript.exchanges[index].answer.data;
    if (bytes.known())
      final_lists[path] = final_list_to_json(path, bytes.bytes());
  }
  return {{"format", kFormat},
          {"format_version", Transcript::kFormatVersion},
          {"kernel", ordered(transcript.kernel)},
          {"proposal", proposal_info(transcript.proposal).key},
          {"config", ordered(props::config_to_json(transcript.config))},
          {"seed", transcript.seed},
          {"run", transcript.run},
          {"recorded_result", mismatch_to_json(transcript.recorded_mismatch)},
          {"actions", actions},
          {"queries", queries},
          {"final_lists", final_lists}};
}

std::string transcript_text(const Transcript &transcript) {
  const ordered document = to_json(transcript);
  auto indented = [](const ordered &value) {
    std::string text = value.dump(2);
    std::string out;
    for (char c : text)
      out += c == '\n' ? std::string("\n  ") : std::string(1, c);
    return out;
  };
  auto one_per_line = [](const ordered &array) {
    if (array.empty())
      return std::string("[]");
    std::string out = "[\n";
    for (std::size_t i = 0; i < array.size(); ++i)
      out += "    " + array[i].dump() + (i + 1 < array.size() ? ",\n" : "\n");
    return out + "  ]";
  };
  std::string out = "{\n";
  const char *keys[] = {"format", "format_version",  "kernel",  "proposal", "config",     "seed",
                        "run",    "recorded_result", "actions", "queries",  "final_lists"};
  for (std::size_t i = 0; i < std::size(keys); ++i) {
    const std::string key = keys[i];
    out += "  " + ordered(key).dump() + ": " +
           (key == "actions" || key == "queries" ? one_per_line(document[key])
            : key == "config"                    ? document[key].dump()
                                                 : indented(document[key])) +
           (i + 1 < std::size(keys) ? ",\n" : "\n");
  }
  return out + "}\n";
}

Transcript transcript_from_json(const json &document) {
  Transcript transcript;
  if (!document.is_object())
    bad("", "expected a JSON object");
  if (string_field(document, "format", "") != kFormat)
    bad("format", std::string("expected \"") + kFormat + "\"");
  const std::int64_t version = signed_field(document, "format_version", "");
  if (version != Transcript::kFormatVersion)
    bad("format_version", "unsupported version " + std::to_string(version) +
                              " (this build reads version " +
                              std::to_string(Transcript::kFormatVersion) + ")");
  transcript.kernel = field(document, "kernel", "");
  if (!transcript.kernel.is_object())
    bad("kernel", "expected an object");
  const std::string key = string_field(document, "proposal", "");
  auto proposal = proposal_from_key(key);
  if (!proposal)
    bad("proposal", "unknown proposal \"" + key + "\" (see `trimcheck list`)");
  transcript.proposal = *proposal;
  transcript.config =
      from_props([&] { return props::config_from_json(field(document, "config", ""), "config"); });
  transcript.seed = unsigned_field(document, "seed", "");
  const std::uint64_t run = unsigned_field(document, "run", "");
  if (run < 1 || run > 1'000'000)
    bad("run", "expected 1..1000000");
  transcript.run = static_cast<int>(run);
  if (document.contains("recorded_result"))
    transcript.recorded_mismatch =
        mismatch_from_json(document["recorded_result"], "recorded_result");
  const json &actions = field(document, "actions", "");
  if (!actions.is_array())
    bad("actions", "expected an array");
  for (std::size_t i = 0; i < actions.size(); ++i) {
    const std::string where = "actions[" + std::to_string(i) + "]";
    props::TraceAction action =
        from_props([&] { return props::action_from_json(actions[i], where); });
    if (!std::holds_alternative<Action>(action))
      bad(where, "a quote is no kernel action");
    transcript.actions.push_back(std::get<Action>(action));
  }
  const json &queries = field(document, "queries", "");
  if (!queries.is_array())
    bad("queries", "expected an array");
  std::map<std::string, Exchange> earlier; // the latest exchange of each query
  for (std::size_t i = 0; i < queries.size(); ++i) {
    const std::string where = "queries[" + std::to_string(i) + "]";
    if (!transcript.exchanges.empty() && transcript.exchanges.back().failure)
      bad(where, "follows a failure, which ends a run");
    Exchange exchange = exchange_from_json(queries[i], where, earlier);
    earlier.insert_or_assign(describe(exchange.query), exchange);
    transcript.exchanges.push_back(std::move(exchange));
  }
  if (document.contains("final_lists"))
    restore_final_lists(document["final_lists"], transcript);
  return transcript;
}

namespace detail {

json parse_json(const std::string &text, const std::string &source) {
  try {
    return json::parse(text);
  } catch (const json::parse_error &error) {
    // what() is "[json.exception.parse_error.101] parse error at line 3, column 5: ..."
    std::string why = error.what();
    if (auto start = why.find("] "); start != std::string::npos)
      why.erase(0, start + 2);
    throw TranscriptFormatError(source + ": not valid JSON (" + why + ")");
  }
}

json read_json_file(const std::filesystem::path &file) {
  try {
    return parse_json(read_compressed_or_plain(file), file.string());
  } catch (const CompressedFileError &error) {
    throw TranscriptFormatError(error.what());
  }
}

} // namespace detail

Transcript read_transcript(const std::filesystem::path &file) {
  const json document = detail::read_json_file(file);
  try {
    return transcript_from_json(document);
  } catch (const TranscriptFormatError &error) {
    throw TranscriptFormatError(file.string() + ": " + error.what());
  }
}

namespace {

// "<proposal>-<config description>", the description's unusual characters as '_'.
std::string version_and_config(const Transcript &transcript) {
  std::string config = transcript.config.describe();
  for (char &c : config)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
          c == '='))
      c = '_';
  return std::string(proposal_info(transcript.proposal).key) + "-" + config;
}

} // namespace

std::string transcript_file_name(const Transcript &transcript) {
  std::string run = std::to_string(transcript.run);
  run.insert(0, run.size() < 3 ? 3 - run.size() : 0, '0');
  return version_and_config(transcript) + "-run-" + run + ".json.gz";
}

std::string transcript_archive_name(const Transcript &transcript) {
  return version_and_config(transcript) + ".jsonl.xz";
}

namespace {

// The length of `name`'s transcript or archive suffix, 0 if it has none or is nothing but
// the suffix.
std::size_t transcript_suffix_length(const std::string &name) {
  for (std::string_view tail : {".json.gz", ".json", ".jsonl.xz", ".jsonl"})
    if (name.size() > tail.size() &&
        name.compare(name.size() - tail.size(), tail.size(), tail) == 0)
      return tail.size();
  return 0;
}

} // namespace

bool is_transcript_file_name(const std::filesystem::path &file) {
  return transcript_suffix_length(file.filename().string()) > 0;
}

std::string transcript_stem(const std::filesystem::path &file) {
  const std::string name = file.filename().string();
  return name.substr(0, name.size() - transcript_suffix_length(name));
}

void write_transcript(const std::filesystem::path &file, const Transcript &transcript) {
  detail::write_gzip(file, transcript_text(transcript));
}

} // namespace trimcheck::conform
