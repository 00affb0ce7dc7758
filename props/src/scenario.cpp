#include "trimcheck/props/scenario.hpp"

#include "agents.hpp"
#include "arbitrary.hpp"

namespace trimcheck::props {

using namespace model;

KernelConfig make_config(ProposalId proposal, const ConfigChoice &choice) {
  KernelConfig config;
  config.flush_htable = choice.flush_htable;
  config.disable_htable = choice.disable_htable;
  config.staging = config.log_trimming = config.ima_pcrs = !choice.feature_off;
  if (choice.legacy_template) {
    // The kernel refuses ima_template=ima unless ima_hash is sha1 (or md5)
    // (ima_template_setup); a kernel with the legacy template hashes with sha1.
    config.template_kind = TemplateKind::ima;
    config.banks.ima_hash = HashAlgo::sha1;
  }
  // A small margin makes the kexec segment overflow within a short scenario.
  config.kexec_extra_bytes = choice.small_kexec_margin ? 1 : 2048;
  (void)proposal;
  return config;
}

bool is_default_choice(ProposalId proposal, const KernelConfig &config) {
  KernelConfig defaults = make_config(proposal, ConfigChoice{});
  defaults.base = config.base;
  defaults.firmware_pcrs = config.firmware_pcrs;
  return config == defaults;
}

namespace {

// RapidCheck scales inRange by the size parameter; choices must cover their whole range
// whatever the scenario length, so they are generated at the nominal size.
rc::Gen<int> uniform(int low, int high) {
  return rc::gen::resize(rc::kNominalSize, rc::gen::inRange(low, high));
}

} // namespace

std::uint8_t Swarm::kind(std::uint8_t kind) const {
  const std::uint32_t all = (1u << kKinds) - 1;
  if ((left_out & all) == all)
    return kind; // nothing kept: read as every kind
  while (left_out >> kind & 1u)
    kind = static_cast<std::uint8_t>((kind + 1) % kKinds);
  return kind;
}

rc::Gen<Scenario> scenario_gen(bool default_config_only, bool swarm) {
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
      [](int kind, int a, int b, int c) {
        return Choice{static_cast<std::uint8_t>(kind), static_cast<std::uint8_t>(a),
                      static_cast<std::uint8_t>(b), static_cast<std::uint8_t>(c)};
      },
      uniform(0, 16), uniform(0, 8), uniform(0, 8), uniform(0, 8));
  auto choices = rc::gen::container<std::vector<Choice>>(choice);
  if (!swarm)
    return rc::gen::apply(
        [](ConfigChoice c, std::vector<Choice> list) {
          return Scenario{c, std::move(list), Swarm{}};
        },
        config, choices);
  // The bit above the kinds set: this scenario swarms (leaves out the kinds of the low bits);
  // shrinking goes toward 0, every kind.
  auto swarm_gen = rc::gen::map(uniform(0, 1 << (Swarm::kKinds + 1)), [](int bits) {
    return Swarm{bits >> Swarm::kKinds & 1
                     ? static_cast<std::uint32_t>(bits) & ((1u << Swarm::kKinds) - 1)
                     : 0u};
  });
  return rc::gen::apply(
      [](ConfigChoice c, std::vector<Choice> list, Swarm left_out) {
        return Scenario{c, std::move(list), left_out};
      },
      config, choices, swarm_gen);
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

  // Arbitrary user space ends every run at a quiescent point: the calls in flight finish
  // (round robin, so one waiting for another's mutex gets its turn) and every process
  // closes its files. P2, P7 and P8 are judged at quiescent points only, and a random run
  // that leaves one writer open would otherwise never be judged.
  void wind_down() {
    finish_calls();
    for (const Process &proc : std::vector<Process>(state_.procs))
      for (std::size_t fd = 0; proc.alive && fd < proc.fds.size(); ++fd)
        if (proc.fds[fd] && state_.procs[proc.pid - 1].fds[fd])
          emit(Action{Close{proc.pid, static_cast<int>(fd)}});
    finish_calls();
  }

  std::vector<TraceAction> actions;

private:
  void finish_calls() {
    for (std::size_t round = 0; !state_.requests.empty() && round < 256; ++round)
      emit(Action{Continue{state_.requests[round % state_.requests.size()].pid}});
  }

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

  void arbitrary_step(const Choice &choice) {
    if (choice.kind == 11) {
      if (auto echo = detail::arbitrary_echo(state_, choice))
        echo_command(*echo);
      return;
    }
    if (auto action = detail::arbitrary_action(state_, choice))
      emit(*action);
  }

  void echo_command(const detail::EchoCommand &echo) {
    const Outcome opened = emit(Action{Open{echo.pid, echo.path, Access::write}});
    if (!opened.done || opened.ret < 0)
      return;
    const int fd = static_cast<int>(opened.ret);
    emit(Action{Write{echo.pid, fd, echo.command}});
    for (int round = 0; blocked(state_, echo.pid) && round < 64; ++round)
      emit(Action{Continue{echo.pid}});
    if (!blocked(state_, echo.pid)) // else it waits for another call; wind_down closes it
      emit(Action{Close{echo.pid, fd}});
  }

  ProposalId proposal_;
  Regime regime_;
  KernelState state_;
  std::array<detail::Agent, 2> agents_;
};

} // namespace

std::vector<TraceAction> interpret(ProposalId proposal, Regime regime, const Scenario &scenario,
                                   const std::optional<KernelConfig> &config) {
  ScenarioDriver driver(proposal, config ? *config : make_config(proposal, scenario.config),
                        regime);
  for (Choice choice : scenario.choices) {
    choice.kind = scenario.swarm.kind(choice.kind);
    driver.feed(choice);
  }
  if (regime == Regime::arbitrary)
    driver.wind_down();
  return std::move(driver.actions);
}

} // namespace trimcheck::props
