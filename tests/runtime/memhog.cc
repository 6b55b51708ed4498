// Test helper: allocates and touches MiB of memory (argv[1]), then exits 0. Under a smaller
// cgroup memory limit the kernel OOM-kills it before it gets there.
#include <cstdlib>
#include <cstring>
#include <unistd.h>

int main(int argc, char** argv) {
  const long mib = argc > 1 ? std::atol(argv[1]) : 64;
  for (long i = 0; i < mib; ++i) {
    char* block = static_cast<char*>(std::malloc(1 << 20));
    if (block == nullptr) return 2;
    std::memset(block, 0x5a, 1 << 20);  // touch every page so it is really charged
  }
  return 0;
}
