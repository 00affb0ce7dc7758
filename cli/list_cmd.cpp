#include "commands.hpp"
#include "json_document.hpp"
#include "report_io.hpp"

#include "trimcheck/props/property.hpp"

#include <iostream>
#include <nlohmann/json.hpp>

namespace trimcheck::cli {

void add_list(CLI::App &app, int &exit_code) {
  auto *cmd = app.add_subcommand(
      "list", "List every modelled version (id, date, author, title) and every property.");
  cmd->footer("Example:\n  trimcheck list --json | jq '.proposals[].id'\n\nExit codes: 0.");
  auto json = std::make_shared<bool>(false);
  auto markdown = std::make_shared<std::string>();
  add_json_flag(*cmd, *json, "the versions and properties");
  cmd->add_option("--markdown", *markdown, "Write the property catalogue (docs/properties.md)")
      ->check(writable_file());
  cmd->callback([json, markdown, &exit_code] {
    exit_code = kExitOk;
    if (!markdown->empty()) {
      write_file(*markdown, properties_markdown());
      return;
    }
    if (*json) {
      nlohmann::json out = json_document("list", {{"proposals", nlohmann::json::array()},
                                                  {"properties", nlohmann::json::array()}});
      for (const auto &info : model::all_proposals())
        out["proposals"].push_back({{"id", info.key},
                                    {"title", info.title},
                                    {"author", info.author},
                                    {"date", info.date},
                                    {"family", model::family_name(info.family)}});
      for (const auto &property : props::all_properties())
        out["properties"].push_back({{"id", property.id},
                                     {"title", property.title},
                                     {"statement", property.statement},
                                     {"sources", property.sources}});
      std::cout << out.dump(2) << "\n";
      return;
    }
    std::cout << "Versions:\n";
    for (const auto &info : model::all_proposals())
      std::cout << "  " << info.key << std::string(14 - info.key.size(), ' ') << info.date << "  "
                << info.author << "\n      " << info.title << "\n";
    std::cout << "\nProperties:\n";
    for (const auto &property : props::all_properties())
      std::cout << "  " << property.id << std::string(5 - property.id.size(), ' ') << property.title
                << "\n";
  });
}

} // namespace trimcheck::cli
