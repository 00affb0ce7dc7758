// trimcheck-capture-lists KERNEL OUTDIR [--odd-names] [KERNEL-PARAMETER...]: boots KERNEL (QEMU + a
// fresh swtpm) with the extra command-line words (e.g. ima_template=ima-modsig), measures a small
// workload through the guest agent, and writes what a verifier is given: every bank's
// binary and ascii list files as the kernel shows them, and state.json with the TPM's PCR
// values of every bank, the two counters and the command line. The captures under
// tests/data/real-kernel/templates were made with it (their README.md says how).
//
// Workload: /f1 v0, /f2 v0, an open-writers violation on /f3, /f1 v1 (new content, new
// record), /f2 v0 again (a duplicate: no record). Files are owned by uid 4242, which the
// agent's policy measures (protocol.hpp). With --odd-names first, then files whose names
// hold spaces, a tab, a newline, bytes that are not UTF-8, and a path of about 4000 bytes.
#include "trimcheck/model/hash.hpp"
#include "trimcheck/vm/kernel.hpp"
#include "trimcheck/vm/machine.hpp"

#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <vector>

namespace {

using trimcheck::vm::Vm;

std::string ask(Vm &vm, const std::string &request) {
  const trimcheck::model::Outcome outcome =
      trimcheck::vm::agent_reply(request, vm.request(request));
  if (outcome.ret < 0)
    throw std::runtime_error("'" + request + "' failed with " + std::to_string(outcome.ret));
  return std::string(outcome.data.begin(), outcome.data.end());
}

void write(const std::filesystem::path &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  if (!out)
    throw std::runtime_error("cannot write " + path.string());
}

std::string json_string(const std::string &text) {
  std::string out = "\"";
  for (char c : text)
    out += c == '"' || c == '\\' ? std::string("\\") + c : std::string(1, c);
  return out + "\"";
}

// Paths whose names a list must carry: what the kernel does with their bytes is the point.
std::vector<std::string> odd_names() {
  std::string deep;
  while (deep.size() < 3800)
    deep += "/" + std::string(200, 'd');
  return {"/with space/a file name", "/tab\there", "/new\nline", "/not-utf8-\xff\xfe\xc3(",
          deep + "/end-of-a-long-path"};
}

int capture(const std::filesystem::path &kernel, const std::filesystem::path &out,
            const std::string &parameters, bool odd) {
  auto options = trimcheck::vm::VmOptions::defaults_for(kernel);
  if (!parameters.empty())
    options.cmdline += " " + parameters;
  Vm vm(options);
  for (const char *step :
       {"measure 1 0", "measure 2 0", "violation 3", "measure 1 1", "measure 2 0"})
    ask(vm, step);
  if (odd)
    for (const std::string &name : odd_names())
      ask(vm, "measure-path " +
                  trimcheck::model::to_hex(std::vector<std::uint8_t>(name.begin(), name.end())));
  std::filesystem::create_directories(out);
  std::vector<std::string> banks;
  std::istringstream names(ask(vm, "banks"));
  for (std::string bank; std::getline(names, bank, ',');)
    banks.push_back(bank);
  std::ostringstream state;
  state << "{\n \"cmdline\": " << json_string(options.cmdline) << ",\n \"pcrs\": {";
  for (std::size_t b = 0; b < banks.size(); ++b) {
    const std::string &bank = banks[b];
    for (const char *form : {"binary", "ascii"}) {
      const std::string file = std::string(form) + "_runtime_measurements_" + bank;
      write(out / file, ask(vm, "cat " + file));
    }
    state << (b ? "," : "") << "\n  \"" << bank << "\": {";
    for (unsigned pcr = 0; pcr <= 10; ++pcr) {
      const std::string digest = ask(vm, "pcr " + bank + " " + std::to_string(pcr));
      state << (pcr ? "," : "") << "\n   \"" << pcr << "\": \""
            << trimcheck::model::to_hex(std::vector<std::uint8_t>(digest.begin(), digest.end()))
            << "\"";
    }
    state << "\n  }";
  }
  auto counter = [&](const char *file) {
    std::string text = ask(vm, std::string("cat ") + file);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
      text.pop_back();
    return text;
  };
  state << "\n },\n \"runtime_measurements_count\": " << counter("runtime_measurements_count")
        << ",\n \"violations\": " << counter("violations") << "\n}\n";
  write(out / "state.json", state.str());
  std::cout << "captured " << banks.size() << " banks into " << out.string() << "\n";
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 3) {
    std::cerr
        << "usage: trimcheck-capture-lists KERNEL OUTDIR [--odd-names] [KERNEL-PARAMETER...]\n";
    return 2;
  }
  const bool odd = argc > 3 && std::string(argv[3]) == "--odd-names";
  std::string parameters;
  for (int i = odd ? 4 : 3; i < argc; ++i)
    parameters += (parameters.empty() ? "" : " ") + std::string(argv[i]);
  try {
    return capture(argv[1], argv[2], parameters, odd);
  } catch (const std::exception &error) {
    std::cerr << "trimcheck-capture-lists: " << error.what() << "\n";
    return 1;
  }
}
