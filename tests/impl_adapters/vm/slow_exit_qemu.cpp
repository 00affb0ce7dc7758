// A stand-in for qemu-system-x86_64 that reproduces a race seen in CI: QEMU opens its data
// channel, refuses the kernel, closes the channel, and its process takes seconds more to
// exit (a loaded machine). Installed on PATH as qemu-system-x86_64 by machine_test.cpp.
#include <cstdio>
#include <cstring>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
  const std::string marker = "socket,id=data,path=";
  std::string path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind(marker, 0) == 0)
      path = arg.substr(marker.size(), arg.find(',', marker.size()) - marker.size());
  }
  if (path.empty()) {
    std::fprintf(stderr, "slow_exit_qemu: no data channel argument\n");
    return 2;
  }
  const int listener = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  if (::bind(listener, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 ||
      ::listen(listener, 1) != 0) {
    std::perror("slow_exit_qemu: data channel");
    return 2;
  }
  pollfd wait_for_client{listener, POLLIN, 0};
  if (::poll(&wait_for_client, 1, 10'000) == 1)
    ::close(::accept(listener, nullptr, nullptr));
  std::fprintf(stderr, "qemu: linux kernel too old to load a ram disk\n");
  std::fflush(stderr);
  ::close(listener);
  ::sleep(4); // longer than the adapter waits after a closed channel during a session
  return 1;
}
