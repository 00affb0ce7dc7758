// A data race on purpose (see CMakeLists.txt): two threads increment one plain integer.
// Built with -fsanitize=thread, this program must be reported; scripts/tsan-smoke fails if
// it is not.
#include <cstdio>
#include <thread>

int main() {
  long counter = 0;
  auto bump = [&counter] {
    for (int i = 0; i < 100000; ++i)
      ++counter;
  };
  std::thread first(bump), second(bump);
  first.join();
  second.join();
  std::printf("%ld\n", counter);
  return 0;
}
