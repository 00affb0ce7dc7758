// Human-readable names for traces and messages.
#include "trimcheck/model/field_count.hpp"
#include "trimcheck/model/machine.hpp"

#include <cstring>
#include <sstream>

namespace trimcheck::model {

std::string_view obj_name(Obj obj) {
  switch (obj) {
  case Obj::qe:
    return "queue entry";
  case Obj::entry:
    return "template entry";
  case Obj::digests:
    return "digests";
  case Obj::data:
    return "template data";
  }
  return "?";
}

std::string_view mem_event_name(MemEventKind kind) {
  switch (kind) {
  case MemEventKind::use_after_free:
    return "use-after-free";
  case MemEventKind::free_without_grace:
    return "free-without-grace-period";
  case MemEventKind::leak:
    return "leak";
  case MemEventKind::unlink_garbage:
    return "unlink-of-unlinked-node";
  case MemEventKind::list_corruption:
    return "list-corruption";
  }
  return "?";
}

namespace {
constexpr std::pair<BaseTree, std::string_view> kBaseTreeNames[] = {
    {BaseTree::as_posted, "as-posted"},
    {BaseTree::linux_6_12, "6.12"},
    {BaseTree::linux_6_14, "6.14"},
    {BaseTree::linux_6_15, "6.15"},
};
} // namespace

std::string_view base_tree_name(BaseTree base) {
  for (const auto &[tree, name] : kBaseTreeNames)
    if (tree == base)
      return name;
  return "?";
}

std::optional<BaseTree> base_tree_from_name(std::string_view name) {
  for (const auto &[tree, tree_name] : kBaseTreeNames)
    if (tree_name == name)
      return tree;
  return std::nullopt;
}

std::string return_text(std::int64_t ret) {
  if (ret >= 0 || ret < -4095)
    return std::to_string(ret) + (ret < 0 ? " (no errno)" : "");
  const char *name = ::strerrorname_np(static_cast<int>(-ret));
  return name != nullptr ? name : "errno " + std::to_string(-ret);
}

namespace {

// The TPM banks as "sha1,sha256,sha384,sha512"; a bank the kernel cannot hash (padded
// SHA-1) is marked "(padded)".
std::string describe_tpm_banks(const std::vector<TpmBank> &banks) {
  std::string out;
  for (const TpmBank &bank : banks)
    out += (out.empty() ? "" : ",") + std::string(hash_name(bank.algo)) +
           (bank.kernel_hash ? "" : "(padded)");
  return out;
}

} // namespace

std::string KernelConfig::describe() const {
  // Every field that is not at its default is named (a trace's text must show the whole
  // configuration it ran in): a field added to KernelConfig fails the build here.
  static_assert(field_count<KernelConfig>() == 16,
                "a field was added to KernelConfig: describe it below when it differs from "
                "its default, update this count and tests/model/config_test.cpp");
  const KernelConfig defaults;
  std::string out;
  auto flag = [&](bool on, const char *name) {
    if (on)
      out += (out.empty() ? "" : " ") + std::string(name);
  };
  flag(!ima_kexec, "!IMA_KEXEC");
  flag(disable_htable, "IMA_DISABLE_HTABLE");
  flag(flush_htable, "ima_flush_htable");
  flag(!staging, "!IMA_STAGING");
  flag(!log_trimming, "!IMA_LOG_TRIMMING");
  flag(!ima_pcrs, "!IMA_PCRS");
  flag(!critical_data_rule, "no-critical-data-rule");
  if (template_kind != TemplateKind::ima_ng)
    out += (out.empty() ? "template=" : " template=") + std::string(template_name(template_kind));
  if (kexec_extra_bytes != defaults.kexec_extra_bytes)
    out += (out.empty() ? "kexec_extra=" : " kexec_extra=") + std::to_string(kexec_extra_bytes);
  if (!wall_clock.empty())
    out += (out.empty() ? "" : " ") + std::to_string(wall_clock.size()) + " clock reading(s)";
  if (base != BaseTree::as_posted)
    out += (out.empty() ? "base=" : " base=") + std::string(base_tree_name(base));
  flag(!firmware_pcrs.empty(), "firmware-PCRs");
  if (banks.tpm_banks != defaults.banks.tpm_banks)
    out += (out.empty() ? "tpm_banks=" : " tpm_banks=") + describe_tpm_banks(banks.tpm_banks);
  if (banks.ima_hash != defaults.banks.ima_hash)
    out += (out.empty() ? "ima_hash=" : " ima_hash=") + std::string(hash_name(banks.ima_hash));
  if (ram_bytes != defaults.ram_bytes)
    out += (out.empty() ? "ram=" : " ram=") + std::to_string(ram_bytes);
  if (measure_pcr != defaults.measure_pcr)
    out += (out.empty() ? "measure_pcr=" : " measure_pcr=") + std::to_string(measure_pcr);
  flag(test_wrong_restore_hashed, "test-wrong-restore-hashed");
  return out.empty() ? "default" : out;
}

namespace {

std::string quoted(const Bytes &bytes) {
  std::string out = "\"";
  for (std::uint8_t c : bytes) {
    if (c == '\n')
      out += "\\n";
    else if (c == '"' || c == '\\')
      out += std::string("\\") + static_cast<char>(c);
    else if (c >= 0x20 && c < 0x7f)
      out += static_cast<char>(c);
    else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out + "\"";
}

std::string_view access_name(Access access) {
  switch (access) {
  case Access::read:
    return "O_RDONLY";
  case Access::write:
    return "O_WRONLY";
  case Access::read_write:
    return "O_RDWR";
  }
  return "?";
}

} // namespace

std::string describe(const Action &action) {
  std::ostringstream out;
  std::visit(
      [&](const auto &a) {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, Measure>)
          out << "measure /f" << a.file
              << (a.path_bytes ? " at a path of " + std::to_string(a.path_bytes) + " bytes" : "")
              << " (content v" << a.version << ")";
        else if constexpr (std::is_same_v<A, MeasureViolation>)
          out << "violation /f" << a.file;
        else if constexpr (std::is_same_v<A, MeasureRecord>)
          out << "measure record " << template_name(a.data) << " pcr " << a.pcr
              << (a.violation ? " (violation)" : "");
        else if constexpr (std::is_same_v<A, Spawn>)
          out << "spawn process" << (a.cap_sys_admin ? "" : " without CAP_SYS_ADMIN");
        else if constexpr (std::is_same_v<A, Open>)
          out << "p" << a.pid << " open(" << a.path << ", " << access_name(a.access) << ")";
        else if constexpr (std::is_same_v<A, Read>)
          out << "p" << a.pid << " read(fd " << a.fd << ", " << a.count << ")";
        else if constexpr (std::is_same_v<A, Write>)
          out << "p" << a.pid << " write(fd " << a.fd << ", " << quoted(a.bytes)
              << (a.fault_after
                      ? ", buffer faults after " + std::to_string(*a.fault_after) + " bytes"
                      : std::string())
              << ")";
        else if constexpr (std::is_same_v<A, Seek>)
          out << "p" << a.pid << " lseek(fd " << a.fd << ", 0)";
        else if constexpr (std::is_same_v<A, Close>)
          out << "p" << a.pid << " close(fd " << a.fd << ")";
        else if constexpr (std::is_same_v<A, Fork>)
          out << "p" << a.pid << " fork()";
        else if constexpr (std::is_same_v<A, PassFd>)
          out << "p" << a.from << " passes fd " << a.fd << " to p" << a.to;
        else if constexpr (std::is_same_v<A, DropCap>)
          out << "p" << a.pid << " drops CAP_SYS_ADMIN";
        else if constexpr (std::is_same_v<A, Exit>)
          out << "p" << a.pid << " exit()";
        else if constexpr (std::is_same_v<A, Continue>)
          out << (a.pid == 0 ? std::string("kexec") : "p" + std::to_string(a.pid)) << " continues";
        else if constexpr (std::is_same_v<A, KexecLoad>)
          out << "kexec load";
        else if constexpr (std::is_same_v<A, KexecExecute>)
          out << "kexec execute";
      },
      action);
  return out.str();
}

} // namespace trimcheck::model
