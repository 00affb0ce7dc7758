// Guest-side helpers: hex, whole writes, and messages with an optional fd (SCM_RIGHTS)
// over the SOCK_SEQPACKET pairs that connect the agent to its worker processes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace trimcheck::vm::guest {

using Bytes = std::vector<std::uint8_t>;

std::string to_hex(const Bytes &bytes);
std::optional<Bytes> from_hex(const std::string &hex);
bool write_all(int fd, const std::string &text);

// One datagram plus at most one passed descriptor (-1 if none).
struct Message {
  Bytes payload;
  int fd = -1;
};
bool send_message(int socket, const Message &message);
std::optional<Message> receive_message(int socket);

std::string read_text_file(const std::string &path);

} // namespace trimcheck::vm::guest
