// A scenario's one-line form (scenario_code, props/include/trimcheck/props/scenario.hpp):
// every generated scenario round-trips, and a malformed code is one message naming what
// is wrong.
#include "trimcheck/props/scenario.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <stdexcept>

namespace trimcheck::props {
namespace {

bool same(const Scenario &a, const Scenario &b) {
  for (bool ConfigChoice::*flag : kConfigChoiceFlags)
    if (a.config.*flag != b.config.*flag)
      return false;
  return a.choices == b.choices && a.swarm.left_out == b.swarm.left_out;
}

RC_GTEST_PROP(ScenarioCode, EveryGeneratedScenarioRoundTrips, ()) {
  const Scenario scenario = *scenario_gen(false, true);
  const std::string code = scenario_code(scenario);
  RC_ASSERT(same(scenario_from_code(code), scenario));
  RC_ASSERT(scenario_code(scenario_from_code(code)) == code);
}

TEST(ScenarioCode, ReadsTheDocumentedForm) {
  const Scenario scenario =
      scenario_from_code("config=00101 swarm=0000a001 choices=0f0102ff00000000");
  EXPECT_TRUE(scenario.config.feature_off);
  EXPECT_TRUE(scenario.config.small_kexec_margin);
  EXPECT_FALSE(scenario.config.flush_htable);
  EXPECT_EQ(scenario.swarm.left_out, 0xa001u);
  ASSERT_EQ(scenario.choices.size(), 2u);
  EXPECT_EQ(scenario.choices[0], (Choice{15, 1, 2, 255}));
  EXPECT_EQ(scenario.choices[1], Choice{});
  EXPECT_TRUE(scenario_from_code("config=00000 swarm=00000000 choices=").choices.empty());
}

TEST(ScenarioCode, AMalformedCodeIsOneMessageNamingWhatIsWrong) {
  const std::pair<const char *, const char *> cases[] = {
      {"", "expected config="},
      {"config=0000 swarm=00000000 choices=", "config: expected 5 digits 0 or 1"},
      {"config=00002 swarm=00000000 choices=", "config: expected 5 digits 0 or 1"},
      {"config=00000 swarm=000 choices=", "swarm: expected 8 hex digits"},
      {"config=00000 swarm=0000000G choices=", "swarm: 'G' is not a lowercase hex digit"},
      {"config=00000 swarm=00010000 choices=", "swarm: only the low 16 bits name kinds"},
      {"config=00000 swarm=00000000 choices=0102", "choices: expected 8 hex digits per choice"},
      {"config=00000 swarm=00000000 choices=10000000", "kind 16 of choice 0 is not below 16"},
      {"config=00000 swarm=00000000 choices= extra", "unexpected text after the choices"},
      {"config=00000 choices=", "expected swarm="},
  };
  for (const auto &[code, message] : cases) {
    try {
      scenario_from_code(code);
      ADD_FAILURE() << "accepted: " << code;
    } catch (const std::invalid_argument &error) {
      EXPECT_NE(std::string(error.what()).find(message), std::string::npos)
          << code << ": " << error.what();
    }
  }
}

} // namespace
} // namespace trimcheck::props
