// trimcheck verify: the reference verifier for trimmed measurement logs (docs/verify.md).
#include "commands.hpp"
#include "json_document.hpp"
#include "progress_line.hpp"

#include "trimcheck/verify/input_error.hpp"
#include "trimcheck/verify/mapped_file.hpp"
#include "trimcheck/verify/report_json.hpp"

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <span>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace trimcheck::cli {

namespace {

using verify::InputError;

struct VerifyOptions {
  std::vector<std::string> chunks, banks;
  std::string list, quote, signature, ak_pub, nonce, checkpoint, write_checkpoint;
  std::vector<std::string> pcrs; // [ALG,]PATH, repeatable
  unsigned threads = 2;
  bool json = false;
  bool quiet = false;
};

// What a device or pipe may give before verify gives up on it: a list streamed through a
// pipe may be large; a PCR file, quote, signature, key or checkpoint is small. Regular
// files are read whole (securityfs lists report size 0 and are the kernel's own).
constexpr std::uint64_t kLargestStreamedList = 4ull << 30;
constexpr std::uint64_t kLargestStreamedSmallFile = 16ull << 20;

// Whether the first bytes of a stream can start a measurement list: an ascii one, or a
// binary one: a PCR index of 0..23, then a template digest (20, 32, 48 or 64 bytes, by
// bank) and a template name length of 1..255. /dev/zero and /dev/urandom cannot;
// refusing them at once beats reading gigabytes first.
void check_list_start(const std::string &path, std::span<const std::uint8_t> head) {
  if (verify::looks_like_ascii_list(head))
    return;
  auto u32 = [&](std::size_t at) {
    return static_cast<std::uint32_t>(head[at]) | static_cast<std::uint32_t>(head[at + 1]) << 8 |
           static_cast<std::uint32_t>(head[at + 2]) << 16 |
           static_cast<std::uint32_t>(head[at + 3]) << 24;
  };
  if (u32(0) > 23)
    throw InputError(path, "not a binary measurement list: it starts with PCR index " +
                               std::to_string(u32(0)) + " (0..23)");
  for (std::size_t digest : {20u, 32u, 48u, 64u})
    if (4 + digest + 4 <= head.size() && u32(4 + digest) >= 1 && u32(4 + digest) <= 255)
      return;
  throw InputError(path, "not a binary measurement list: no template name length of 1..255 "
                         "after a template digest of 20, 32, 48 or 64 bytes");
}

// Reads to end of file rather than to the size stat reports: securityfs files (the live
// lists under /sys/kernel/security/ima) report size 0. A device or pipe gives at most
// `limit` bytes, and a list from one must start like a list (`is_list`). Opened without
// blocking, so a FIFO that nobody writes reads as empty instead of hanging.
model::Bytes read_file(const std::string &path, std::uint64_t limit = kLargestStreamedSmallFile,
                       bool is_list = false) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    throw InputError(path, std::string("cannot read: ") + std::strerror(errno));
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  constexpr std::size_t kBlock = 1 << 20;
  constexpr std::size_t kListHead = 4 + 64 + 4;
  model::Bytes bytes;
  struct stat info {};
  const bool regular = ::fstat(fd, &info) == 0 && S_ISREG(info.st_mode);
  if (regular && info.st_size > 0)
    bytes.reserve(static_cast<std::size_t>(info.st_size) + kBlock); // + the read that sees EOF
  bool head_checked = regular || !is_list;
  for (;;) {
    const std::size_t used = bytes.size();
    bytes.resize(used + kBlock);
    const ssize_t n = ::read(fd, bytes.data() + used, kBlock);
    if (n < 0 && errno == EINTR) {
      bytes.resize(used);
      continue;
    }
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      throw InputError(path, std::string("cannot read: ") + std::strerror(error));
    }
    bytes.resize(used + static_cast<std::size_t>(n));
    if (n == 0)
      break;
    try {
      if (!head_checked && bytes.size() >= kListHead) {
        head_checked = true;
        check_list_start(path, bytes);
      }
      if (!regular && bytes.size() > limit)
        throw InputError(path, "more than " + std::to_string(limit >> 20) +
                                   " MiB from a device or pipe; give a regular file");
    } catch (...) {
      ::close(fd);
      throw;
    }
  }
  ::close(fd);
  return bytes;
}

// A measurement list, mapped rather than read (verify/mapped_file.hpp: a file truncated
// while verify reads it is one line and exit 2); anything that cannot be mapped, such as
// a live securityfs list (size 0), is read to end of file.
verify::LogPiece read_piece(const std::string &path, unsigned threads) {
  if (auto mapped = verify::MappedFile::open(path))
    return verify::parse_piece(path, mapped->keep_alive(), mapped->bytes(), std::nullopt, threads);
  auto bytes = std::make_shared<const model::Bytes>(read_file(path, kLargestStreamedList, true));
  const std::span<const std::uint8_t> view(*bytes);
  return verify::parse_piece(path, std::move(bytes), view, std::nullopt, threads);
}

// One --pcrs: "[ALG,]PATH", PATH a file (any format parse_pcr_values reads; ALG the bank
// of one that does not name it) or a directory of pcr-<alg>/<n> files; or "SELECTION=FILE",
// the values tpm2_pcrread -o wrote for that selection.
verify::PcrValues read_pcrs(const std::string &spec) {
  if (const auto equals = spec.find('='); equals != std::string::npos &&
                                          !std::filesystem::exists(spec) &&
                                          verify::is_pcr_selection(spec.substr(0, equals))) {
    const std::string path = spec.substr(equals + 1);
    return verify::parse_pcr_value_list(path, read_file(path), spec.substr(0, equals));
  }
  std::string path = spec;
  std::optional<model::HashAlgo> bank;
  if (const auto comma = spec.find(',');
      comma != std::string::npos && !std::filesystem::exists(spec))
    if (auto named = model::hash_from_name(spec.substr(0, comma))) {
      bank = named;
      path = spec.substr(comma + 1);
    }
  if (std::filesystem::is_directory(path)) {
    if (bank)
      throw InputError(spec, "a directory names its banks (pcr-<alg>); give it without ALG,");
    return verify::read_pcr_directory(path);
  }
  return verify::parse_pcr_values(path, read_file(path), bank);
}

verify::VerifyRequest build_request(const VerifyOptions &options) {
  verify::VerifyRequest request;
  request.threads = std::max(1u, options.threads);
  for (const std::string &chunk : options.chunks)
    request.pieces.push_back(read_piece(chunk, request.threads));
  if (!options.list.empty())
    request.pieces.push_back(read_piece(options.list, request.threads));
  if (request.pieces.empty() && options.checkpoint.empty())
    throw InputError("trimcheck verify", "nothing to verify: give --list and/or --chunk");
  for (const std::string &name : options.banks) {
    auto bank = model::hash_from_name(name);
    if (!bank)
      throw InputError("--bank", "unknown bank '" + name + "' (sha1, sha256, sha384, sha512, sm3)");
    request.banks.push_back(*bank);
  }
  if (!options.checkpoint.empty())
    request.checkpoint =
        verify::parse_checkpoint(options.checkpoint, read_file(options.checkpoint));
  std::optional<verify::PcrValues> values;
  for (const std::string &spec : options.pcrs) {
    const verify::PcrValues more = read_pcrs(spec);
    if (!values)
      values = more;
    else
      verify::merge_pcr_values(*values, more, spec);
  }
  const bool any_quote = !options.quote.empty() || !options.signature.empty() ||
                         !options.ak_pub.empty() || !options.nonce.empty();
  if (!any_quote) {
    if (!values)
      throw InputError("trimcheck verify", "no evidence: give --pcrs FILE, or --quote FILE "
                                           "--signature FILE --ak-pub FILE --nonce HEX");
    request.evidence = std::move(*values);
    return request;
  }
  for (const auto &[option, value] :
       {std::pair<const char *, const std::string *>{"--quote", &options.quote},
        {"--signature", &options.signature},
        {"--ak-pub", &options.ak_pub},
        {"--nonce", &options.nonce}})
    if (value->empty())
      throw InputError(option, "missing: a quote needs --quote, --signature, --ak-pub and --nonce");
  verify::QuoteEvidence quote;
  quote.message = read_file(options.quote);
  quote.attest = verify::parse_attest(options.quote, quote.message);
  quote.signature = verify::parse_signature(options.signature, read_file(options.signature));
  quote.ak = verify::PublicKey::from_file(options.ak_pub, read_file(options.ak_pub));
  auto nonce = model::from_hex(options.nonce);
  if (!nonce)
    throw InputError("--nonce", "'" + options.nonce + "' is not hex (an even number of digits)");
  quote.nonce = *nonce;
  quote.values = std::move(values);
  request.evidence = std::move(quote);
  return request;
}

int run_verify(const VerifyOptions &options) {
  try {
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    std::optional<verify::VerifyReport> verified;
    auto built = start;
    {
      ProgressLine progress("verify", options.quiet);
      progress.set("reading the evidence");
      const verify::VerifyRequest request = build_request(options);
      built = Clock::now();
      progress.set("replaying the records");
      verified = verify::verify(request);
    }
    const verify::VerifyReport &report = *verified;
    if (std::getenv("TRIMCHECK_VERIFY_TIMES")) { // bench/verify-bench
      const auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
      std::cerr << "trimcheck verify: times: inputs read and checked " << ms(built - start)
                << " ms, replay and judgement " << ms(Clock::now() - built) << " ms\n";
    }
    if (options.json)
      std::cout
          << json_document("verify", nlohmann::json::parse(verify::report_json(report))).dump(2)
          << "\n";
    else
      std::cout << verify::report_text(report);
    if (report.verified && !options.write_checkpoint.empty()) {
      std::ofstream out(options.write_checkpoint, std::ios::binary | std::ios::trunc);
      out << verify::checkpoint_json(report.checkpoint);
      if (!out.flush())
        throw InputError(options.write_checkpoint, "cannot write the checkpoint");
    }
    return report.verified ? kExitOk : kExitFinding;
  } catch (const InputError &error) {
    std::cerr << "trimcheck verify: " << error.what() << "\n";
    return kExitBadInput;
  }
}

} // namespace

void add_verify(CLI::App &app, int &exit_code) {
  auto options = std::make_shared<VerifyOptions>();
  auto *cmd = app.add_subcommand(
      "verify",
      "Verify a trimmed IMA measurement log against the TPM: replay the chunks a trimming\n"
      "agent saved (in trimming order) and then the current list, bank by bank, and compare\n"
      "with PCR values or with a quote signed by the attestation key. With a checkpoint of a\n"
      "previous run only the records since then are replayed. On failure the first record\n"
      "that cannot be reconciled is named, with its file and byte offset. See docs/verify.md.");
  cmd->add_option("--chunk", options->chunks,
                  "A saved chunk (binary_runtime_measurements bytes), repeatable, oldest first");
  cmd->add_option("--list", options->list,
                  "The current list, e.g. binary_runtime_measurements_sha256 of "
                  "/sys/kernel/security/ima/ (or an ascii_runtime_measurements* file)");
  cmd->add_option(
      "--pcrs", options->pcrs,
      "PCR values, repeatable: [ALG,]FILE of JSON, tpm2_pcrread output, tpm2_quote -o, "
      "or evmctl's 'PCR-NN: hex' lines (ALG: their bank, else by digest size); "
      "SELECTION=FILE for tpm2_pcrread -o FILE SELECTION (e.g. sha256:10=pcrs.bin); or a "
      "directory of pcr-<alg>/<n> files (/sys/class/tpm/tpm0). With a quote: values "
      "of quoted PCRs the log does not extend");
  cmd->add_option("--quote", options->quote, "Quote message (tpm2_quote -m: TPMS_ATTEST)");
  cmd->add_option("--signature", options->signature,
                  "Quote signature (tpm2_quote -s, TPMT_SIGNATURE)");
  cmd->add_option("--ak-pub", options->ak_pub,
                  "Attestation key public part: PEM, or TPM2B_PUBLIC as tpm2_createak -u and "
                  "tpm2_readpublic -o write");
  cmd->add_option("--nonce", options->nonce, "The nonce the quote must carry (hex)");
  cmd->add_option("--checkpoint", options->checkpoint,
                  "Start from this checkpoint of a previous successful run");
  cmd->add_option("--write-checkpoint", options->write_checkpoint,
                  "After success, write the checkpoint for the next run here")
      ->check(writable_file());
  cmd->add_option("--bank", options->banks,
                  "Verify only this bank (repeatable; default: every bank of the evidence)");
  cmd->add_option("--threads", options->threads, "Threads hashing template data (default 2)")
      ->check(digits_only());
  add_json_flag(*cmd, options->json, "the report");
  add_quiet_flag(*cmd, options->quiet, "a line every 2 s: the stage at work");
  cmd->footer(
      "Examples:\n"
      "  trimcheck verify --chunk trimmed-1.bin --chunk trimmed-2.bin \\\n"
      "      --list binary_runtime_measurements_sha256 --pcrs pcrs.yaml\n"
      "  trimcheck verify --checkpoint last.json --list now.bin --quote quote.msg \\\n"
      "      --signature quote.sig --ak-pub ak.pem --nonce 1a2b3c \\\n"
      "      --write-checkpoint next.json\n\n"
      "Exit codes: 0 verified, 1 not verified (the first record that cannot be reconciled\n"
      "and why: digest_mismatch, gap, overlap, pcr_mismatch, bad_signature, stale_nonce),\n"
      "2 bad input (a file that cannot be read or parsed; the message names file and offset).");
  cmd->callback([options, &exit_code] { exit_code = run_verify(*options); });
}

} // namespace trimcheck::cli
