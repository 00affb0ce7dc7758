#include "trimcheck/props/scenario.hpp"

#include "agents.hpp"

namespace trimcheck::props {

using namespace model;

KernelConfig make_config(ProposalId proposal, const ConfigChoice &choice) {
  KernelConfig config;
  config.flush_htable = choice.flush_htable;
  config.disable_htable = choice.disable_htable;
  config.staging = config.log_trimming = config.ima_pcrs = !choice.feature_off;
  if (choice.legacy_template)
    config.template_kind = TemplateKind::ima;
  // A small margin makes the kexec segment overflow within a short scenario.
  config.kexec_extra_bytes = choice.small_kexec_margin ? 1 : 2048;
  (void)proposal;
  return config;
}

namespace {

// RapidCheck scales inRange by the size parameter; choices must cover their whole range
// whatever the scenario length, so they are generated at the nominal size.
rc::Gen<int> uniform(int low, int high) {
  return rc::gen::resize(rc::kNominalSize, rc::gen::inRange(low, high));
}

} // namespace

rc::Gen<Scenario> scenario_gen(bool default_config_only) {
  auto config = default_config_only ? rc::gen::just(ConfigChoice{})
                                    : rc::gen::apply(
                                          [](int flags) {
                                            ConfigChoice c;
                                            c.flush_htable = flags & 1;
                                            c.feature_off = (flags & 6) == 6;
                                            c.legacy_template = (flags & 24) == 24;
                                            c.disable_htable = (flags & 96) == 96;
                                            c.small_kexec_margin = (flags & 128) != 0;
                                            return c;
                                          },
                                          uniform(0, 256));
  auto choice = rc::gen::apply(
      [](int kind, int a, int b) {
        return Choice{static_cast<std::uint8_t>(kind), static_cast<std::uint8_t>(a),
                      static_cast<std::uint8_t>(b)};
      },
      uniform(0, 16), uniform(0, 8), uniform(0, 8));
  return rc::gen::apply(
      [](ConfigChoice c, std::vector<Choice> choices) {
        return Scenario{c, std::move(choices)};
      },
      config, rc::gen::container<std::vector<Choice>>(choice));
}

namespace {

// Interprets choices against a live model state; every emitted action is valid there.
class ScenarioDriver {
public:
  ScenarioDriver(ProposalId proposal, const KernelConfig &config, Regime regime)
      : proposal_(proposal), regime_(regime),
        state_(boot(proposal, config)), agents_{detail::Agent(proposal), detail::Agent(proposal)} {
    const auto protocols = detail::protocols_for(proposal);
    for (std::size_t i = 0; i < agents_.size(); ++i)
      agents_[i].restart(protocols[std::min(i + 1, protocols.size() - 1)]);
  }

  void feed(const Choice &choice) {
    if (choice.kind < 4)
      emit(Action{Measure{choice.a % 6u, choice.b % 2u}});
    else if (choice.kind == 4)
      emit(Action{MeasureViolation{choice.a % 6u}});
    else if (choice.kind == 5 && choice.a < 3 && !blocked(state_, 0)) // kexec_mutex
      emit(Action{KexecLoad{}});
    else if (choice.kind == 6 && (blocked(state_, 0) || choice.a < 3))
      emit(blocked(state_, 0) ? Action{Continue{0}} : Action{KexecExecute{}});
    else if (choice.kind < 7)
      emit(Action{Measure{choice.b % 6u, choice.a % 2u}});
    else if (regime_ == Regime::protocol)
      agent_step(choice);
    else
      arbitrary_step(choice);
  }

  std::vector<TraceAction> actions;

private:
  Outcome emit(const TraceAction &action) {
    const std::uint32_t boot_before = state_.ghost.boot;
    Outcome outcome;
    if (const Action *a = std::get_if<Action>(&action))
      outcome = apply(state_, *a);
    actions.push_back(action);
    if (state_.ghost.boot != boot_before)
      for (detail::Agent &agent : agents_)
        agent.reset_after_kexec();
    return outcome;
  }

  void agent_step(const Choice &choice) {
    detail::Agent &agent = agents_[choice.a % agents_.size()];
    if (agent.finished()) {
      const auto protocols = detail::protocols_for(proposal_);
      agent.restart(protocols[choice.b % protocols.size()]);
    }
    auto action = agent.next(state_);
    if (!action)
      return;
    const std::uint32_t boot_before = state_.ghost.boot;
    Outcome outcome = emit(*action);
    if (state_.ghost.boot == boot_before)
      agent.observe(state_, outcome);
  }

  std::vector<Pid> live_idle() const {
    std::vector<Pid> out;
    for (const Process &proc : state_.procs)
      if (proc.alive && !blocked(state_, proc.pid))
        out.push_back(proc.pid);
    return out;
  }

  std::vector<int> fds_of(Pid pid) const {
    std::vector<int> out;
    const auto &fds = state_.procs[pid - 1].fds;
    for (std::size_t fd = 0; fd < fds.size(); ++fd)
      if (fds[fd])
        out.push_back(static_cast<int>(fd));
    return out;
  }

  // A vocabulary of commands covering every version's grammar and its edge cases.
  Bytes command(std::uint8_t a, std::uint8_t b) const {
    const std::string t = std::to_string(state_.counters.trimcount);
    switch ((a * 8u + b) % 16u) {
    case 0:
      return to_bytes("A\n");
    case 1:
      return to_bytes("D\n");
    case 2:
      return to_bytes("1\n");
    case 3:
      return to_bytes("2\n");
    case 4:
      return to_bytes("01");
    case 5:
      return to_bytes("02");
    case 6:
      return to_bytes(t + ":1\n");
    case 7:
      return to_bytes(t + ":2\n");
    case 8:
      return to_bytes("-1\n");
    case 9:
      return to_bytes("0\n");
    case 10:
      return to_bytes("1");
    case 11:
      return to_bytes("0:1\n");
    case 12: {
      char head[8];
      std::snprintf(head, sizeof head, "pcr%02u:", state_.config.measure_pcr);
      Bytes out = to_bytes(std::string(head) + "sha1:");
      const Digest &value = state_.pcrs.value(0, state_.config.measure_pcr);
      out.insert(out.end(), value.begin(), value.end());
      return out;
    }
    case 13:
      return to_bytes("-5\n");
    case 14:
      return to_bytes("99999999999999999999\n"); // beyond ULONG_MAX
    default:
      return to_bytes(t + ":9223372036854775808\n"); // N beyond LONG_MAX
    }
  }

  void arbitrary_step(const Choice &choice) {
    auto pids = live_idle();
    if (choice.kind == 7 || pids.empty())
      return void(emit(Action{Spawn{(choice.b & 1) == 0}}));
    const Pid pid = pids[choice.a % pids.size()];
    const auto fds = fds_of(pid);
    const int fd = fds.empty() ? -1 : fds[choice.b % fds.size()];
    switch (choice.kind) {
    case 8: {
      std::vector<const FileSpec *> files;
      for (const FileSpec &spec : state_.files)
        if (spec.kind != FileKind::policy && spec.link_to.empty() &&
            (spec.slot == state_.config.banks.sha1_slot() || spec.kind == FileKind::count ||
             spec.kind == FileKind::trim_log || spec.kind == FileKind::ms_pcrs))
          files.push_back(&spec);
      if (files.empty())
        return;
      const FileSpec &spec = *files[(choice.a + choice.b) % files.size()];
      return void(emit(Action{Open{pid, spec.path, static_cast<Access>(choice.b % 3)}}));
    }
    case 9:
      if (fd >= 0)
        emit(Action{Read{pid, fd, choice.a % 2 ? std::size_t{4096} : std::size_t{150}}});
      return;
    case 10:
    case 11:
      if (fd >= 0)
        emit(Action{Write{pid, fd, command(choice.a, choice.b)}});
      return;
    case 12:
      if (fd >= 0)
        emit(Action{Close{pid, fd}});
      return;
    case 13:
      if (choice.b % 2 == 0)
        return void(emit(Action{Fork{pid}}));
      if (fd >= 0 && pids.size() > 1)
        emit(Action{PassFd{pid, fd, pids[(choice.a + 1) % pids.size()]}});
      return;
    case 14:
      if (choice.b % 3 == 0)
        return void(emit(Action{DropCap{pid}}));
      if (choice.b % 3 == 1 && fd >= 0)
        return void(emit(Action{Seek{pid, fd}}));
      return void(emit(Action{Exit{pid}}));
    default:
      for (const Request &request : state_.requests)
        if (request.pid != 0) {
          emit(Action{Continue{request.pid}});
          return;
        }
    }
  }

  ProposalId proposal_;
  Regime regime_;
  KernelState state_;
  std::array<detail::Agent, 2> agents_;
};

} // namespace

std::vector<TraceAction> interpret(ProposalId proposal, Regime regime, const Scenario &scenario) {
  ScenarioDriver driver(proposal, make_config(proposal, scenario.config), regime);
  for (const Choice &choice : scenario.choices)
    driver.feed(choice);
  return std::move(driver.actions);
}

} // namespace trimcheck::props
