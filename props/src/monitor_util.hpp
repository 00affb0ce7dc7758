// Helpers shared by the property monitors.
#pragma once

#include "trimcheck/model/state_encoder.hpp"
#include "trimcheck/props/property.hpp"

#include "flat_containers.hpp"
#include "serial_set.hpp"

#include <algorithm>
#include <set>

namespace trimcheck::props::detail {

using namespace model;

// A MonitorFactory for a monitor type with a default constructor.
template <typename T> std::unique_ptr<Monitor> make_monitor() {
  return std::make_unique<T>();
}

inline std::vector<Serial> serials(const KernelState &state, const std::vector<NodeId> &nodes) {
  std::vector<Serial> out;
  out.reserve(nodes.size());
  for (NodeId id : nodes)
    out.push_back(state.nodes[id].serial);
  return out;
}

inline std::string list_text(const std::vector<Serial> &records) {
  std::string out = "[";
  for (std::size_t i = 0; i < records.size(); ++i)
    out += (i ? " " : "") + std::string("r") + std::to_string(records[i]);
  return out + "]";
}

inline bool removes_records(ProposalId id) {
  return proposal_info(id).family != Family::baseline;
}

inline bool is_baseline(ProposalId id) {
  return proposal_info(id).family == Family::baseline;
}

template <typename T> const T *model_action(const TraceAction &action) {
  if (const Action *a = std::get_if<Action>(&action))
    return std::get_if<T>(a);
  return nullptr;
}

// Whether two records of this run have the same dedupe key (ima_hash digest, pcr).
inline bool same_key(const KernelState &state, Serial a, Serial b) {
  const std::size_t slot = state.config.banks.ima_hash_slot();
  const Record &ra = state.contents[a], &rb = state.contents[b];
  return ra.pcr == rb.pcr && ra.digests[slot] == rb.digests[slot] && !ra.violation && !rb.violation;
}

inline const FileSpec *file_of(const KernelState &state, std::optional<OpenFileId> id) {
  if (!id || *id >= state.open_files.size())
    return nullptr;
  return &state.files.at(state.open_files[*id].file);
}

// Encodes the value of an entry of a map from pid to serials (StateEncoder::by_pid).
inline constexpr struct {
  void operator()(StateEncoder &out, const SerialSet &set) const { set.encode(out); }
  template <typename Values> void operator()(StateEncoder &out, const Values &values) const {
    out.number(values.size());
    for (auto value : values)
      out.signed_number(static_cast<std::int64_t>(value));
  }
} serials_by_pid;

} // namespace trimcheck::props::detail
