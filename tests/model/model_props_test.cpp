// RapidCheck properties of the model itself: serialisation round trips, PCR replay of the
// baseline, and that every version accepts every scenario the driver builds.
#include "trimcheck/model/list_format.hpp"
#include "trimcheck/model/machine.hpp"
#include "trimcheck/props/property.hpp"
#include "trimcheck/props/scenario.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace trimcheck::model {
namespace {

rc::Gen<TemplateData> template_gen() {
  return rc::gen::apply(
      [](int kind, std::string name, std::vector<std::uint8_t> extra) {
        if (name.size() > 200)
          name.resize(200);
        std::erase(name, '\0');
        const Digest digest = hash_bytes(HashAlgo::sha256, extra);
        switch (kind) {
        case 0:
          return make_ima(hash_bytes(HashAlgo::sha1, extra), name);
        case 1:
          return make_ima_ng(HashAlgo::sha256, digest, name);
        case 2:
          return make_ima_sig(HashAlgo::sha256, digest, name, extra);
        default:
          return make_ima_buf(HashAlgo::sha256, name, extra);
        }
      },
      rc::gen::inRange(0, 4), rc::gen::arbitrary<std::string>(),
      rc::gen::arbitrary<std::vector<std::uint8_t>>());
}

RC_GTEST_PROP(ModelProps, BinaryListsRoundTripInEveryBank, ()) {
  const auto templates = *rc::gen::container<std::vector<TemplateData>>(template_gen());
  const BankLayout layout = BankLayout::swtpm_default();
  for (std::size_t slot = 0; slot < layout.slots().size(); ++slot) {
    std::vector<ListEntry> entries;
    for (const TemplateData &data : templates)
      entries.push_back(list_entry(make_record(layout, 10, data), slot));
    const Bytes bytes = to_binary(entries);
    RC_ASSERT(parse_binary(bytes, digest_size(layout.slots()[slot].algo)) == entries);
  }
}

// The model's list files render a record in place (append_binary/append_ascii of a Record
// and a slot): the same bytes as its ListEntry, in every template, bank and PCR.
RC_GTEST_PROP(ModelProps, ARecordRendersAsItsListEntry, ()) {
  const TemplateData data = *template_gen();
  const auto pcr = *rc::gen::inRange<std::uint32_t>(0, kNumPcrs);
  const BankLayout layout = BankLayout::swtpm_default();
  const Record record = make_record(layout, pcr, data);
  for (std::size_t slot = 0; slot < layout.slots().size(); ++slot) {
    const ListEntry entry = list_entry(record, slot);
    Bytes binary = {0xAA}, ascii = {0xAA}; // appended after what the buffer holds
    append_binary(binary, record, slot);
    append_ascii(ascii, record, slot);
    Bytes expected_binary = {0xAA}, expected_ascii = {0xAA};
    append_binary(expected_binary, entry);
    const std::string line = ascii_line(entry);
    expected_ascii.insert(expected_ascii.end(), line.begin(), line.end());
    RC_ASSERT(binary == expected_binary);
    RC_ASSERT(ascii == expected_ascii);
  }
}

// What ascii_line prints, parse_ascii_line reads back, in every template and bank and at
// every PCR (single-digit PCRs are printed with a leading space). A name with a newline
// breaks its line in the kernel's ascii list too, so the names here have none.
RC_GTEST_PROP(ModelProps, AsciiLinesRoundTripInEveryBank, ()) {
  TemplateData data = *template_gen();
  Bytes &name = data.fields.at(1); // n or n-ng in every template
  std::erase(name, std::uint8_t{'\n'});
  if (name.empty() || name.back() != 0)
    name.push_back(0);
  const auto pcr = *rc::gen::inRange<std::uint32_t>(0, kNumPcrs);
  const BankLayout layout = BankLayout::swtpm_default();
  for (std::size_t slot = 0; slot < layout.slots().size(); ++slot) {
    const ListEntry entry = list_entry(make_record(layout, pcr, data), slot);
    std::string line = ascii_line(entry);
    RC_ASSERT(line.back() == '\n');
    line.pop_back();
    RC_ASSERT(parse_ascii_line(line) == entry);
  }
}

TEST(AsciiLine, AMalformedLineNamesWhatIsWrong) {
  const std::pair<const char *, const char *> cases[] = {
      {"10", "expected 'PCR TEMPLATE-DIGEST TEMPLATE-NAME FIELDS...'"},
      {"x0 00 ima-ng a b", "PCR 'x0' is not a number"},
      {"24 00 ima-ng sha1: n", "PCR 24 out of range 0..23"},
      {"10 0g ima-ng sha1: n", "the template digest '0g' is not hex"},
      {"10 00 ima-zz a b", "unknown template 'ima-zz'"},
      {"10 00 ima-ng a b c", "ima-ng has 2 fields, the line has 3"},
      {"10 00 ima-ng md4:00 n", "unknown hash algorithm 'md4'"},
      {"10 00 ima-ng sha1:00 n", "the d-ng digest has 1 bytes, sha1 has 20"},
      {"10 00 ima-sig sha1:0000000000000000000000000000000000000000 n zz",
       "the sig field 'zz' is not hex"},
  };
  for (const auto &[line, message] : cases) {
    try {
      parse_ascii_line(line);
      ADD_FAILURE() << "accepted: " << line;
    } catch (const std::invalid_argument &error) {
      EXPECT_NE(std::string(error.what()).find(message), std::string::npos)
          << line << ": " << error.what();
    }
  }
}

RC_GTEST_PROP(ModelProps, TruncatedListsAreRejectedWithTheirOffset, ()) {
  const auto data = *template_gen();
  const Bytes bytes = to_binary(std::vector{list_entry(make_record({}, 10, data), 0)});
  const auto cut = *rc::gen::inRange<std::size_t>(1, bytes.size());
  try {
    parse_binary(std::span(bytes).first(cut), 20);
    RC_FAIL("a truncated record parsed");
  } catch (const ListParseError &error) {
    RC_ASSERT(error.record_index() == 0u);
    RC_ASSERT(error.offset() <= cut);
  }
}

RC_GTEST_PROP(ModelProps, BaselinePcrsReplayFromTheList, ()) {
  const auto files = *rc::gen::container<std::vector<std::pair<std::uint8_t, bool>>>(
      rc::gen::pair(rc::gen::inRange<std::uint8_t>(0, 8), rc::gen::arbitrary<bool>()));
  KernelState state = boot(ProposalId::baseline_6_15, KernelConfig{});
  for (auto [file, violation] : files)
    model::apply(state, violation ? Action{MeasureViolation{file}} : Action{Measure{file, 0}});
  PcrBanks replay(state.config.banks);
  for (NodeId id : state.list) {
    const Record &record = state.contents[state.nodes[id].serial];
    for (std::size_t bank = 0; bank < replay.num_banks(); ++bank)
      replay.extend(bank, record.pcr, extend_value(state.config.banks, bank, record));
  }
  for (std::size_t bank = 0; bank < replay.num_banks(); ++bank)
    RC_ASSERT(replay.value_copy(bank, 10) == state.pcrs.value_copy(bank, 10));
}

RC_GTEST_PROP(ModelProps, EveryVersionAcceptsEveryDrivenScenario, ()) {
  const auto index = *rc::gen::inRange<std::size_t>(0, all_proposals().size());
  const ProposalId proposal = all_proposals()[index].id;
  const auto regime = *rc::gen::element(props::Regime::protocol, props::Regime::arbitrary);
  const bool swarm = *rc::gen::arbitrary<bool>(); // check's shared streams swarm
  const props::Scenario scenario = *props::scenario_gen(false, swarm);
  const auto actions = props::interpret(proposal, regime, scenario);
  const auto run = props::run_actions(proposal, props::make_config(proposal, scenario.config),
                                      *props::find_property("P5"), actions);
  RC_ASSERT(run.invalid.empty());
}

} // namespace
} // namespace trimcheck::model
