#include "trimcheck/props/scenario.hpp"

#include "agents.hpp"
#include "arbitrary.hpp"
#include "scenario_run.hpp"

#include "trimcheck/model/digest_table.hpp"

#include <algorithm>
#include <bit>

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
  // The smallest margin a kernel can be built with, CONFIG_IMA_KEXEC_EXTRA_MEMORY_KB=1
  // (6.15 on; 0 means half a page): the segment overflows after a kilobyte of records
  // measured between load and execute. A margin of a few bytes, which no kernel has, let
  // the kexec_load record alone overflow it at load (P23).
  config.kexec_extra_bytes = choice.small_kexec_margin ? 1024 : 2048;
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
  // With `watch`, each step is taken by perform_step and shown to the monitors; `run`
  // receives the steps and features that `options` asks for.
  ScenarioDriver(KernelState booted, Regime regime, detail::RunWatch *watch = nullptr,
                 detail::DrivenRun *run = nullptr, detail::DriveOptions options = {})
      : proposal_(booted.proposal), regime_(regime), watch_(watch), run_(run), options_(options),
        state_(std::move(booted)), agents_{detail::Agent(proposal_), detail::Agent(proposal_)} {
    const auto protocols = detail::protocols_for(proposal_);
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
    if (watch_ != nullptr) {
      const bool watching = !watch_->done();
      detail::StepResult step = detail::perform_step(state_, action, actions.size());
      if (watching) {
        watch_->observe(state_, action, step);
        if (options_.keep_steps)
          run_->steps.push_back({action, step.outcome});
      }
      outcome = std::move(step.outcome);
    } else if (const Action *a = std::get_if<Action>(&action)) {
      outcome = apply(state_, *a);
    }
    actions.push_back(action);
    if (options_.coverage)
      run_->features.push_back(detail::coverage_feature(state_, action, outcome));
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
  detail::RunWatch *watch_;
  detail::DrivenRun *run_;
  detail::DriveOptions options_;
  KernelState state_;
  std::array<detail::Agent, 2> agents_;
};

} // namespace

namespace {

// Feeds every choice (or, when `stop` says so, until it does) and ends arbitrary user
// space at a quiescent point.
template <typename Stop>
void drive(ScenarioDriver &driver, Regime regime, const Scenario &scenario, Stop stop) {
  for (Choice choice : scenario.choices) {
    if (stop())
      return;
    choice.kind = scenario.swarm.kind(choice.kind);
    driver.feed(choice);
  }
  if (regime == Regime::arbitrary && !stop())
    driver.wind_down();
}

} // namespace

std::vector<TraceAction> interpret(ProposalId proposal, Regime regime, const Scenario &scenario,
                                   const std::optional<KernelConfig> &config) {
  ScenarioDriver driver(boot(proposal, config ? *config : make_config(proposal, scenario.config)),
                        regime);
  drive(driver, regime, scenario, [] { return false; });
  return std::move(driver.actions);
}

namespace detail {

std::uint64_t coverage_feature(const KernelState &state, const TraceAction &action,
                               const Outcome &outcome) {
  // Exact up to 16, then by eights up to 64, then by powers of two: a list that grows by one
  // record is new coverage while it is short, and every doubling after that.
  auto bucket = [](std::size_t n) -> std::uint64_t {
    return n <= 16 ? n : n <= 64 ? 16 + (n - 16) / 8 : 22 + std::bit_width(n);
  };
  const Action *kernel_action = std::get_if<Action>(&action);
  const std::uint64_t kind = kernel_action ? kernel_action->index() : std::variant_size_v<Action>;
  const std::uint64_t result = !outcome.done      ? 0
                               : outcome.ret < 0  ? 1 + std::min<std::int64_t>(-outcome.ret, 62)
                               : outcome.ret == 0 ? 64
                                                  : 65;
  std::uint64_t feature = kind;
  auto put = [&feature](std::uint64_t value, int bits) { feature = feature << bits | value; };
  put(result, 7);
  put(bucket(state.list.size()), 6);
  put(bucket(state.staged.size()), 6);
  put(std::min<std::uint32_t>(state.ghost.boot, 3), 2);
  put(state.kexec.loaded ? 1 : 0, 1);
  put(std::min<std::size_t>(state.requests.size(), 3), 2);
  put(std::min<std::size_t>(state.open_files.size(), 7), 3);
  put(state.events.empty() ? 0 : 1, 1);
  return feature;
}

KernelState BootCache::boot(ProposalId proposal, const KernelConfig &config) {
  auto cached = std::find_if(states_.begin(), states_.end(), [&](const KernelState &state) {
    return state.proposal == proposal && state.config == config;
  });
  KernelState state =
      cached != states_.end() ? *cached : states_.emplace_back(model::boot(proposal, config));
  // Its own memo and table of PCR values, as a kernel booted here would have: ones shared
  // by every run would grow with digests and PCR values no other run has, and the memo's
  // lookups would miss the cache. A run is one history, so it never extends the same PCR
  // value twice: its memo keeps record digests only (digest_memo.hpp). The record table
  // stays shared by the runs of this boot: they measure the same few files, so it holds a
  // bounded vocabulary, and a record one run made the next finds (a table per run made
  // check 15 % slower; shared, 17 % faster than before the tables: explore-performance.md).
  state.digest_memo = SharedDigestMemo::fresh(model::MemoScope::records_only);
  state.pcrs = state.pcrs.in(std::make_shared<model::DigestTable>());
  return state;
}

DrivenRun drive_watched(Regime regime, const Scenario &scenario, KernelState booted,
                        std::span<const Property *const> properties, DriveOptions options) {
  DrivenRun run;
  RunWatch watch(properties, booted);
  ScenarioDriver driver(std::move(booted), regime, &watch, &run, options);
  drive(driver, regime, scenario, [&] { return !options.coverage && watch.done(); });
  run.violations = std::move(watch.violations);
  return run;
}

Trace check_trace(model::ProposalId proposal, const model::KernelConfig &config,
                  const Property &property, Regime regime, std::uint64_t seed,
                  std::vector<TraceStep> steps, std::string violation, const Scenario &scenario) {
  Trace trace;
  trace.proposal = proposal;
  trace.config = config;
  trace.property = std::string(property.id);
  trace.regime = regime;
  trace.seed = seed;
  trace.steps = std::move(steps);
  trace.violation = std::move(violation);
  trace.scenario = scenario_code(scenario);
  return trace;
}

} // namespace detail

} // namespace trimcheck::props
