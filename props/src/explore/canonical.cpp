#include "canonical.hpp"

#include "trimcheck/model/field_count.hpp"

#include <algorithm>
#include <numeric>

namespace trimcheck::props::detail {

namespace {

// Every field of these is encoded below (the kernel's fields are model/state_identity.cpp's).
static_assert(model::field_count<Budget>() == 6,
              "a field was added to Budget: encode it in canonical.cpp, then update the count");
static_assert(model::field_count<World>() == 4,
              "a field was added to World: encode it in canonical.cpp, then update the count");

// Whether `a` is less than `b` at a byte both have: then every encoding that starts with `a`
// is less than every encoding that starts with `b` (std::string compares bytes unsigned).
bool decided_less(std::string_view a, std::string_view b) {
  const auto [at_a, at_b] = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
  return at_a != a.end() && at_b != b.end() &&
         static_cast<unsigned char>(*at_a) < static_cast<unsigned char>(*at_b);
}

} // namespace

void Canonicalizer::encode_in_order(const World &world, std::span<const std::size_t> order,
                                    std::string &out, bool agents_only,
                                    model::KernelIdentity::Naming &naming) {
  agent_pids_.clear();
  for (std::size_t agent : order)
    agent_pids_.push_back(world.agents[agent].pid());
  StateEncoder encoder(kernel_.rename(world.kernel, agent_pids_, naming), std::move(out));
  for (std::size_t agent : order)
    world.agents[agent].encode(encoder);
  if (!agents_only)
    encode_renamed_rest(world, naming, encoder);
  out = encoder.take();
}

void Canonicalizer::encode_renamed_rest(const World &world,
                                        const model::KernelIdentity::Naming &naming,
                                        StateEncoder &encoder) const {
  kernel_.encode_renamed(world.kernel, naming, encoder);
  for (std::size_t p = 0; p < world.monitors.size(); ++p) {
    const Monitor *monitor = world.monitors.get(p);
    encoder.flag(monitor != nullptr);
    if (monitor != nullptr && world.monitors.keeps_state(p))
      monitor->encode(encoder);
  }
}

void Canonicalizer::encode_processes_first(const World &world, std::span<const model::Pid> first,
                                           std::string &out) {
  model::KernelIdentity::Naming &naming = namings_for(1)[0];
  StateEncoder encoder(kernel_.rename(world.kernel, first, naming), std::move(out));
  encode_renamed_rest(world, naming, encoder);
  out = encoder.take();
}

std::span<model::KernelIdentity::Naming> Canonicalizer::namings_for(std::size_t count) {
  if (namings_.size() < count) // never shrinks: each naming keeps its vectors' capacity
    namings_.resize(count);
  return std::span(namings_).first(count);
}

void Canonicalizer::keep_least_candidate(bool &have_best) {
  if (!have_best || candidate_ < best_) {
    std::swap(best_, candidate_);
    have_best = true;
  }
}

std::string_view Canonicalizer::encode_view(const World &world) {
  kernel_.prepare(world.kernel);
  const model::Renaming none;
  StateEncoder fixed(none, std::move(encoding_));
  const Budget &budget = world.budget;
  for (std::uint8_t value :
       {budget.config, budget.measures, budget.files_used, budget.loads, budget.executes})
    fixed.number(value);
  for (std::uint8_t value : budget.calls)
    fixed.number(value);
  kernel_.encode_fixed(world.kernel, fixed);
  encoding_ = fixed.take();
  // The fixed part is common to every order, so the least encoding has the least rest.
  const std::size_t agents = world.agents.size();
  if (agents == 0 && process_symmetry_) {
    live_pids_.clear();
    for (const model::Process &proc : world.kernel.procs)
      if (proc.alive)
        live_pids_.push_back(proc.pid);
    if (live_pids_.size() >= 2 && live_pids_.size() <= kSymmetricProcesses) {
      bool have_best = false;
      do {
        encode_processes_first(world, live_pids_, candidate_);
        keep_least_candidate(have_best);
      } while (std::next_permutation(live_pids_.begin(), live_pids_.end()));
      encoding_ += best_;
      return encoding_;
    }
  }
  order_.resize(agents);
  std::iota(order_.begin(), order_.end(), 0);
  orders_.clear();
  do
    orders_.insert(orders_.end(), order_.begin(), order_.end());
  while (std::next_permutation(order_.begin(), order_.end()));
  const std::size_t count = agents == 0 ? 1 : orders_.size() / agents;
  auto order_at = [&](std::size_t i) {
    return std::span<const std::size_t>(orders_).subspan(i * agents, agents);
  };
  // The rest starts with the agents. An order whose agents' part is beaten by another's at
  // a byte both have cannot give the least encoding: only the others are encoded whole
  // (usually one; all when the agents' parts are equal), each as its agents' part followed
  // by the renamed rest under the naming that part was written with (kept, not made again).
  namings_for(count);
  if (count > 1) {
    agent_parts_.resize(count);
    for (std::size_t i = 0; i < count; ++i)
      encode_in_order(world, order_at(i), agent_parts_[i], true, namings_[i]);
  }
  auto beaten = [&](std::size_t i) {
    for (std::size_t j = 0; j < count; ++j)
      if (j != i && decided_less(agent_parts_[j], agent_parts_[i]))
        return true;
    return false;
  };
  bool have_best = false;
  for (std::size_t i = 0; i < count; ++i) {
    if (count == 1) {
      encode_in_order(world, order_at(i), candidate_, false, namings_[i]);
    } else if (beaten(i)) {
      continue;
    } else {
      StateEncoder rest(namings_[i].names, std::move(rest_));
      encode_renamed_rest(world, namings_[i], rest);
      rest_ = rest.take();
      candidate_.assign(agent_parts_[i]).append(rest_);
    }
    keep_least_candidate(have_best);
  }
  encoding_ += best_;
  return encoding_;
}

std::string Canonicalizer::encode(const World &world) {
  return std::string(encode_view(world));
}

} // namespace trimcheck::props::detail
