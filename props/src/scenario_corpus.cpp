#include "scenario_corpus.hpp"

#include <algorithm>

namespace trimcheck::props::detail {

namespace {

constexpr std::size_t kMaxKept = 4096; // about 1 MB of choices at the longest scenarios

std::size_t below(rc::Random &random, std::size_t n) {
  return n == 0 ? 0 : static_cast<std::size_t>(random.next() % n);
}

Choice random_choice(rc::Random &random) {
  const std::uint64_t bits = random.next();
  return Choice{static_cast<std::uint8_t>(bits % 16), static_cast<std::uint8_t>(bits >> 8 & 7),
                static_cast<std::uint8_t>(bits >> 16 & 7),
                static_cast<std::uint8_t>(bits >> 24 & 7)};
}

// One mutation of `scenario`, `other` being a second kept scenario (for a splice).
void mutate_once(Scenario &scenario, const Scenario &other, rc::Random &random,
                 bool default_config_only) {
  std::vector<Choice> &choices = scenario.choices;
  const std::size_t count = 1 + below(random, 8);
  const std::size_t at = below(random, choices.size() + 1);
  switch (below(random, default_config_only ? 7 : 8)) {
  case 0: // append
    for (std::size_t k = 0; k < count; ++k)
      choices.push_back(random_choice(random));
    break;
  case 1: // insert
    for (std::size_t k = 0; k < count; ++k)
      choices.insert(choices.begin() + static_cast<std::ptrdiff_t>(at), random_choice(random));
    break;
  case 2: // replace one
    if (!choices.empty())
      choices[below(random, choices.size())] = random_choice(random);
    break;
  case 3: { // remove a chunk
    const std::size_t end = std::min(choices.size(), at + count);
    choices.erase(choices.begin() + static_cast<std::ptrdiff_t>(at),
                  choices.begin() + static_cast<std::ptrdiff_t>(end));
    break;
  }
  case 4: { // repeat a chunk right after itself
    const std::size_t end = std::min(choices.size(), at + count);
    const std::vector<Choice> chunk(choices.begin() + static_cast<std::ptrdiff_t>(at),
                                    choices.begin() + static_cast<std::ptrdiff_t>(end));
    choices.insert(choices.begin() + static_cast<std::ptrdiff_t>(end), chunk.begin(), chunk.end());
    break;
  }
  case 5: { // splice: this scenario's head, the other's tail
    const std::size_t from = below(random, other.choices.size() + 1);
    choices.resize(at);
    choices.insert(choices.end(), other.choices.begin() + static_cast<std::ptrdiff_t>(from),
                   other.choices.end());
    break;
  }
  case 6: // another swarm: one more or one fewer kind left out, or none
    scenario.swarm.left_out =
        below(random, 4) == 0 ? 0u : scenario.swarm.left_out ^ (1u << below(random, Swarm::kKinds));
    break;
  default: {
    bool &flag = scenario.config.*kConfigChoiceFlags[below(random, std::size(kConfigChoiceFlags))];
    flag = !flag;
  }
  }
}

rc::Seq<Choice> choice_shrinks(Choice choice) {
  auto field = [choice](std::uint8_t Choice::*member) {
    return rc::seq::map(rc::shrink::integral<std::uint8_t>(choice.*member),
                        [choice, member](std::uint8_t value) {
                          Choice smaller = choice;
                          smaller.*member = value;
                          return smaller;
                        });
  };
  return rc::seq::concat(field(&Choice::kind), field(&Choice::a), field(&Choice::b),
                         field(&Choice::c));
}

rc::Seq<Scenario> scenario_shrinks(const Scenario &scenario) {
  std::vector<Scenario> simpler;
  if (scenario.swarm.left_out != 0) {
    simpler.push_back(scenario);
    simpler.back().swarm = Swarm{};
  }
  for (bool ConfigChoice::*flag : kConfigChoiceFlags)
    if (scenario.config.*flag) {
      simpler.push_back(scenario);
      simpler.back().config.*flag = false;
    }
  auto with_choices = [scenario](std::vector<Choice> choices) {
    Scenario smaller = scenario;
    smaller.choices = std::move(choices);
    return smaller;
  };
  return rc::seq::concat(
      rc::seq::fromContainer(std::move(simpler)),
      rc::seq::map(rc::shrink::removeChunks(scenario.choices), with_choices),
      rc::seq::map(rc::shrink::eachElement(scenario.choices, choice_shrinks), with_choices));
}

} // namespace

bool ScenarioCorpus::add_if_new(const Scenario &scenario, std::span<const std::uint64_t> features) {
  bool fresh = false;
  for (std::uint64_t feature : features)
    fresh = seen_.insert(feature).second || fresh;
  if (fresh && kept_.size() < kMaxKept)
    kept_.push_back(scenario);
  return fresh;
}

Scenario ScenarioCorpus::mutant(rc::Random &random, bool default_config_only,
                                std::size_t max_choices) const {
  Scenario scenario = kept_[below(random, kept_.size())];
  const Scenario &other = kept_[below(random, kept_.size())];
  for (std::size_t stacked = 1 + below(random, 3); stacked > 0; --stacked)
    mutate_once(scenario, other, random, default_config_only);
  if (scenario.choices.size() > max_choices)
    scenario.choices.resize(max_choices);
  return scenario;
}

rc::Shrinkable<Scenario> shrinkable_scenario(Scenario scenario) {
  return rc::shrinkable::shrinkRecur(std::move(scenario), &scenario_shrinks);
}

} // namespace trimcheck::props::detail
